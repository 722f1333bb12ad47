import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  AgentDispatch,
  CreateAgentDispatchRequest,
  CreateRoomRequest,
  CreateSIPDispatchRuleRequest,
  CreateSIPInboundTrunkRequest,
  CreateSIPOutboundTrunkRequest,
  CreateSIPParticipantRequest,
  DeleteRoomRequest,
  DeleteSIPDispatchRuleRequest,
  DeleteSIPTrunkRequest,
  DisconnectReason,
  ListParticipantsRequest,
  ListParticipantsResponse,
  ListRoomsRequest,
  ListRoomsResponse,
  ListSIPDispatchRuleRequest,
  ListSIPDispatchRuleResponse,
  ListSIPInboundTrunkRequest,
  ListSIPInboundTrunkResponse,
  ListSIPOutboundTrunkRequest,
  ListSIPOutboundTrunkResponse,
  ParticipantInfo,
  ParticipantInfo_Kind,
  ParticipantInfo_State,
  Room,
  RoomParticipantIdentity,
  SIPDispatchRuleInfo,
  SIPInboundTrunkInfo,
  SIPOutboundTrunkInfo,
  SIPParticipantInfo,
  SIPTrunkInfo,
  SIPTrunkInfo_TrunkKind,
  TransferSIPParticipantRequest,
  UpdateSIPDispatchRuleRequest,
  UpdateSIPInboundTrunkRequest,
  UpdateSIPOutboundTrunkRequest,
  WebhookEvent,
} from '@livekit/protocol';
import { authenticate, type Grants } from './auth';
import { newId } from './ids';
import { TwirpError, invalid, writeJson, writePlain401, writeTwirpError } from './twirp';
import {
  applyListUpdate,
  checkInboundConflicts,
  checkRuleConflicts,
  normalizeNumber,
  validateInbound,
  validateOutbound,
  validateRule,
} from './validation';
import { postWebhook, webhookBody } from '../livekit-webhook';

export interface EmulatorOptions {
  apiKey?: string;
  apiSecret?: string;
  extraKeys?: Record<string, string>;
  webhookUrl?: string;
  latencyMs?: number;
}

export type CallOutcome =
  | { kind: 'answer'; afterMs?: number }
  | { kind: 'reject'; sipStatus: number; reason?: string; afterMs?: number }
  | { kind: 'no-answer'; afterMs?: number }
  | { kind: 'no-sip-service' };

export type Fault = { code: string; msg: string } | 'hang' | 'reset';

export type InboundCallResult =
  | { routed: true; roomName: string; trunkId: string; ruleId: string; callId: string; events: string[] }
  | { routed: false; reason: string; events: string[] };

interface RoomState {
  room: Room;
  participants: Map<string, ParticipantInfo>;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
};

/** sipCodeToGRPCCode as Twirp codes (livekit-sip-api.md §6). */
export function twirpCodeForSip(code: number): string {
  const map: Record<number, string> = {
    400: 'invalid_argument',
    401: 'permission_denied',
    403: 'permission_denied',
    404: 'not_found',
    407: 'unauthenticated',
    408: 'deadline_exceeded',
    480: 'resource_exhausted',
    484: 'invalid_argument',
    486: 'resource_exhausted',
    487: 'aborted',
    488: 'invalid_argument',
    500: 'failed_precondition',
    502: 'failed_precondition',
    503: 'failed_precondition',
    504: 'deadline_exceeded',
    600: 'resource_exhausted',
    603: 'permission_denied',
    607: 'permission_denied',
    608: 'permission_denied',
  };
  return map[code] ?? (code < 500 ? 'invalid_argument' : code < 600 ? 'failed_precondition' : 'invalid_argument');
}

/** The participant leave reason for a failed dial (async case, §6). */
export function disconnectReasonForSip(code: number): DisconnectReason {
  if ([404, 408, 480].includes(code)) return DisconnectReason.USER_UNAVAILABLE;
  if (code >= 500 && code < 600) return DisconnectReason.CLIENT_INITIATED;
  return DisconnectReason.USER_REJECTED;
}

const JSON_OPTS = { useProtoFieldName: true, emitDefaultValues: true } as const;

