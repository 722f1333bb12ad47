import { ListUpdate, SIPMediaConfig } from '@livekit/protocol';
import {
  RoomAgentDispatch,
  RoomConfiguration,
  RoomServiceClient,
  SIPDispatchRule,
  SIPDispatchRuleCallee,
  SIPDispatchRuleDirect,
  SIPDispatchRuleIndividual,
  SipClient,
  type SIPDispatchRuleInfo,
  type SIPOutboundTrunkInfo,
} from 'livekit-server-sdk';
import type { DesiredInbound, DesiredOutbound, DesiredRule } from '../domain/binding-resources';
import type { LiveKitFailure, LiveKitResult } from '../domain/livekit-failure';
import type {
  DispatchRule,
  DispatchRuleKind,
  InboundTrunk,
  LiveKitSnapshot,
  OutboundTrunk,
} from '../domain/livekit-model';
import { LIVEKIT_ANSWER_WAIT_CAP_SEC } from '../domain/test-call';
import { encryptionToSdk, inboundFromSdk, outboundFromSdk, ruleFromSdk, transportToSdk } from './convert';
import { classifyLiveKitError } from './errors';

/** What the gateway writes: the domain's desired shapes (the outbound trunk with its write-only password). */
export type InboundTrunkInput = DesiredInbound;
export type OutboundTrunkInput = DesiredOutbound & { authPassword: string };
export type DispatchRuleInput = DesiredRule;

export interface PlaceCallInput {
  outboundTrunkId: string;
  to: string;
  from?: string;
  roomName: string;
  participantIdentity: string;
  participantName?: string;
  ringingTimeoutSec: number;
  maxCallDurationSec?: number;
  waitUntilAnswered: boolean;
  participantAttributes?: Record<string, string>;
}

export interface PlacedCall {
  participantId: string;
  participantIdentity: string;
  roomName: string;
  sipCallId: string;
}

export interface RoomSummary {
  name: string;
  sid: string;
  numParticipants: number;
  createdAt: number; // unix seconds
}

/** The LiveKit operations SIP Ops uses, with typed failures instead of thrown SDK errors. */
export interface LiveKitGateway {
  /** A cheap authenticated call, used by /readyz and the checks. */
  ping(): Promise<LiveKitResult<void>>;
  snapshot(): Promise<LiveKitResult<LiveKitSnapshot>>;
  listInboundTrunks(ids?: string[]): Promise<LiveKitResult<InboundTrunk[]>>;
  listOutboundTrunks(ids?: string[]): Promise<LiveKitResult<OutboundTrunk[]>>;
  listDispatchRules(ids?: string[]): Promise<LiveKitResult<DispatchRule[]>>;
  createInboundTrunk(input: InboundTrunkInput): Promise<LiveKitResult<InboundTrunk>>;
  updateInboundTrunk(id: string, input: Partial<InboundTrunkInput>): Promise<LiveKitResult<InboundTrunk>>;
  createOutboundTrunk(input: OutboundTrunkInput): Promise<LiveKitResult<OutboundTrunk>>;
  updateOutboundTrunk(id: string, input: Partial<OutboundTrunkInput>): Promise<LiveKitResult<OutboundTrunk>>;
  /** Deletes an inbound or outbound trunk. LiveKit answers 200 for an unknown ID. */
  deleteTrunk(id: string): Promise<LiveKitResult<void>>;
  createDispatchRule(input: DispatchRuleInput): Promise<LiveKitResult<DispatchRule>>;
  updateDispatchRule(id: string, input: Partial<DispatchRuleInput>): Promise<LiveKitResult<DispatchRule>>;
  deleteDispatchRule(id: string): Promise<LiveKitResult<void>>;
  placeCall(input: PlaceCallInput): Promise<LiveKitResult<PlacedCall>>;
  removeParticipant(room: string, identity: string): Promise<LiveKitResult<void>>;
  deleteRoom(room: string): Promise<LiveKitResult<void>>;
  listRooms(names?: string[]): Promise<LiveKitResult<RoomSummary[]>>;
}

export interface GatewayOptions {
  url: string;
  apiKey: string;
  apiSecret: string;
  /** Seconds per request (call placement waiting for the answer uses `placeCallTimeoutSec` instead). */
  requestTimeoutSec?: number;
  /** Observes every LiveKit call: method, latency and failure if any (for metrics and logs). */
  observe?: (method: string, ms: number, failure?: LiveKitFailure) => void;
}

