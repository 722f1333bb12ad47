import {
  CreateAgentDispatchRequest,
  CreateRoomRequest,
  CreateSIPDispatchRuleRequest,
  CreateSIPInboundTrunkRequest,
  CreateSIPOutboundTrunkRequest,
  CreateSIPParticipantRequest,
  DeleteAgentDispatchRequest,
  DeleteRoomRequest,
  DeleteSIPDispatchRuleRequest,
  DeleteSIPTrunkRequest,
  GetSIPInboundTrunkRequest,
  GetSIPOutboundTrunkRequest,
  ListAgentDispatchRequest,
  ListParticipantsRequest,
  ListRoomsRequest,
  ListSIPDispatchRuleRequest,
  ListSIPInboundTrunkRequest,
  ListSIPOutboundTrunkRequest,
  ListSIPTrunkRequest,
  RoomParticipantIdentity,
  type SIPDispatchRuleInfo,
  type SIPInboundTrunkInfo,
  type SIPOutboundTrunkInfo,
  TransferSIPParticipantRequest,
  UpdateParticipantRequest,
  UpdateRoomMetadataRequest,
  UpdateSIPDispatchRuleRequest,
  UpdateSIPInboundTrunkRequest,
  UpdateSIPOutboundTrunkRequest,
  type WebhookEvent,
} from '@livekit/protocol';
import type { Grants } from './auth';
import { CallService, type SipTiming, type TransferOutcome } from './calls';
import type { ProtoClass, ProtoMessage } from './codec';
import { simulateInboundCall } from './inbound';
import type { LoopbackOptions, LoopRecord } from './loopback';
import { RoomService } from './room-service';
import { type RecordedRequest, type Route, type RouteTable, TwirpServer } from './server';
import { SipService } from './sip-service';
import { RoomStore, SipStore } from './state';
import { Timers } from './timers';
import type { CallOutcome, Fault, InboundCall, InboundCallResult, RoomView, WebhookEventJson } from './types';
import { type WebhookMode, WebhookSender } from './webhooks';

export interface EmulatorOptions {
  /** Default 'devkey'. */
  apiKey?: string;
  /** Default 'devsecretdevsecretdevsecretdevsec' (32 chars). */
  apiSecret?: string;
  /** More key → secret pairs accepted for API calls. */
  extraKeys?: Record<string, string>;
  /** Where signed webhooks are POSTed (can be set later with setWebhookUrl). */
  webhookUrl?: string;
  /** How webhooks are delivered (webhooks.ts): 'queued' (default: async per resource, as livekit-server) or 'inline'. */
  webhookMode?: WebhookMode;
  /** Retries after a failed webhook POST (default 0; livekit-server: 4). */
  webhookRetries?: number;
  /** Added to every Twirp response. */
  latencyMs?: number;
  /** How long an empty room survives its last participant (default: the room's departureTimeout, 20 s). */
  emptyRoomCloseMs?: number;
}

function route<T>(
  req: ProtoClass<T>,
  handle: (r: T, g: Grants | undefined) => ProtoMessage | Promise<ProtoMessage>,
): Route {
  return { req: req as ProtoClass<unknown>, handle: handle as Route['handle'] };
}

/**
 * An in-process livekit-server for `livekit-server-sdk@2.19.2`: Twirp JSON over HTTP on
 * 127.0.0.1 with the server's auth, SIP validation and conflict rules, errors, outbound-call
 * outcomes, inbound dispatch evaluation and signed webhooks (livekit-sip-api.md §11).
 */
export class LiveKitEmulator {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Every Twirp call received (after auth), in arrival order. */
  readonly requests: RecordedRequest[] = [];

  private readonly keys: Record<string, string>;
  private latency: number;
  private answersHeld: Promise<void> | undefined;
  private readonly defaultLatency: number;
  private readonly faults = new Map<string, Array<{ fault: Fault; times: number }>>();
  private readonly timers = new Timers();
  private readonly sip = new SipStore();
  private readonly webhooks: WebhookSender;
  private readonly roomStore: RoomStore;
  private readonly calls: CallService;
  private readonly server: TwirpServer;
  private stopped = false;
  private baseUrl = '';