/** Byte-order comparison, as Go's sort over string IDs. */
function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function nowSec(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

/**
 * An in-process LiveKit server for SIP Ops' tests and demo: Twirp JSON over HTTP with
 * livekit-server's auth, validation, conflict rules, errors and webhooks (livekit-sip-api.md §11).
 */
export class LiveKitEmulator {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly requests: Array<{ service: string; method: string; body: unknown; at: number }> = [];
  /** Every webhook event this emulator sent, in order (JSON as sent). */
  readonly webhooksSent: Array<Record<string, unknown>> = [];
  url = '';

  private server: Server;
  private port = 0;
  private readonly keys: Record<string, string>;
  private webhookUrl: string | undefined;
  private latencyMs: number;
  private readonly inbound = new Map<string, SIPInboundTrunkInfo>();
  private readonly outbound = new Map<string, SIPOutboundTrunkInfo>();
  private readonly rules = new Map<string, SIPDispatchRuleInfo>();
  private readonly roomMap = new Map<string, RoomState>();
  private readonly outcomes = new Map<string, CallOutcome>();
  private readonly faults = new Map<string, Array<{ fault: Fault; times: number }>>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private webhookChain: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(opts: EmulatorOptions) {
    this.apiKey = opts.apiKey ?? 'devkey';
    this.apiSecret = opts.apiSecret ?? 'devsecretdevsecretdevsecretdevsec';
    this.keys = { [this.apiKey]: this.apiSecret, ...(opts.extraKeys ?? {}) };
    this.webhookUrl = opts.webhookUrl;
    this.latencyMs = opts.latencyMs ?? 0;
    this.server = this.makeServer();
  }

  static async start(opts: EmulatorOptions = {}): Promise<LiveKitEmulator> {
    const e = new LiveKitEmulator(opts);
    await e.listen(0);
    e.port = (e.server.address() as AddressInfo).port;
    e.url = `http://127.0.0.1:${e.port}`;
    return e;
  }

  private makeServer(): Server {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private async closeServer(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server.listening ? this.server.close(() => r()) : r()));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.closeServer();
  }

  /** false: stop listening (connections refused); true: listen again on the same port. */
  async setAvailable(up: boolean): Promise<void> {
    if (up && !this.server.listening) {
      this.server = this.makeServer();
      await this.listen(this.port);
    } else if (!up && this.server.listening) {
      await this.closeServer();
    }
  }

  setCallOutcome(number: string, outcome: CallOutcome): void {
    this.outcomes.set(number, outcome);
  }

  failNext(method: string, fault: Fault, times = 1): void {
    const list = this.faults.get(method) ?? [];
    list.push({ fault, times });
    this.faults.set(method, list);
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  setWebhookUrl(url: string | undefined): void {
    this.webhookUrl = url;
  }

  countCalls(method?: string): number {
    return method ? this.requests.filter((r) => r.method === method).length : this.requests.length;
  }

  inboundTrunks(): SIPInboundTrunkInfo[] {
    return [...this.inbound.values()].sort((a, b) => byId(a.sipTrunkId, b.sipTrunkId)).map((t) => t.clone());
  }

  outboundTrunks(): SIPOutboundTrunkInfo[] {
    return [...this.outbound.values()].sort((a, b) => byId(a.sipTrunkId, b.sipTrunkId)).map((t) => t.clone());
  }

  dispatchRules(): SIPDispatchRuleInfo[] {
    return [...this.rules.values()].sort((a, b) => byId(a.sipDispatchRuleId, b.sipDispatchRuleId)).map((r) => r.clone());
  }

  rooms(): Array<{ name: string; sid: string; participants: Array<{ identity: string; kind: string; attributes: Record<string, string> }> }> {
    return [...this.roomMap.values()].map((r) => ({
      name: r.room.name,
      sid: r.room.sid,
      participants: [...r.participants.values()].map((p) => ({
        identity: p.identity,
        kind: ParticipantInfo_Kind[p.kind] ?? String(p.kind),
        attributes: { ...p.attributes },
      })),
    }));
  }

  reset(): void {
    this.inbound.clear();
    this.outbound.clear();
    this.rules.clear();
    this.roomMap.clear();
    this.outcomes.clear();
    this.faults.clear();
    this.requests.length = 0;
    this.webhooksSent.length = 0;
  }

  // ---------------------------------------------------------------- webhooks

  /** Fills id/createdAt, signs and POSTs (in order). Resolves when delivered (or failed). */
  emitWebhook(event: Partial<Record<string, unknown>> | WebhookEvent): Promise<void> {
    const msg = event instanceof WebhookEvent ? event : WebhookEvent.fromJson(event as never, { ignoreUnknownFields: true });
    if (!msg.id) msg.id = newId('EV_');
    if (!msg.createdAt) msg.createdAt = nowSec();
    const json = JSON.parse(webhookBody(msg)) as Record<string, unknown>;
    this.webhooksSent.push(json);
    const url = this.webhookUrl;
    const send = async () => {
      if (!url || this.stopped) return;
      try {
        await postWebhook(url, JSON.stringify(json), this.apiKey, this.apiSecret);
      } catch {
        // the receiver is down: livekit-server would retry; tests observe webhooksSent
      }
    };
    this.webhookChain = this.webhookChain.then(send);
    return this.webhookChain;
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const m = /^\/twirp\/livekit\.(SIP|RoomService|AgentDispatchService)\/([A-Za-z]+)$/.exec(path);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!m || req.method !== 'POST' || (contentType !== 'application/json' && contentType !== 'application/protobuf')) {
      writeTwirpError(res, new TwirpError('bad_route', `no handler for path "${path}"`, { twirp_invalid_route: `${req.method ?? ''} ${path}` }));
      return;
    }
    const [, service, method] = m as unknown as [string, string, string];
    const auth = await authenticate(req.headers.authorization, this.keys);
    if (!auth.ok) {
      writePlain401(res, auth.text);
      return;
    }
    let body: unknown = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      writeTwirpError(res, new TwirpError('malformed', 'the json request could not be decoded'));
      return;
    }
    this.requests.push({ service, method, body, at: Date.now() });
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const fault = this.takeFault(method);
    if (fault === 'hang') return; // never answers; the socket is destroyed on stop
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault) {
      writeTwirpError(res, new TwirpError(fault.code, fault.msg));
      return;
    }
    try {
      const out = await this.dispatch(service, method, body, auth.grants);
      writeJson(res, out);
    } catch (err) {
      if (err instanceof TwirpError) writeTwirpError(res, err);
      else writeTwirpError(res, new TwirpError('internal', (err as Error).message));
    }
  }

  private takeFault(method: string): Fault | undefined {
    const list = this.faults.get(method);
    if (!list?.length) return undefined;
    const f = list[0]!;
    f.times -= 1;
    if (f.times <= 0) list.shift();
    return f.fault;
  }

  private async dispatch(service: string, method: string, body: unknown, grants: Grants | undefined): Promise<unknown> {
    const denied = () => new TwirpError('unauthenticated', 'permissions denied');
    const sipAdmin = () => {
      if (!grants?.sip?.admin) throw denied();
    };
    const sipCall = () => {
      if (!grants?.sip?.call) throw denied();
    };
    const roomAdmin = (room: string) => {
      if (!grants?.video?.roomAdmin || grants.video.room !== room) throw denied();
    };
    const parse = <T>(cls: { fromJson(j: never, o: { ignoreUnknownFields: boolean }): T }): T => {
      try {
        return cls.fromJson(body as never, { ignoreUnknownFields: true });
      } catch (e) {
        throw new TwirpError('malformed', `the json request could not be decoded: ${(e as Error).message}`);
      }
    };
    if (service === 'SIP') {
      switch (method) {
        case 'CreateSIPInboundTrunk':
          sipAdmin();
          return this.createInbound(parse(CreateSIPInboundTrunkRequest));
        case 'CreateSIPOutboundTrunk':
          sipAdmin();
          return this.createOutbound(parse(CreateSIPOutboundTrunkRequest));
        case 'ListSIPInboundTrunk':
          sipAdmin();
          return this.listInbound(parse(ListSIPInboundTrunkRequest));
        case 'ListSIPOutboundTrunk':
          sipAdmin();
          return this.listOutbound(parse(ListSIPOutboundTrunkRequest));
        case 'UpdateSIPInboundTrunk':
          sipAdmin();
          return this.updateInbound(parse(UpdateSIPInboundTrunkRequest));
        case 'UpdateSIPOutboundTrunk':
          sipAdmin();
          return this.updateOutbound(parse(UpdateSIPOutboundTrunkRequest));
        case 'DeleteSIPTrunk':
          sipAdmin();
          return this.deleteTrunk(parse(DeleteSIPTrunkRequest));
        case 'CreateSIPDispatchRule':
          sipAdmin();
          return this.createRule(parse(CreateSIPDispatchRuleRequest));
        case 'UpdateSIPDispatchRule':
          sipAdmin();
          return this.updateRule(parse(UpdateSIPDispatchRuleRequest));
        case 'ListSIPDispatchRule':
          sipAdmin();
          return this.listRules(parse(ListSIPDispatchRuleRequest));
        case 'DeleteSIPDispatchRule':
          sipAdmin();
          return this.deleteRule(parse(DeleteSIPDispatchRuleRequest));
        case 'ListSIPTrunk':
          sipAdmin();
          return { items: [] };
        case 'CreateSIPParticipant':
          sipCall();
          return this.createParticipant(parse(CreateSIPParticipantRequest));
        case 'TransferSIPParticipant': {
          const req = parse(TransferSIPParticipantRequest);
          sipCall();
          roomAdmin(req.roomName);
          return this.transfer(req);
        }
        default:
          break;
      }
    } else if (service === 'RoomService') {
      switch (method) {
        case 'CreateRoom': {
          if (!grants?.video?.roomCreate) throw denied();
          const req = parse(CreateRoomRequest);
          return this.ensureRoom(req.name, req.metadata).room.toJson(JSON_OPTS);
        }
        case 'ListRooms': {
          if (!grants?.video?.roomList) throw denied();
          const req = parse(ListRoomsRequest);
          const rooms = [...this.roomMap.values()]
            .filter((r) => req.names.length === 0 || req.names.includes(r.room.name))
            .map((r) => this.roomInfo(r));
          return new ListRoomsResponse({ rooms }).toJson(JSON_OPTS);
        }
        case 'DeleteRoom': {
          if (!grants?.video?.roomCreate) throw denied();
          const req = parse(DeleteRoomRequest);
          await this.deleteRoom(req.room);
          return {};
        }
        case 'ListParticipants': {
          const req = parse(ListParticipantsRequest);
          roomAdmin(req.room);
          const r = this.roomMap.get(req.room);
          if (!r) throw new TwirpError('not_found', 'requested room does not exist');
          return new ListParticipantsResponse({ participants: [...r.participants.values()] }).toJson(JSON_OPTS);
        }
        case 'RemoveParticipant': {
          const req = parse(RoomParticipantIdentity);
          roomAdmin(req.room);
          const r = this.roomMap.get(req.room);
          if (!r) throw new TwirpError('not_found', 'requested room does not exist');
          const p = r.participants.get(req.identity);
          if (!p) throw new TwirpError('not_found', 'participant does not exist');
          await this.leave(r, p, DisconnectReason.PARTICIPANT_REMOVED, 'hangup');
          return {};
        }
        default:
          break;
      }
    } else if (service === 'AgentDispatchService' && method === 'CreateDispatch') {
      const req = parse(CreateAgentDispatchRequest);
      roomAdmin(req.room);
      return new AgentDispatch({ id: newId('AD_'), agentName: req.agentName, room: req.room, metadata: req.metadata }).toJson(JSON_OPTS);
    }
    throw new TwirpError('bad_route', `no handler for path "/twirp/livekit.${service}/${method}"`, {
      twirp_invalid_route: `POST /twirp/livekit.${service}/${method}`,
    });
  }

  // ---------------------------------------------------------------- trunks

  private createInbound(req: CreateSIPInboundTrunkRequest): unknown {
    const t = req.trunk;
    if (!t) throw invalid('missing trunk');
    if (t.sipTrunkId) throw invalid('trunk ID must be empty');
    validateInbound(t);
    checkInboundConflicts([...this.inbound.values()], t);
    const stored = t.clone();
    stored.sipTrunkId = newId('ST_');
    this.inbound.set(stored.sipTrunkId, stored);
    return stored.toJson(JSON_OPTS);
  }

  private createOutbound(req: CreateSIPOutboundTrunkRequest): unknown {
    const t = req.trunk;
    if (!t) throw invalid('missing trunk');
    if (t.sipTrunkId) throw invalid('trunk ID must be empty');
    validateOutbound(t);
    const stored = t.clone();
    stored.sipTrunkId = newId('ST_');
    this.outbound.set(stored.sipTrunkId, stored);
    return stored.toJson(JSON_OPTS);
  }

  private page<T>(items: T[], id: (t: T) => string, page: { afterId: string; limit: number } | undefined): T[] {
    let out = items.sort((a, b) => byId(id(a), id(b)));
    if (page?.afterId) out = out.filter((t) => id(t) > page.afterId);
    if (page?.limit) out = out.slice(0, page.limit);
    return out;
  }

  private listInbound(req: ListSIPInboundTrunkRequest): unknown {
    let items = [...this.inbound.values()];
    if (req.trunkIds.length) items = req.trunkIds.map((id) => this.inbound.get(id)).filter((t): t is SIPInboundTrunkInfo => !!t);
    if (req.numbers.length) {
      const want = req.numbers.map(normalizeNumber);
      items = items.filter((t) => t.numbers.length === 0 || t.numbers.some((n) => want.includes(normalizeNumber(n))));
    }
    const out = req.trunkIds.length ? items : this.page(items, (t) => t.sipTrunkId, req.page);
    return new ListSIPInboundTrunkResponse({ items: out }).toJson(JSON_OPTS);
  }

  private listOutbound(req: ListSIPOutboundTrunkRequest): unknown {
    let items = [...this.outbound.values()];
    if (req.trunkIds.length) items = req.trunkIds.map((id) => this.outbound.get(id)).filter((t): t is SIPOutboundTrunkInfo => !!t);
    if (req.numbers.length) items = items.filter((t) => t.numbers.some((n) => req.numbers.includes(n)));
    const out = req.trunkIds.length ? items : this.page(items, (t) => t.sipTrunkId, req.page);
    return new ListSIPOutboundTrunkResponse({ items: out }).toJson(JSON_OPTS);
  }

  private updateInbound(req: UpdateSIPInboundTrunkRequest): unknown {
    if (!req.sipTrunkId) throw invalid('trunk id must be set');
    if (!req.action.case) throw invalid('missing or unsupported update action');
    const current = this.inbound.get(req.sipTrunkId);
    if (!current) throw new TwirpError('not_found', 'requested sip trunk does not exist');
    let next: SIPInboundTrunkInfo;
    if (req.action.case === 'replace') {
      const info = req.action.value;
      if (info.sipTrunkId && info.sipTrunkId !== req.sipTrunkId) throw invalid('trunk id in the info must be empty or match the id in the update');
      next = info.clone();
    } else {
      const u = req.action.value;
      next = current.clone();
      next.numbers = applyListUpdate(next.numbers, u.numbers);
      next.allowedAddresses = applyListUpdate(next.allowedAddresses, u.allowedAddresses);
      next.allowedNumbers = applyListUpdate(next.allowedNumbers, u.allowedNumbers);
      if (u.authUsername !== undefined) next.authUsername = u.authUsername;
      if (u.authPassword !== undefined) next.authPassword = u.authPassword;
      if (u.authRealm !== undefined) next.authRealm = u.authRealm;
      if (u.name !== undefined) next.name = u.name;
      if (u.metadata !== undefined) next.metadata = u.metadata;
      if (u.mediaEncryption !== undefined) next.mediaEncryption = u.mediaEncryption;
      if (u.media) next.media = u.media;
    }
    next.sipTrunkId = req.sipTrunkId;
    validateInbound(next);
    checkInboundConflicts([...this.inbound.values()], next);
    this.inbound.set(next.sipTrunkId, next);
    return next.toJson(JSON_OPTS);
  }

  private updateOutbound(req: UpdateSIPOutboundTrunkRequest): unknown {
    if (!req.sipTrunkId) throw invalid('trunk id must be set');
    if (!req.action.case) throw invalid('missing or unsupported update action');
    const current = this.outbound.get(req.sipTrunkId);
    if (!current) throw new TwirpError('not_found', 'requested sip trunk does not exist');
    let next: SIPOutboundTrunkInfo;
    if (req.action.case === 'replace') {
      const info = req.action.value;
      if (info.sipTrunkId && info.sipTrunkId !== req.sipTrunkId) throw invalid('trunk id in the info must be empty or match the id in the update');
      next = info.clone();
    } else {
      const u = req.action.value;
      next = current.clone();
      next.numbers = applyListUpdate(next.numbers, u.numbers);
      if (u.address !== undefined) next.address = u.address;
      if (u.transport !== undefined) next.transport = u.transport;
      if (u.destinationCountry !== undefined) next.destinationCountry = u.destinationCountry;
      if (u.authUsername !== undefined) next.authUsername = u.authUsername;
      if (u.authPassword !== undefined) next.authPassword = u.authPassword;
      if (u.name !== undefined) next.name = u.name;
      if (u.metadata !== undefined) next.metadata = u.metadata;
      if (u.mediaEncryption !== undefined) next.mediaEncryption = u.mediaEncryption;
      if (u.fromHost !== undefined) next.fromHost = u.fromHost;
      if (u.media) next.media = u.media;
    }
    next.sipTrunkId = req.sipTrunkId;
    validateOutbound(next);
    this.outbound.set(next.sipTrunkId, next);
    return next.toJson(JSON_OPTS);
  }

  private deleteTrunk(req: DeleteSIPTrunkRequest): unknown {
    if (!req.sipTrunkId) throw invalid('trunk ID is required');
    const kind = this.inbound.has(req.sipTrunkId)
      ? SIPTrunkInfo_TrunkKind.TRUNK_INBOUND
      : this.outbound.has(req.sipTrunkId)
        ? SIPTrunkInfo_TrunkKind.TRUNK_OUTBOUND
        : SIPTrunkInfo_TrunkKind.TRUNK_LEGACY;
    this.inbound.delete(req.sipTrunkId);
    this.outbound.delete(req.sipTrunkId);
    // OSS: an unknown ID succeeds (Redis HDEL); rules that reference the trunk are not touched.
    return new SIPTrunkInfo({ sipTrunkId: req.sipTrunkId, kind }).toJson(JSON_OPTS);
  }

  // ---------------------------------------------------------------- dispatch rules

  private createRule(req: CreateSIPDispatchRuleRequest): unknown {
    const info =
      req.dispatchRule?.clone() ??
      new SIPDispatchRuleInfo({
        ...(req.rule ? { rule: req.rule } : {}),
        trunkIds: req.trunkIds,
        hidePhoneNumber: req.hidePhoneNumber,
        inboundNumbers: req.inboundNumbers,
        name: req.name,
        metadata: req.metadata,
        attributes: req.attributes,
        roomPreset: req.roomPreset,
        ...(req.roomConfig ? { roomConfig: req.roomConfig } : {}),
      });
    if (info.sipDispatchRuleId) throw invalid('rule id must not be set');
    validateRule(info);
    checkRuleConflicts([...this.rules.values()], info);
    info.sipDispatchRuleId = newId('SDR_');
    this.rules.set(info.sipDispatchRuleId, info);
    return info.toJson(JSON_OPTS);
  }

  private updateRule(req: UpdateSIPDispatchRuleRequest): unknown {
    if (!req.sipDispatchRuleId) throw invalid('rule id must be set');
    if (!req.action.case) throw invalid('missing dispatch rule');
    const current = this.rules.get(req.sipDispatchRuleId);
    if (!current) throw new TwirpError('not_found', 'requested sip dispatch rule does not exist');
    let next: SIPDispatchRuleInfo;
    if (req.action.case === 'replace') {
      const info = req.action.value;
      if (info.sipDispatchRuleId && info.sipDispatchRuleId !== req.sipDispatchRuleId) {
        throw invalid('rule id in the info must be empty or match the id in the update');
      }
      next = info.clone();
    } else {
      const u = req.action.value;
      next = current.clone();
      next.trunkIds = applyListUpdate(next.trunkIds, u.trunkIds);
      if (u.rule) next.rule = u.rule;
      if (u.name !== undefined) next.name = u.name;
      if (u.metadata !== undefined) next.metadata = u.metadata;
      for (const [k, v] of Object.entries(u.attributes)) {
        if (v === '') delete next.attributes[k];
        else next.attributes[k] = v;
      }
      if (u.mediaEncryption !== undefined) next.mediaEncryption = u.mediaEncryption;
      if (u.media) next.media = u.media;
    }
    next.sipDispatchRuleId = req.sipDispatchRuleId;
    validateRule(next);
    checkRuleConflicts([...this.rules.values()], next);
    this.rules.set(next.sipDispatchRuleId, next);
    return next.toJson(JSON_OPTS);
  }

  private listRules(req: ListSIPDispatchRuleRequest): unknown {
    let items = [...this.rules.values()];
    if (req.dispatchRuleIds.length) {
      items = req.dispatchRuleIds.map((id) => this.rules.get(id)).filter((r): r is SIPDispatchRuleInfo => !!r);
    }
    if (req.trunkIds.length) items = items.filter((r) => r.trunkIds.length === 0 || r.trunkIds.some((t) => req.trunkIds.includes(t)));
    const out = req.dispatchRuleIds.length ? items : this.page(items, (r) => r.sipDispatchRuleId, req.page);
    return new ListSIPDispatchRuleResponse({ items: out }).toJson(JSON_OPTS);
  }

  private deleteRule(req: DeleteSIPDispatchRuleRequest): unknown {
    if (!req.sipDispatchRuleId) throw invalid('dispatch rule ID is required');
    const r = this.rules.get(req.sipDispatchRuleId);
    if (!r) throw new TwirpError('not_found', 'requested sip dispatch rule does not exist');
    this.rules.delete(req.sipDispatchRuleId);
    return r.toJson(JSON_OPTS);
  }

  // ---------------------------------------------------------------- rooms and participants

  private ensureRoom(name: string, metadata = ''): RoomState {
    let r = this.roomMap.get(name);
    if (!r) {
      const now = Date.now();
      r = {
        room: new Room({
          sid: newId('RM_'),
          name,
          emptyTimeout: 300,
          departureTimeout: 20,
          creationTime: BigInt(Math.floor(now / 1000)),
          creationTimeMs: BigInt(now),
          metadata,
        }),
        participants: new Map(),
      };
      this.roomMap.set(name, r);
      void this.emitWebhook(new WebhookEvent({ event: 'room_started', room: r.room.clone() }));
    }
    return r;
  }

  private roomInfo(r: RoomState): Room {
    const room = r.room.clone();
    room.numParticipants = r.participants.size;
    return room;
  }

  private async join(r: RoomState, p: ParticipantInfo): Promise<void> {
    r.participants.set(p.identity, p);
    await this.emitWebhook(new WebhookEvent({ event: 'participant_joined', room: this.roomInfo(r), participant: p.clone() }));
  }

  private async leave(r: RoomState, p: ParticipantInfo, reason: DisconnectReason, callStatus?: string): Promise<void> {
    if (!r.participants.has(p.identity)) return;
    r.participants.delete(p.identity);
    const left = p.clone();
    left.state = ParticipantInfo_State.DISCONNECTED;
    left.disconnectReason = reason;
    if (callStatus && left.kind === ParticipantInfo_Kind.SIP) left.attributes['sip.callStatus'] = callStatus;
    await this.emitWebhook(new WebhookEvent({ event: 'participant_left', room: this.roomInfo(r), participant: left }));
  }

  private async deleteRoom(name: string): Promise<void> {
    const r = this.roomMap.get(name);
    if (!r) throw new TwirpError('not_found', 'requested room does not exist');
    for (const p of [...r.participants.values()]) await this.leave(r, p, DisconnectReason.ROOM_DELETED, 'hangup');
    this.roomMap.delete(name);
    await this.emitWebhook(new WebhookEvent({ event: 'room_finished', room: this.roomInfo(r) }));
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async createParticipant(req: CreateSIPParticipantRequest): Promise<unknown> {
    if (!req.sipTrunkId && !req.trunk && !req.sipNumber) throw invalid('missing sip trunk id and sip number');
    if (!req.sipCallTo) throw invalid('missing sip callee number');
    if (req.sipCallTo.includes('@')) throw invalid('SipCallTo should be a phone number or SIP user, not a full SIP URI');
    if (!req.roomName) throw invalid('missing room name');
    if (req.displayName !== undefined && req.displayName.length > 128) throw invalid('DisplayName too long (max 128 characters)');
    const trunk = req.sipTrunkId ? this.outbound.get(req.sipTrunkId) : undefined;
    if (req.sipTrunkId && !trunk) throw new TwirpError('not_found', 'requested sip trunk does not exist');
    if (trunk && trunk.numbers.length === 0) throw new TwirpError('failed_precondition', 'no numbers on outbound trunk');
    const outcome = this.outcomes.get(req.sipCallTo) ?? this.outcomes.get('*') ?? { kind: 'answer', afterMs: 50 };
    if (outcome.kind === 'no-sip-service') throw new TwirpError('unavailable', 'no response from servers');

    const room = this.ensureRoom(req.roomName);
    const callId = newId('SCL_');
    const identity = req.participantIdentity || `sip_${req.sipCallTo}`;
    const now = Date.now();
    const p = new ParticipantInfo({
      sid: newId('PA_'),
      identity,
      name: req.participantName || (req.hidePhoneNumber ? 'Phone' : `Phone ${req.sipCallTo}`),
      state: ParticipantInfo_State.ACTIVE,
      joinedAt: BigInt(Math.floor(now / 1000)),
      joinedAtMs: BigInt(now),
      kind: ParticipantInfo_Kind.SIP,
      metadata: req.participantMetadata,
      attributes: {
        ...req.participantAttributes,
        'sip.callID': callId,
        'sip.trunkID': req.sipTrunkId,
        'sip.phoneNumber': req.sipCallTo,
        'sip.hostname': trunk?.address ?? '',
        'sip.trunkPhoneNumber': req.sipNumber || trunk?.numbers[0] || '',
        'sip.callStatus': 'dialing',
      },
    });
    const existing = room.participants.get(identity);
    if (existing) await this.leave(room, existing, DisconnectReason.DUPLICATE_IDENTITY);
    await this.join(room, p);
    const info = new SIPParticipantInfo({ participantId: p.sid, participantIdentity: identity, roomName: req.roomName, sipCallId: callId });

    const settle = async (): Promise<TwirpError | undefined> => {
      if (outcome.kind === 'answer') {
        await this.delay(outcome.afterMs ?? 50);
        p.attributes['sip.callStatus'] = 'active';
        return undefined;
      }
      if (outcome.kind === 'no-answer') {
        const ringMs = Math.min(Number(req.ringingTimeout?.seconds ?? 30n) * 1000, outcome.afterMs ?? 100);
        await this.delay(ringMs);
        await this.leave(room, p, DisconnectReason.USER_UNAVAILABLE);
        return new TwirpError('canceled', 'sip request timed out');
      }
      if (outcome.kind === 'reject') {
        await this.delay(outcome.afterMs ?? 30);
        const reason = outcome.reason ?? REASONS[outcome.sipStatus] ?? '';
        await this.leave(room, p, disconnectReasonForSip(outcome.sipStatus));
        return new TwirpError(twirpCodeForSip(outcome.sipStatus), `INVITE failed: sip status: ${outcome.sipStatus}: ${reason}`, {
          sip_status_code: String(outcome.sipStatus),
          sip_status: reason || `SIP_STATUS_${outcome.sipStatus}`,
        });
      }
      return undefined;
    };
    if (req.waitUntilAnswered) {
      const err = await settle();
      if (err) throw err;
      return info.toJson(JSON_OPTS);
    }
    void settle();
    return info.toJson(JSON_OPTS);
  }

  private transfer(req: TransferSIPParticipantRequest): unknown {
    if (!req.roomName) throw invalid('Missing room name');
    if (!req.participantIdentity) throw invalid('Missing participant identity');
    if (!req.transferTo) throw invalid('missing transfer to');
    if (!/^(sips?|tel):/.test(req.transferTo)) throw invalid('transfer_to must be a valid SIP(s) or TEL URI (sip:, sips: or tel:)');
    const p = this.roomMap.get(req.roomName)?.participants.get(req.participantIdentity);
    if (!p) throw new TwirpError('not_found', 'participant does not exist');
    if (!p.attributes['sip.callID']) throw invalid('no SIP session associated with participant');
    return {};
  }

  // ---------------------------------------------------------------- inbound calls

  /** Runs trunk + dispatch-rule matching (§7) and emits the webhooks of an inbound call, in order. */
  async simulateInboundCall(call: {
    from: string;
    to: string;
    sourceIp?: string;
    agent?: { identity?: string; joinAfterMs: number } | 'none';
    durationMs?: number;
    hangupReason?: 'caller' | 'agent';
  }): Promise<InboundCallResult> {
    const firstEvent = this.webhooksSent.length;
    const events = () => this.webhooksSent.slice(firstEvent).map((e) => String(e.event));
    const to = normalizeNumber(call.to);
    const from = normalizeNumber(call.from);
    const trunks = [...this.inbound.values()].filter(
      (t) => t.allowedNumbers.length === 0 || t.allowedNumbers.map(normalizeNumber).includes(from),
    );
    const specific = trunks.filter((t) => t.numbers.some((n) => normalizeNumber(n) === to));
    const wildcard = trunks.filter((t) => t.numbers.length === 0);
    const pick = specific.length ? specific : wildcard;
    if (pick.length === 0) return { routed: false, reason: `No SIP Trunk or Dispatch Rules matched for "${call.to}"`, events: events() };
    if (pick.length > 1) {
      return { routed: false, reason: `${specific.length ? 'Multiple SIP Trunks matched' : 'Multiple default SIP Trunks matched'} for "${call.to}"`, events: events() };
    }
    const trunk = pick[0]!;
    const candidates = [...this.rules.values()].filter(
      (r) =>
        (r.inboundNumbers.length === 0 || r.inboundNumbers.includes(call.from)) && (r.numbers.length === 0 || r.numbers.includes(call.to)),
    );
    const forTrunk = candidates.filter((r) => r.trunkIds.includes(trunk.sipTrunkId));
    const rules = forTrunk.length ? forTrunk : candidates.filter((r) => r.trunkIds.length === 0);
    const rule = rules.sort((a, b) => byId(a.sipDispatchRuleId, b.sipDispatchRuleId))[0];
    if (!rule) return { routed: false, reason: `No SIP Dispatch Rules matched for "${call.to}"`, events: events() };

    const rand = newId('').slice(0, 12);
    let roomName: string;
    const kind = rule.rule?.rule;
    if (kind?.case === 'dispatchRuleDirect') roomName = kind.value.roomName;
    else if (kind?.case === 'dispatchRuleCallee') {
      roomName = `${kind.value.roomPrefix ? `${kind.value.roomPrefix}_` : ''}${to}${kind.value.randomize ? `_${rand}` : ''}`;
    } else {
      const prefix = kind?.case === 'dispatchRuleIndividual' ? kind.value.roomPrefix : '';
      const noRand = kind?.case === 'dispatchRuleIndividual' ? kind.value.noRandomness : false;
      roomName = `${prefix ? `${prefix}_` : ''}${from}${noRand ? '' : `_${rand}`}`;
    }
    const room = this.ensureRoom(roomName, rule.roomConfig?.metadata ?? '');
    await this.webhookChain;
    const callId = newId('SCL_');
    const now = Date.now();
    const sip = new ParticipantInfo({
      sid: newId('PA_'),
      identity: `sip_${from}`,
      name: `Phone ${from}`,
      state: ParticipantInfo_State.ACTIVE,
      joinedAt: BigInt(Math.floor(now / 1000)),
      joinedAtMs: BigInt(now),
      kind: ParticipantInfo_Kind.SIP,
      metadata: rule.metadata,
      attributes: {
        ...rule.attributes,
        'sip.callID': callId,
        'sip.trunkID': trunk.sipTrunkId,
        'sip.ruleID': rule.sipDispatchRuleId,
        'sip.phoneNumber': from,
        'sip.hostname': 'pstn.sinch.example',
        'sip.trunkPhoneNumber': to,
        'sip.callStatus': 'ringing',
      },
    });
    await this.join(room, sip);
    let agent: ParticipantInfo | undefined;
    const agents = rule.roomConfig?.agents ?? [];
    if (call.agent && call.agent !== 'none' && agents.length > 0) {
      await this.delay(call.agent.joinAfterMs);
      const t = Date.now();
      agent = new ParticipantInfo({
        sid: newId('PA_'),
        identity: call.agent.identity ?? `agent-${newId('AJ_').slice(3, 11)}`,
        name: agents[0]!.agentName,
        state: ParticipantInfo_State.ACTIVE,
        joinedAt: BigInt(Math.floor(t / 1000)),
        joinedAtMs: BigInt(t),
        kind: ParticipantInfo_Kind.AGENT,
        attributes: { 'lk.agent.name': agents[0]!.agentName },
      });
      await this.join(room, agent);
      sip.attributes['sip.callStatus'] = 'active';
    }
    await this.delay(call.durationMs ?? 100);
    await this.leave(room, sip, DisconnectReason.CLIENT_INITIATED, 'hangup');
    if (agent) await this.leave(room, agent, DisconnectReason.CLIENT_INITIATED);
    if (this.roomMap.get(roomName) === room && room.participants.size === 0) {
      this.roomMap.delete(roomName);
      await this.emitWebhook(new WebhookEvent({ event: 'room_finished', room: this.roomInfo(room) }));
    }
    await this.webhookChain;
    return { routed: true, roomName, trunkId: trunk.sipTrunkId, ruleId: rule.sipDispatchRuleId, callId, events: events() };
  }
}