/**
 * HTTP timeout of CreateSIPParticipant with waitUntilAnswered. The SDK's own (ringing + 2 s) is too short:
 * livekit-sip joins the room first and only then starts ringing (livekit/sip `pkg/sip/outbound.go`), so a
 * late answer or no-answer comes after the SDK gave up, and our cleanup would hang up an answered call.
 * The server itself stops waiting at 80 s (livekit/livekit `pkg/service/sip.go`): wait for ringing plus
 * 20 s for the join, never past that cap, plus 5 s for the answer to travel.
 */
export function placeCallTimeoutSec(ringingSec: number): number {
  return Math.min(Math.max(1, Math.round(ringingSec)) + 20, LIVEKIT_ANSWER_WAIT_CAP_SEC) + 5;
}

/** A room name no call uses: the readiness ping asks for this room only. */
const PING_ROOM = 'sip-ops-readiness-ping';

function ruleToSdk(rule: DispatchRuleKind): SIPDispatchRule {
  switch (rule.kind) {
    case 'direct':
      return new SIPDispatchRule({
        rule: {
          case: 'dispatchRuleDirect',
          value: new SIPDispatchRuleDirect({ roomName: rule.roomName, pin: rule.pin }),
        },
      });
    case 'individual':
      return new SIPDispatchRule({
        rule: {
          case: 'dispatchRuleIndividual',
          value: new SIPDispatchRuleIndividual({
            roomPrefix: rule.roomPrefix,
            pin: rule.pin,
            noRandomness: rule.noRandomness,
          }),
        },
      });
    case 'callee':
      return new SIPDispatchRule({
        rule: {
          case: 'dispatchRuleCallee',
          value: new SIPDispatchRuleCallee({ roomPrefix: rule.roomPrefix, pin: rule.pin, randomize: rule.randomize }),
        },
      });
  }
}

function roomConfigFor(agents: string[]): RoomConfiguration | undefined {
  if (agents.length === 0) return undefined;
  return new RoomConfiguration({ agents: agents.map((agentName) => new RoomAgentDispatch({ agentName })) });
}

export class SdkLiveKitGateway implements LiveKitGateway {
  private readonly sip: SipClient;
  private readonly rooms: RoomServiceClient;

  constructor(private readonly opts: GatewayOptions) {
    const clientOpts = { requestTimeout: opts.requestTimeoutSec ?? 10 };
    this.sip = new SipClient(opts.url, opts.apiKey, opts.apiSecret, clientOpts);
    this.rooms = new RoomServiceClient(opts.url, opts.apiKey, opts.apiSecret, clientOpts);
  }

  private async run<T>(method: string, fn: () => Promise<T>): Promise<LiveKitResult<T>> {
    const started = performance.now();
    try {
      const value = await fn();
      this.opts.observe?.(method, performance.now() - started);
      return { ok: true, value };
    } catch (err) {
      const failure = classifyLiveKitError(err);
      this.opts.observe?.(method, performance.now() - started, failure);
      return { ok: false, failure };
    }
  }

  /**
   * Readiness: the cheapest authenticated call. ListRooms with one name reads one room key
   * (livekit/livekit `pkg/service/roomservice.go` ListRooms → roomStore.ListRooms(names));
   * a SIP list would walk every trunk, as `page.limit` is only a page size.
   */
  ping(): Promise<LiveKitResult<void>> {
    return this.run('ListRooms', async () => {
      await this.rooms.listRooms([PING_ROOM]);
    });
  }

  async snapshot(): Promise<LiveKitResult<LiveKitSnapshot>> {
    const [inb, outb, rules] = await Promise.all([
      this.listInboundTrunks(),
      this.listOutboundTrunks(),
      this.listDispatchRules(),
    ]);
    if (!inb.ok) return inb;
    if (!outb.ok) return outb;
    if (!rules.ok) return rules;
    return { ok: true, value: { inboundTrunks: inb.value, outboundTrunks: outb.value, dispatchRules: rules.value } };
  }

  listInboundTrunks(ids?: string[]): Promise<LiveKitResult<InboundTrunk[]>> {
    return this.run('ListSIPInboundTrunk', async () =>
      (await this.sip.listSipInboundTrunk(ids ? { trunkIds: ids } : {})).filter(Boolean).map(inboundFromSdk),
    );
  }

  listOutboundTrunks(ids?: string[]): Promise<LiveKitResult<OutboundTrunk[]>> {
    return this.run('ListSIPOutboundTrunk', async () =>
      (await this.sip.listSipOutboundTrunk(ids ? { trunkIds: ids } : {})).filter(Boolean).map(outboundFromSdk),
    );
  }

  listDispatchRules(ids?: string[]): Promise<LiveKitResult<DispatchRule[]>> {
    return this.run('ListSIPDispatchRule', async () =>
      (await this.sip.listSipDispatchRule(ids ? { dispatchRuleIds: ids } : {})).filter(Boolean).map(ruleFromSdk),
    );
  }

