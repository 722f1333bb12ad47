import {
  AgentDispatch,
  AgentDispatchState,
  DisconnectReason,
  ParticipantInfo,
  ParticipantInfo_Kind,
  ParticipantInfo_State,
  ParticipantPermission,
  Room,
  RoomAgentDispatch,
  TrackInfo,
  TrackSource,
  TrackType,
  WebhookEvent,
  type SIPDispatchRuleInfo,
  type SIPInboundTrunkInfo,
  type SIPOutboundTrunkInfo,
} from '@livekit/protocol';
import { compareIds, newId } from './ids';
import type { Timers } from './timers';
import type { RoomView } from './types';

export type Emit = (ev: WebhookEvent) => Promise<unknown>;

/** SIP configuration as livekit-server keeps it in Redis. */
export class SipStore {
  readonly inbound = new Map<string, SIPInboundTrunkInfo>();
  readonly outbound = new Map<string, SIPOutboundTrunkInfo>();
  readonly rules = new Map<string, SIPDispatchRuleInfo>();

  sortedInbound(): SIPInboundTrunkInfo[] {
    return [...this.inbound.values()].sort((a, b) => compareIds(a.sipTrunkId, b.sipTrunkId));
  }
  sortedOutbound(): SIPOutboundTrunkInfo[] {
    return [...this.outbound.values()].sort((a, b) => compareIds(a.sipTrunkId, b.sipTrunkId));
  }
  sortedRules(): SIPDispatchRuleInfo[] {
    return [...this.rules.values()].sort((a, b) => compareIds(a.sipDispatchRuleId, b.sipDispatchRuleId));
  }
  clear(): void {
    this.inbound.clear();
    this.outbound.clear();
    this.rules.clear();
  }
}

export interface RoomState {
  room: Room;
  participants: Map<string, ParticipantInfo>;
  dispatches: AgentDispatch[];
  cancelClose?: (() => void) | undefined;
}

export interface RoomOptions {
  emptyTimeout?: number;
  departureTimeout?: number;
  maxParticipants?: number;
  metadata?: string;
  agents?: RoomAgentDispatch[];
}

/** OSS defaults for auto-created rooms (pkg/config/config.go). */
export const DEFAULT_EMPTY_TIMEOUT = 300;
export const DEFAULT_DEPARTURE_TIMEOUT = 20;

const nowMs = (): bigint => BigInt(Date.now());
const nowS = (): bigint => BigInt(Math.floor(Date.now() / 1000));

/** Rooms and participants, emitting the webhooks livekit-server would (room_*, participant_*). */
export class RoomStore {
  readonly rooms = new Map<string, RoomState>();
  /**
   * How long an empty room lives after its last participant left; undefined = the room's
   * departureTimeout in seconds (as the server). Tests may shorten it.
   */
  emptyRoomCloseMs: number | undefined;
  /** Called after a participant left (any reason): bridged call legs follow each other. */
  readonly leaveListeners = new Set<(state: RoomState, p: ParticipantInfo) => void>();

  constructor(
    private readonly emit: Emit,
    private readonly timers: Timers,
  ) {}

  get(name: string): RoomState | undefined {
    return this.rooms.get(name);
  }

  /** Creates the room if missing (room_started). Room options only apply on creation (§8). */
  async ensure(name: string, opts: RoomOptions = {}): Promise<{ state: RoomState; created: boolean }> {
    const existing = this.rooms.get(name);
    if (existing) return { state: existing, created: false };
    const state: RoomState = {
      room: new Room({
        sid: newId('RM_'),
        name,
        emptyTimeout: opts.emptyTimeout || DEFAULT_EMPTY_TIMEOUT,
        departureTimeout: opts.departureTimeout || DEFAULT_DEPARTURE_TIMEOUT,
        maxParticipants: opts.maxParticipants ?? 0,
        creationTime: nowS(),
        creationTimeMs: nowMs(),
        metadata: opts.metadata ?? '',
      }),
      participants: new Map(),
      dispatches: [],
    };
    this.rooms.set(name, state);
    for (const a of opts.agents ?? []) state.dispatches.push(this.newDispatch(name, a.agentName, a.metadata));
    await this.emit(new WebhookEvent({ event: 'room_started', room: this.snapshot(state) }));
    return { state, created: true };
  }

  newDispatch(room: string, agentName: string, metadata: string): AgentDispatch {
    return new AgentDispatch({
      id: newId('AD_'),
      agentName,
      room,
      metadata,
      state: new AgentDispatchState({ jobs: [], createdAt: BigInt(Date.now()) * 1_000_000n }),
    });
  }

  /** The Room message as the server reports it (participant counts filled in). */
  snapshot(state: RoomState): Room {
    const r = state.room.clone();
    r.numParticipants = state.participants.size;
    r.numPublishers = [...state.participants.values()].filter((p) => p.isPublisher).length;
    return r;
  }