  private constructor(opts: EmulatorOptions) {
    this.apiKey = opts.apiKey ?? 'devkey';
    this.apiSecret = opts.apiSecret ?? 'devsecretdevsecretdevsecretdevsec';
    this.keys = { ...(opts.extraKeys ?? {}), [this.apiKey]: this.apiSecret };
    this.latency = opts.latencyMs ?? 0;
    this.defaultLatency = this.latency;
    this.webhooks = new WebhookSender(this.apiKey, this.apiSecret, opts.webhookUrl, {
      ...(opts.webhookMode ? { mode: opts.webhookMode } : {}),
      ...(opts.webhookRetries !== undefined ? { retries: opts.webhookRetries } : {}),
    });
    this.roomStore = new RoomStore((ev) => this.webhooks.emit(ev), this.timers);
    this.roomStore.emptyRoomCloseMs = opts.emptyRoomCloseMs;
    this.calls = new CallService(this.sip, this.roomStore, this.timers);
    const sip = new SipService(this.sip);
    const rooms = new RoomService(this.roomStore);
    const routes: RouteTable = {
      SIP: {
        ListSIPTrunk: route(ListSIPTrunkRequest, (_r, g) => sip.listLegacyTrunks(g)),
        CreateSIPInboundTrunk: route(CreateSIPInboundTrunkRequest, (r, g) => sip.createInboundTrunk(r, g)),
        CreateSIPOutboundTrunk: route(CreateSIPOutboundTrunkRequest, (r, g) => sip.createOutboundTrunk(r, g)),
        UpdateSIPInboundTrunk: route(UpdateSIPInboundTrunkRequest, (r, g) => sip.updateInboundTrunk(r, g)),
        UpdateSIPOutboundTrunk: route(UpdateSIPOutboundTrunkRequest, (r, g) => sip.updateOutboundTrunk(r, g)),
        GetSIPInboundTrunk: route(GetSIPInboundTrunkRequest, (r, g) => sip.getInboundTrunk(r, g)),
        GetSIPOutboundTrunk: route(GetSIPOutboundTrunkRequest, (r, g) => sip.getOutboundTrunk(r, g)),
        ListSIPInboundTrunk: route(ListSIPInboundTrunkRequest, (r, g) => sip.listInboundTrunks(r, g)),
        ListSIPOutboundTrunk: route(ListSIPOutboundTrunkRequest, (r, g) => sip.listOutboundTrunks(r, g)),
        DeleteSIPTrunk: route(DeleteSIPTrunkRequest, (r, g) => sip.deleteTrunk(r, g)),
        CreateSIPDispatchRule: route(CreateSIPDispatchRuleRequest, (r, g) => sip.createDispatchRule(r, g)),
        UpdateSIPDispatchRule: route(UpdateSIPDispatchRuleRequest, (r, g) => sip.updateDispatchRule(r, g)),
        ListSIPDispatchRule: route(ListSIPDispatchRuleRequest, (r, g) => sip.listDispatchRules(r, g)),
        DeleteSIPDispatchRule: route(DeleteSIPDispatchRuleRequest, (r, g) => sip.deleteDispatchRule(r, g)),
        CreateSIPParticipant: route(CreateSIPParticipantRequest, (r, g) => this.calls.createParticipant(r, g)),
        TransferSIPParticipant: route(TransferSIPParticipantRequest, (r, g) => this.calls.transfer(r, g)),
      },
      RoomService: {
        CreateRoom: route(CreateRoomRequest, (r, g) => rooms.createRoom(r, g)),
        ListRooms: route(ListRoomsRequest, (r, g) => rooms.listRooms(r, g)),
        DeleteRoom: route(DeleteRoomRequest, (r, g) => rooms.deleteRoom(r, g)),
        ListParticipants: route(ListParticipantsRequest, (r, g) => rooms.listParticipants(r, g)),
        GetParticipant: route(RoomParticipantIdentity, (r, g) => rooms.getParticipant(r, g)),
        RemoveParticipant: route(RoomParticipantIdentity, (r, g) => rooms.removeParticipant(r, g)),
        UpdateParticipant: route(UpdateParticipantRequest, (r, g) => rooms.updateParticipant(r, g)),
        UpdateRoomMetadata: route(UpdateRoomMetadataRequest, (r, g) => rooms.updateRoomMetadata(r, g)),
        MutePublishedTrack: null,
        UpdateSubscriptions: null,
        SendData: null,
        ForwardParticipant: null,
        MoveParticipant: null,
        PerformRpc: null,
      },
      AgentDispatchService: {
        CreateDispatch: route(CreateAgentDispatchRequest, (r, g) => rooms.createDispatch(r, g)),
        DeleteDispatch: route(DeleteAgentDispatchRequest, (r, g) => rooms.deleteDispatch(r, g)),
        ListDispatch: route(ListAgentDispatchRequest, (r, g) => rooms.listDispatch(r, g)),
      },
    };
    this.server = new TwirpServer(
      routes,
      {
        keys: () => this.keys,
        latencyMs: () => this.latency,
        held: () => this.answersHeld,
        takeFault: (m) => this.takeFault(m),
        record: (r) => this.requests.push(r),
      },
      this.timers,
    );
  }