  createInboundTrunk(input: InboundTrunkInput): Promise<LiveKitResult<InboundTrunk>> {
    return this.run('CreateSIPInboundTrunk', async () =>
      inboundFromSdk(
        await this.sip.createSipInboundTrunk(input.name, input.numbers, {
          metadata: input.metadata,
          ...(input.mediaEncryption !== 'disable' ? { mediaEncryption: encryptionToSdk(input.mediaEncryption) } : {}),
        }),
      ),
    );
  }

  /**
   * A field update. Encryption goes in `media.encryption`: the server upgrades the deprecated
   * `mediaEncryption` into `media.encryption` only while that is unset, so once set it wins and a
   * `mediaEncryption`-only change is a no-op (protocol `livekit/sip.go` `updateMediaConfig`). `media`
   * replaces the whole media config, so the trunk is read first to keep its codecs and media timeout.
   */
  async updateInboundTrunk(id: string, input: Partial<InboundTrunkInput>): Promise<LiveKitResult<InboundTrunk>> {
    let media: SIPMediaConfig | undefined;
    if (input.mediaEncryption !== undefined) {
      const current = await this.run('ListSIPInboundTrunk', async () =>
        (await this.sip.listSipInboundTrunk({ trunkIds: [id] })).filter(Boolean),
      );
      if (!current.ok) return current;
      const found = current.value.find((t) => t.sipTrunkId === id);
      if (!found) return { ok: false, failure: { kind: 'not-found', message: `inbound trunk ${id} does not exist` } };
      media = found.media?.clone() ?? new SIPMediaConfig();
      media.encryption = encryptionToSdk(input.mediaEncryption);
    }
    return this.run('UpdateSIPInboundTrunk', async () =>
      inboundFromSdk(
        await this.sip.updateSipInboundTrunkFields(id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
          ...(input.numbers !== undefined
            ? {
                numbers: input.numbers.length
                  ? new ListUpdate({ set: input.numbers })
                  : new ListUpdate({ clear: true }),
              }
            : {}),
          ...(input.mediaEncryption !== undefined ? { mediaEncryption: encryptionToSdk(input.mediaEncryption) } : {}),
          ...(media ? { media } : {}),
        }),
      ),
    );
  }

  createOutboundTrunk(input: OutboundTrunkInput): Promise<LiveKitResult<OutboundTrunk>> {
    return this.run('CreateSIPOutboundTrunk', async () =>
      outboundFromSdk(
        await this.sip.createSipOutboundTrunk(input.name, input.address, input.numbers, {
          transport: transportToSdk(input.transport),
          metadata: input.metadata,
          ...(input.authUsername ? { authUsername: input.authUsername, authPassword: input.authPassword } : {}),
          ...(input.mediaEncryption !== 'disable' ? { mediaEncryption: encryptionToSdk(input.mediaEncryption) } : {}),
        }),
      ),
    );
  }

  /**
   * The SDK's field update cannot change address or transport, so this reads the trunk and
   * replaces it with only our fields changed: one update call, other fields kept as they are.
   */
  async updateOutboundTrunk(id: string, input: Partial<OutboundTrunkInput>): Promise<LiveKitResult<OutboundTrunk>> {
    const current = await this.run('ListSIPOutboundTrunk', async () =>
      (await this.sip.listSipOutboundTrunk({ trunkIds: [id] })).filter(Boolean),
    );
    if (!current.ok) return current;
    const found: SIPOutboundTrunkInfo | undefined = current.value.find((t) => t.sipTrunkId === id);
    if (!found) return { ok: false, failure: { kind: 'not-found', message: `outbound trunk ${id} does not exist` } };
    const next = found.clone();
    if (input.name !== undefined) next.name = input.name;
    if (input.metadata !== undefined) next.metadata = input.metadata;
    if (input.address !== undefined) next.address = input.address;
    if (input.transport !== undefined) next.transport = transportToSdk(input.transport);
    if (input.numbers !== undefined) next.numbers = [...input.numbers];
    if (input.authUsername !== undefined) {
      next.authUsername = input.authUsername;
      next.authPassword = input.authUsername ? (input.authPassword ?? next.authPassword) : '';
    } else if (input.authPassword !== undefined) {
      next.authPassword = input.authPassword;
    }
    if (input.mediaEncryption !== undefined) {
      next.mediaEncryption = encryptionToSdk(input.mediaEncryption);
      if (next.media) next.media.encryption = encryptionToSdk(input.mediaEncryption);
    }
    next.sipTrunkId = '';
    return this.run('UpdateSIPOutboundTrunk', async () =>
      outboundFromSdk(await this.sip.updateSipOutboundTrunk(id, next)),
    );
  }

  deleteTrunk(id: string): Promise<LiveKitResult<void>> {
    return this.run('DeleteSIPTrunk', async () => {
      await this.sip.deleteSipTrunk(id);
    });
  }

  createDispatchRule(input: DispatchRuleInput): Promise<LiveKitResult<DispatchRule>> {
    const rule =
      input.rule.kind === 'direct'
        ? { type: 'direct' as const, roomName: input.rule.roomName, pin: input.rule.pin }
        : input.rule.kind === 'individual'
          ? { type: 'individual' as const, roomPrefix: input.rule.roomPrefix, pin: input.rule.pin }
          : {
              type: 'callee' as const,
              roomPrefix: input.rule.roomPrefix,
              pin: input.rule.pin,
              randomize: input.rule.randomize,
            };
    const roomConfig = roomConfigFor(input.agents);
    return this.run('CreateSIPDispatchRule', async () =>
      ruleFromSdk(
        await this.sip.createSipDispatchRule(rule, {
          name: input.name,
          metadata: input.metadata,
          trunkIds: input.trunkIds,
          ...(roomConfig ? { roomConfig } : {}),
        }),
      ),
    );
  }

  /** Reads the rule and replaces it with only our fields changed (agents live in roomConfig, which the field update cannot set). */
  async updateDispatchRule(id: string, input: Partial<DispatchRuleInput>): Promise<LiveKitResult<DispatchRule>> {
    const current = await this.run('ListSIPDispatchRule', async () =>
      (await this.sip.listSipDispatchRule({ dispatchRuleIds: [id] })).filter(Boolean),
    );
    if (!current.ok) return current;
    const found: SIPDispatchRuleInfo | undefined = current.value.find((r) => r.sipDispatchRuleId === id);
    if (!found) return { ok: false, failure: { kind: 'not-found', message: `dispatch rule ${id} does not exist` } };
    const next = found.clone();
    next.sipDispatchRuleId = '';
    if (input.name !== undefined) next.name = input.name;
    if (input.metadata !== undefined) next.metadata = input.metadata;
    if (input.trunkIds !== undefined) next.trunkIds = [...input.trunkIds];
    if (input.rule !== undefined) next.rule = ruleToSdk(input.rule);
    if (input.agents !== undefined) {
      const cfg = next.roomConfig ?? new RoomConfiguration();
      cfg.agents = input.agents.map((agentName) => new RoomAgentDispatch({ agentName }));
      if (input.agents.length || next.roomConfig) next.roomConfig = cfg;
    }
    return this.run('UpdateSIPDispatchRule', async () => ruleFromSdk(await this.sip.updateSipDispatchRule(id, next)));
  }

  deleteDispatchRule(id: string): Promise<LiveKitResult<void>> {
    return this.run('DeleteSIPDispatchRule', async () => {
      await this.sip.deleteSipDispatchRule(id);
    });
  }

  placeCall(input: PlaceCallInput): Promise<LiveKitResult<PlacedCall>> {
    return this.run('CreateSIPParticipant', async () => {
      const info = await this.sip.createSipParticipant(input.outboundTrunkId, input.to, input.roomName, {
        participantIdentity: input.participantIdentity,
        ...(input.participantName ? { participantName: input.participantName } : {}),
        ...(input.from ? { fromNumber: input.from } : {}),
        ringingTimeout: Math.max(1, Math.round(input.ringingTimeoutSec)),
        ...(input.waitUntilAnswered ? { timeout: placeCallTimeoutSec(input.ringingTimeoutSec) } : {}),
        ...(input.maxCallDurationSec ? { maxCallDuration: Math.round(input.maxCallDurationSec) } : {}),
        waitUntilAnswered: input.waitUntilAnswered,
        ...(input.participantAttributes ? { participantAttributes: input.participantAttributes } : {}),
      });
      return {
        participantId: info.participantId,
        participantIdentity: info.participantIdentity,
        roomName: info.roomName,
        sipCallId: info.sipCallId,
      };
    });
  }

  removeParticipant(room: string, identity: string): Promise<LiveKitResult<void>> {
    return this.run('RemoveParticipant', async () => {
      await this.rooms.removeParticipant(room, identity);
    });
  }

  deleteRoom(room: string): Promise<LiveKitResult<void>> {
    return this.run('DeleteRoom', async () => {
      await this.rooms.deleteRoom(room);
    });
  }

  listRooms(names?: string[]): Promise<LiveKitResult<RoomSummary[]>> {
    return this.run('ListRooms', async () =>
      (await this.rooms.listRooms(names)).map((r) => ({
        name: r.name,
        sid: r.sid,
        numParticipants: r.numParticipants,
        createdAt: Number(r.creationTime),
      })),
    );
  }
}