  newParticipant(fields: {
    identity: string;
    name?: string;
    kind: ParticipantInfo_Kind;
    metadata?: string;
    attributes?: Record<string, string>;
  }): ParticipantInfo {
    return new ParticipantInfo({
      sid: newId('PA_'),
      identity: fields.identity,
      name: fields.name ?? '',
      state: ParticipantInfo_State.ACTIVE,
      joinedAt: nowS(),
      joinedAtMs: nowMs(),
      version: 1,
      permission: new ParticipantPermission({
        canSubscribe: true,
        canPublish: true,
        canPublishData: true,
        canUpdateMetadata: true,
      }),
      metadata: fields.metadata ?? '',
      attributes: { ...(fields.attributes ?? {}) },
      isPublisher: true,
      kind: fields.kind,
    });
  }

  /** Adds a participant (a duplicate identity is kicked out first) and sends participant_joined. */
  async join(state: RoomState, p: ParticipantInfo): Promise<void> {
    const dup = state.participants.get(p.identity);
    if (dup) await this.leave(state, p.identity, DisconnectReason.DUPLICATE_IDENTITY);
    state.cancelClose?.();
    state.cancelClose = undefined;
    state.participants.set(p.identity, p);
    await this.emit(
      new WebhookEvent({ event: 'participant_joined', room: this.snapshot(state), participant: p.clone() }),
    );
  }

  /** Updates attributes in place (no webhook: attribute changes do not emit one). */
  setAttributes(p: ParticipantInfo, attrs: Record<string, string>): void {
    Object.assign(p.attributes, attrs);
    p.version += 1;
  }

  /**
   * Removes a participant and sends participant_left with the reason. When the room becomes empty it
   * closes after `emptyRoomCloseMs` / departureTimeout (room_finished), unless `closeNow`.
   */
  async leave(
    state: RoomState,
    identity: string,
    reason: DisconnectReason,
    opts: { callStatus?: string; closeNow?: boolean } = {},
  ): Promise<boolean> {
    const p = state.participants.get(identity);
    if (!p) return false;
    state.participants.delete(identity);
    if (opts.callStatus !== undefined && p.kind === ParticipantInfo_Kind.SIP)
      this.setAttributes(p, { 'sip.callStatus': opts.callStatus });
    const left = p.clone();
    left.state = ParticipantInfo_State.DISCONNECTED;
    left.disconnectReason = reason;
    await this.emit(new WebhookEvent({ event: 'participant_left', room: this.snapshot(state), participant: left }));
    for (const l of [...this.leaveListeners]) l(state, left);
    if (state.participants.size === 0 && this.rooms.get(state.room.name) === state) {
      if (opts.closeNow) await this.close(state);
      else {
        const ms = this.emptyRoomCloseMs ?? state.room.departureTimeout * 1000;
        state.cancelClose = this.timers.after(ms, () => {
          if (state.participants.size === 0) void this.close(state);
        });
      }
    }
    return true;
  }

  /** The participant publishes its microphone audio track: track_published (livekit/livekit `pkg/rtc/participant.go`). */
  async publishAudio(state: RoomState, p: ParticipantInfo): Promise<void> {
    if (state.participants.get(p.identity) !== p) return;
    const track = new TrackInfo({
      sid: newId('TR_'),
      type: TrackType.AUDIO,
      source: TrackSource.MICROPHONE,
      name: p.kind === ParticipantInfo_Kind.SIP ? 'sip_audio' : 'agent_audio',
    });
    p.tracks.push(track);
    await this.emit(
      new WebhookEvent({ event: 'track_published', room: this.snapshot(state), participant: p.clone(), track }),
    );
  }

  /** Ends the room: room_finished. */
  async close(state: RoomState): Promise<void> {
    if (this.rooms.get(state.room.name) !== state) return;
    state.cancelClose?.();
    this.rooms.delete(state.room.name);
    await this.emit(new WebhookEvent({ event: 'room_finished', room: this.snapshot(state) }));
  }

  /** DeleteRoom: everybody leaves with ROOM_DELETED (SIP calls hang up), then room_finished. */
  async delete(state: RoomState): Promise<void> {
    for (const identity of [...state.participants.keys()]) {
      await this.leave(state, identity, DisconnectReason.ROOM_DELETED, { callStatus: 'hangup', closeNow: false });
    }
    state.cancelClose?.();
    await this.close(state);
  }

  view(): RoomView[] {
    return [...this.rooms.values()].map((s) => ({
      name: s.room.name,
      sid: s.room.sid,
      metadata: s.room.metadata,
      participants: [...s.participants.values()].map((p) => ({
        sid: p.sid,
        identity: p.identity,
        name: p.name,
        kind: ParticipantInfo_Kind[p.kind] ?? String(p.kind),
        state: ParticipantInfo_State[p.state] ?? String(p.state),
        metadata: p.metadata,
        attributes: { ...p.attributes },
      })),
      agentDispatches: s.dispatches.map((d) => ({ id: d.id, agentName: d.agentName, metadata: d.metadata })),
    }));
  }

  clear(): void {
    for (const s of this.rooms.values()) s.cancelClose?.();
    this.rooms.clear();
    this.leaveListeners.clear();
  }
}