  /** Starts listening on 127.0.0.1 with an ephemeral port. */
  static async start(opts: EmulatorOptions = {}): Promise<LiveKitEmulator> {
    const e = new LiveKitEmulator(opts);
    await e.server.listen(0);
    e.baseUrl = e.server.url;
    return e;
  }

  /** `http://127.0.0.1:<port>` (stays the same across setAvailable). */
  get url(): string {
    return this.baseUrl;
  }

  /** Closes the server, open connections and pending timers. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.stop();
    this.webhooks.stop();
    this.roomStore.clear();
    await this.server.close();
  }

  // ---------------------------------------------------------------- scripting

  /** Outcome of CreateSIPParticipant per dialed number (exactly as sent in sipCallTo) or '*' (default: answer after 50 ms). */
  setCallOutcome(numberOrDefault: string, outcome: CallOutcome): void {
    this.calls.outcomes.set(numberOrDefault, outcome);
  }

  /**
   * Calls to a number an inbound trunk of this emulator holds come back in as inbound calls (loopback.ts),
   * with a carrier delay and optional breakage; `undefined` turns it off (the default; `reset()` too).
   * A number with a scripted `setCallOutcome` keeps its script.
   */
  setLoopback(opts: LoopbackOptions | undefined): void {
    this.calls.loopback = opts ? { ...opts } : undefined;
  }

  /** Every looped call so far: where it came back (room, trunk, rule, inbound call ID) and whether it was answered. */
  get loops(): readonly LoopRecord[] {
    return this.calls.loops;
  }

  /** livekit-sip's room-join delay and ringing clock (see `SipTiming`); `reset()` puts the defaults back. */
  setSipTiming(timing: SipTiming): void {
    this.calls.timing = { ...timing };
  }

  /** Outcome of TransferSIPParticipant per target (`tel:+1…`/`sip:…`) or '*' (default: accepted). */
  setTransferOutcome(targetOrDefault: string, outcome: TransferOutcome): void {
    this.calls.transferOutcomes.set(targetOrDefault, outcome);
  }

  /**
   * The next `times` calls of a Twirp method (e.g. 'CreateSIPDispatchRule') fail: a Twirp error
   * (HTTP status from its code), 'hang' (never answered), 'reset' (socket destroyed), or `{ answerWhen }`
   * (answered as usual once that promise settles).
   */
  failNext(method: string, fault: Fault, times = 1): void {
    const list = this.faults.get(method) ?? [];
    list.push({ fault, times });
    this.faults.set(method, list);
  }

  private takeFault(method: string): Fault | undefined {
    const list = this.faults.get(method);
    const f = list?.[0];
    if (!list || !f) return undefined;
    f.times -= 1;
    if (f.times <= 0) list.shift();
    return f.fault;
  }

  setLatency(ms: number): void {
    this.latency = ms;
  }

  /**
   * Requests are recorded but answered only once the returned function is called: LiveKit is slower
   * than any bound the product keeps, whatever the machine's load (a latency would be a guess).
   */
  holdAnswers(): () => void {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.answersHeld = held;
    return () => {
      if (this.answersHeld === held) this.answersHeld = undefined;
      release();
    };
  }

  /**
   * false: close the listening socket and drop open connections (new SDK calls fail with a
   * connection error); true: listen again on the same port. Await it to be sure it took effect.
   */
  setAvailable(up: boolean): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (up) return this.server.listening ? Promise.resolve() : this.server.listen();
    return this.server.close();
  }

  // ---------------------------------------------------------------- observation

  countCalls(method?: string): number {
    return method === undefined ? this.requests.length : this.requests.filter((r) => r.method === method).length;
  }

  inboundTrunks(): SIPInboundTrunkInfo[] {
    return this.sip.sortedInbound().map((t) => t.clone());
  }

  outboundTrunks(): SIPOutboundTrunkInfo[] {
    return this.sip.sortedOutbound().map((t) => t.clone());
  }

  dispatchRules(): SIPDispatchRuleInfo[] {
    return this.sip.sortedRules().map((r) => r.clone());
  }

  rooms(): RoomView[] {
    return this.roomStore.view();
  }

  /** 'queued' (async per resource, as livekit-server) or 'inline' (each emitting call awaits delivery). */
  get webhookMode(): WebhookMode {
    return this.webhooks.mode;
  }

  /** Every webhook event emitted so far (camelCase JSON as posted), whether or not a URL is set. */
  get webhooksSent(): readonly WebhookEventJson[] {
    return this.webhooks.sent;
  }

  /** Clears all state, call/transfer scripts, faults, recorded requests and webhooks; latency goes back to the start option (keys and webhook URL stay). */
  reset(): void {
    this.latency = this.defaultLatency;
    this.sip.clear();
    this.roomStore.clear();
    this.calls.outcomes.clear();
    this.calls.timing = { joinMs: 0 };
    this.calls.loopback = undefined;
    this.calls.loops.length = 0;
    this.calls.transferOutcomes.clear();
    this.faults.clear();
    this.requests.length = 0;
    this.webhooks.reset();
  }

  // ---------------------------------------------------------------- webhooks

  setWebhookUrl(url: string | undefined): void {
    this.webhooks.url = url;
  }

  /** Fills `id` (EV_…) and `createdAt`, signs and POSTs; resolves after the receiver answered (in order with its resource's queue). */
  async emitWebhook(event: Partial<WebhookEventJson> | WebhookEvent): Promise<void> {
    await this.webhooks.deliver(event);
  }

  /** Resolves once every webhook emitted so far has been delivered. */
  flushWebhooks(): Promise<void> {
    return this.webhooks.flush();
  }

  // ---------------------------------------------------------------- inbound calls

  /**
   * An inbound PSTN call: runs trunk and dispatch-rule matching (§7) on the current state and, when
   * routed, plays room_started → participant_joined (SIP, ringing) → [agent participant_joined] →
   * participant_left … → room_finished, each webhook delivered before the next. `events` holds them.
   */
  simulateInboundCall(call: InboundCall): Promise<InboundCallResult> {
    return simulateInboundCall(
      {
        sip: this.sip,
        rooms: this.roomStore,
        timers: this.timers,
        sent: this.webhooks.sent,
        flush: () => this.webhooks.flush(),
      },
      call,
    );
  }
}
