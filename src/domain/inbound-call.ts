/**
 * The calls in one LiveKit room, built from webhook events delivered in any order.
 *
 * The state is a set of monotone facts (a participant joined at t, left at t, published media, the
 * room finished at t, the agent watchdog fired at t) merged with min/max/union, so applying the same
 * events in any order, or twice, gives the same state. Everything shown to people (who the caller
 * is, whether an agent joined, how long the call lasted, why it ended) is derived from those facts.
 * Effects are the difference between what was derivable before and after an event, so each
 * milestone is reported once, whenever its evidence arrives.
 *
 * A call is one SIP participant (key: its sid): an individual-dispatch room holds one, a direct
 * room may hold several callers over its life. Agents and other participants belong to every call
 * whose time in the room overlaps theirs.
 */

export type ParticipantKind = 'sip' | 'agent' | 'standard' | 'other';

export interface RoomRef {
  name: string;
  sid?: string;
}

/** A participant as a webhook carries it (participant_* events carry all of it, track_* only sid/identity). */
export interface ParticipantSnapshot {
  sid: string;
  identity: string;
  name?: string;
  kind?: ParticipantKind;
  attributes?: Record<string, string>;
  /** ParticipantInfo.version: attributes of a higher version win. */
  version?: number;
  joinedAtMs?: number;
  /** DisconnectReason enum name (participant_left). */
  disconnectReason?: string;
}

/** `at` is the event time in ms (see the feature's adapter for how it is derived). */
export type InboundEvent =
  | { type: 'room_started'; at: number; room: RoomRef }
  | { type: 'room_finished'; at: number; room: RoomRef }
  | {
      type: 'participant_joined' | 'participant_left' | 'participant_connection_aborted';
      at: number;
      room: RoomRef;
      participant: ParticipantSnapshot;
    }
  | { type: 'track_published'; at: number; room: RoomRef; participant: ParticipantSnapshot }
  /** The agent watchdog of call `callKey` fired (an internal event, not a webhook). */
  | { type: 'agent_timeout'; at: number; room: RoomRef; callKey: string };

export interface ParticipantFacts {
  key: string;
  sid: string;
  identity: string;
  name: string;
  kind?: ParticipantKind;
  attributes: Record<string, string>;
  /** Rank of the snapshot the attributes came from: version * 4 + event rank. */
  attrRank: number;
  joinedAt?: number;
  leftAt?: number;
  disconnectReason?: string;
  aborted: boolean;
  published: boolean;
  /** `sip.callStatus` was `active` in some snapshot (the call was answered). */
  answered: boolean;
}

export interface RoomCallsState {
  room: string;
  roomSid?: string;
  startedAt?: number;
  finishedAt?: number;
  participants: Record<string, ParticipantFacts>;
  /** Caller key → when its agent watchdog fired. */
  agentTimeouts: Record<string, number>;
  /** Some participant is a SIP caller (a shortcut: rooms without callers have no effects). */
  hasCaller?: boolean;
}

export interface JoinerView {
  key: string;
  identity: string;
  name: string;
  kind: 'agent' | 'standard';
  joinedAt?: number;
  leftAt?: number;
  /** Time from the caller joining to this participant joining (0 when it was there first). */
  delayMs?: number;
}

export type EndReason = string; // DisconnectReason name, or ROOM_FINISHED / CONNECTION_ABORTED

export interface InboundCallView {
  key: string;
  room: string;
  identity: string;
  name: string;
  phoneNumber?: string;
  did?: string;
  trunkId?: string;
  ruleId?: string;
  callId?: string;
  callStatus?: string;
  joinedAt?: number;
  ended: boolean;
  endedAt?: number;
  endReason?: EndReason;
  durationMs?: number;
  /** Agents and other participants that were in the room during the call, by join time. */
  joiners: JoinerView[];
  agentJoined: boolean;
  /** Delay of the first agent. */
  agentDelayMs?: number;
  /** Whether all agents left clearly (≥ 1 s) before the caller did. */
  agentLeftFirst: boolean;
  /** Evidence that audio flowed both ways: the call was answered or someone else published a track. */
  media: boolean;
  agentTimeoutAt?: number;
  /** The watchdog fired while no agent was in the call. */
  agentMissing: boolean;
}

export type InboundEffect =
  | { kind: 'call-started'; call: InboundCallView }
  | { kind: 'joiner-joined'; call: InboundCallView; joiner: JoinerView }
  | { kind: 'agent-missing'; call: InboundCallView }
  | { kind: 'media'; call: InboundCallView }
  | { kind: 'call-ended'; call: InboundCallView }
  /** Anything in the call's view changed (always the last effect for that call). */
  | { kind: 'call-updated'; call: InboundCallView };

export function emptyRoomState(room: string): RoomCallsState {
  return { room, participants: {}, agentTimeouts: {} };
}

function minDefined(a: number | undefined, b: number): number;
function minDefined(a: number | undefined, b: number | undefined): number | undefined;
function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function participantKey(p: { sid: string; identity: string }): string {
  return p.sid ? p.sid : `identity:${p.identity}`;
}

const EVENT_RANK: Record<string, number> = {
  track_published: 0,
  participant_joined: 1,
  participant_left: 2,
  participant_connection_aborted: 2,
};

/** Merges attribute maps so the result does not depend on the order: the higher rank wins, ties by value. */
function mergeAttributes(
  prev: Record<string, string>,
  prevRank: number,
  next: Record<string, string>,
  nextRank: number,
): Record<string, string> {
  const out: Record<string, string> = { ...prev };
  for (const [k, v] of Object.entries(next)) {
    if (!(k in out) || nextRank > prevRank || (nextRank === prevRank && v > out[k]!)) out[k] = v;
  }
  return out;
}

function mergeParticipant(
  prev: ParticipantFacts | undefined,
  ev: Extract<InboundEvent, { participant: ParticipantSnapshot }>,
): ParticipantFacts {
  const snap = ev.participant;
  const key = participantKey(snap);
  const base: ParticipantFacts = prev ?? {
    key,
    sid: snap.sid,
    identity: snap.identity,
    name: '',
    attributes: {},
    attrRank: -1,
    aborted: false,
    published: false,
    answered: false,
  };
  const rank = (snap.version ?? 0) * 4 + (EVENT_RANK[ev.type] ?? 0);
  const attrs = snap.attributes ?? {};
  const hasAttrs = Object.keys(attrs).length > 0;
  const kind = base.kind ?? snap.kind;
  const out: ParticipantFacts = {
    ...base,
    identity: base.identity || snap.identity,
    name: snap.name && snap.name > base.name ? snap.name : base.name || snap.name || '',
    ...(kind !== undefined ? { kind } : {}),
    attributes: hasAttrs ? mergeAttributes(base.attributes, base.attrRank, attrs, rank) : base.attributes,
    attrRank: hasAttrs ? Math.max(base.attrRank, rank) : base.attrRank,
    answered: base.answered || attrs['sip.callStatus'] === 'active',
  };
  if (
    ev.type === 'participant_joined' ||
    ev.type === 'participant_left' ||
    ev.type === 'participant_connection_aborted'
  ) {
    const joinedAt = minDefined(
      base.joinedAt,
      snap.joinedAtMs ?? (ev.type === 'participant_joined' ? ev.at : undefined),
    );
    if (joinedAt !== undefined) out.joinedAt = joinedAt;
  }
  if (ev.type === 'participant_left' || ev.type === 'participant_connection_aborted') {
    const earlier = base.leftAt === undefined || ev.at < base.leftAt;
    out.leftAt = minDefined(base.leftAt, ev.at);
    if (earlier) {
      const disconnectReason = snap.disconnectReason ?? base.disconnectReason;
      if (disconnectReason !== undefined) out.disconnectReason = disconnectReason;
      out.aborted = ev.type === 'participant_connection_aborted';
    } else if (base.leftAt === ev.at) {
      // Same instant from two events: keep a deterministic choice.
      const candidate = snap.disconnectReason ?? '';
      if (candidate > (base.disconnectReason ?? '')) out.disconnectReason = candidate;
      out.aborted = base.aborted || ev.type === 'participant_connection_aborted';
    }
  }
  if (ev.type === 'track_published') out.published = true;
  return out;
}

/** Applies one event: a new state (inputs are never mutated). */
export function applyInboundEvent(state: RoomCallsState, ev: InboundEvent): RoomCallsState {
  const next: RoomCallsState = { ...state, participants: state.participants, agentTimeouts: state.agentTimeouts };
  if (ev.room.sid && !next.roomSid) next.roomSid = ev.room.sid;
  switch (ev.type) {
    case 'room_started':
      next.startedAt = minDefined(state.startedAt, ev.at);
      break;
    case 'room_finished':
      next.finishedAt = minDefined(state.finishedAt, ev.at);
      break;
    case 'agent_timeout':
      next.agentTimeouts = {
        ...state.agentTimeouts,
        [ev.callKey]: minDefined(state.agentTimeouts[ev.callKey], ev.at)!,
      };
      break;
    default: {
      const key = participantKey(ev.participant);
      const merged = mergeParticipant(state.participants[key], ev);
      next.participants = { ...state.participants, [key]: merged };
      if (merged.kind === 'sip') next.hasCaller = true;
    }
  }
  return next;
}

/**
 * Webhook times have whole seconds (`createdAt`); within one second the order of two leaves is not
 * known for sure, so "the agent left first" needs them a second apart.
 */
const LEAVE_ORDER_MARGIN_MS = 1000;

function overlaps(
  a: { joinedAt?: number; leftAt?: number },
  from: number | undefined,
  to: number | undefined,
): boolean {
  const aFrom = a.joinedAt ?? -Infinity;
  const aTo = a.leftAt ?? Infinity;
  return aFrom <= (to ?? Infinity) && aTo >= (from ?? -Infinity);
}

function viewOf(state: RoomCallsState, caller: ParticipantFacts): InboundCallView {
  const a = caller.attributes;
  const joinedAt = caller.joinedAt;
  const endedAt = caller.leftAt ?? state.finishedAt;
  const ended = endedAt !== undefined;
  let endReason: EndReason | undefined;
  if (caller.leftAt !== undefined)
    endReason = caller.aborted ? 'CONNECTION_ABORTED' : (caller.disconnectReason ?? 'UNKNOWN_REASON');
  else if (state.finishedAt !== undefined) endReason = 'ROOM_FINISHED';

  const joiners: JoinerView[] = [];
  for (const p of Object.values(state.participants)) {
    if (p.kind !== 'agent' && p.kind !== 'standard') continue;
    if (!overlaps(p, joinedAt, endedAt)) continue;
    joiners.push({
      key: p.key,
      identity: p.identity,
      name: p.name,
      kind: p.kind,
      ...(p.joinedAt !== undefined ? { joinedAt: p.joinedAt } : {}),
      ...(p.leftAt !== undefined ? { leftAt: p.leftAt } : {}),
      ...(p.joinedAt !== undefined && joinedAt !== undefined ? { delayMs: Math.max(0, p.joinedAt - joinedAt) } : {}),
    });
  }
  joiners.sort(
    (x, y) => (x.joinedAt ?? Infinity) - (y.joinedAt ?? Infinity) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0),
  );
  const agents = joiners.filter((j) => j.kind === 'agent');
  const fired = state.agentTimeouts[caller.key];
  const agentBy = (t: number) => agents.some((j) => (j.joinedAt ?? Infinity) <= t);
  const agentMissing = fired !== undefined && !agentBy(fired) && !(endedAt !== undefined && endedAt <= fired);
  const others = Object.values(state.participants).filter(
    (p) => p.key !== caller.key && p.kind !== 'sip' && overlaps(p, joinedAt, endedAt),
  );
  const view: InboundCallView = {
    key: caller.key,
    room: state.room,
    identity: caller.identity,
    name: caller.name,
    ended,
    joiners,
    agentJoined: agents.length > 0,
    agentLeftFirst:
      agents.length > 0 &&
      caller.leftAt !== undefined &&
      agents.every((j) => j.leftAt !== undefined && j.leftAt <= caller.leftAt! - LEAVE_ORDER_MARGIN_MS),
    media: caller.answered || others.some((p) => p.published),
    agentMissing,
  };
  if (a['sip.phoneNumber']) view.phoneNumber = a['sip.phoneNumber'];
  if (a['sip.trunkPhoneNumber']) view.did = a['sip.trunkPhoneNumber'];
  if (a['sip.trunkID']) view.trunkId = a['sip.trunkID'];
  if (a['sip.ruleID']) view.ruleId = a['sip.ruleID'];
  if (a['sip.callID']) view.callId = a['sip.callID'];
  if (a['sip.callStatus']) view.callStatus = a['sip.callStatus'];
  if (joinedAt !== undefined) view.joinedAt = joinedAt;
  if (endedAt !== undefined) view.endedAt = endedAt;
  if (endReason !== undefined) view.endReason = endReason;
  if (joinedAt !== undefined && endedAt !== undefined) view.durationMs = Math.max(0, endedAt - joinedAt);
  if (agents[0]?.delayMs !== undefined) view.agentDelayMs = agents[0].delayMs;
  if (fired !== undefined) view.agentTimeoutAt = fired;
  return view;
}

/** Every SIP participant of the room as a call, oldest first. */
export function callsOf(state: RoomCallsState): InboundCallView[] {
  return Object.values(state.participants)
    .filter((p) => p.kind === 'sip')
    .sort((a, b) => (a.joinedAt ?? Infinity) - (b.joinedAt ?? Infinity) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((p) => viewOf(state, p));
}

export function callView(state: RoomCallsState, key: string): InboundCallView | undefined {
  const p = state.participants[key];
  return p && p.kind === 'sip' ? viewOf(state, p) : undefined;
}

/** The caller's raw attributes (for binding resolution). */
export function callerAttributes(state: RoomCallsState, key: string): Record<string, string> {
  return { ...(state.participants[key]?.attributes ?? {}) };
}

/** When the agent watchdog of this call should fire, or undefined when it must not be armed. */
export function agentDeadline(call: InboundCallView, agentTimeoutMs: number): number | undefined {
  if (call.ended || call.joinedAt === undefined || call.agentJoined || call.agentTimeoutAt !== undefined)
    return undefined;
  return call.joinedAt + agentTimeoutMs;
}

function hasCaller(state: RoomCallsState): boolean {
  if (state.hasCaller !== undefined) return state.hasCaller;
  for (const p of Object.values(state.participants)) if (p.kind === 'sip') return true;
  return false;
}

function effectsFor(prev: InboundCallView | undefined, next: InboundCallView): InboundEffect[] {
  const out: InboundEffect[] = [];
  if (!prev) out.push({ kind: 'call-started', call: next });
  const before = new Set(prev?.joiners.map((j) => j.key) ?? []);
  for (const j of next.joiners) if (!before.has(j.key)) out.push({ kind: 'joiner-joined', call: next, joiner: j });
  if (next.agentMissing && !prev?.agentMissing) out.push({ kind: 'agent-missing', call: next });
  if (next.media && !prev?.media) out.push({ kind: 'media', call: next });
  if (next.ended && !prev?.ended) out.push({ kind: 'call-ended', call: next });
  if (!prev || JSON.stringify(prev) !== JSON.stringify(next)) out.push({ kind: 'call-updated', call: next });
  return out;
}

/**
 * The reducer: state + event → state + effects. Effects name what became known with this event,
 * per call, in a fixed order (started, joiners by join time, agent missing, media, ended, updated).
 */
export function reduceInboundCall(
  state: RoomCallsState,
  ev: InboundEvent,
): { state: RoomCallsState; effects: InboundEffect[] } {
  const next = applyInboundEvent(state, ev);
  if (!hasCaller(next)) return { state: next, effects: [] };
  const before = new Map(callsOf(state).map((c) => [c.key, c]));
  const effects: InboundEffect[] = [];
  for (const call of callsOf(next)) effects.push(...effectsFor(before.get(call.key), call));
  return { state: next, effects };
}

/** What is said when LiveKit gives no usable reason, with the RTP checks that usually explain it. */
export const UNCLEAR_END =
  'ended without a clear reason (LiveKit gave none); if calls keep ending like this, check RTP: the firewall must let UDP 10000-20000 reach LiveKit SIP, and behind NAT LiveKit SIP must announce its public IP';

/**
 * Plain words for an end reason. On a self-hosted server the reason alone misleads (livekit/sip
 * `pkg/sip/participant.go` CallStatus.DisconnectReason, `pkg/sip/inbound.go`; livekit/livekit
 * `pkg/rtc/signalling/signalhandler.go`): a dropped call leaves with UNKNOWN_REASON, which the server
 * turns into CLIENT_INITIATED like every unlisted reason (so MEDIA_FAILURE and SIP_TRUNK_FAILURE never
 * arrive), and only a real hangup (BYE or CANCEL, or a media timeout after answer, which LiveKit treats
 * as a lost BYE) sets `sip.callStatus` to "hangup" before leaving. So "the caller hung up" needs that
 * status; without it the end is unclear.
 */
export function describeEndReason(call: Pick<InboundCallView, 'endReason' | 'agentLeftFirst' | 'callStatus'>): string {
  switch (call.endReason) {
    case 'CLIENT_INITIATED':
      if (call.agentLeftFirst) return 'the agent left, then the call was hung up';
      return call.callStatus === 'hangup' ? 'the caller hung up' : UNCLEAR_END;
    case 'UNKNOWN_REASON':
      return UNCLEAR_END;
    case 'ROOM_DELETED':
      return 'the room was deleted (e.g. the agent ended the call)';
    case 'PARTICIPANT_REMOVED':
      return 'the caller was removed from the room (by the agent or an API call)';
    case 'ROOM_CLOSED':
    case 'ROOM_FINISHED':
      return 'the room closed';
    case 'USER_UNAVAILABLE':
      return 'the call could not be connected (unavailable)';
    case 'USER_REJECTED':
      return 'the call was rejected';
    case 'SIP_TRUNK_FAILURE':
      return 'SIP trunk failure';
    case 'MEDIA_FAILURE':
      return 'media failure (no RTP: check firewall, ports and SRTP settings)';
    case 'CONNECTION_TIMEOUT':
    case 'SIGNAL_CLOSE':
      return 'the connection was lost';
    case 'CONNECTION_ABORTED':
      return 'the caller never got connected (connection aborted)';
    case 'SERVER_SHUTDOWN':
      return 'the LiveKit server shut down';
    case 'DUPLICATE_IDENTITY':
      return 'another participant joined with the same identity';
    case 'AGENT_ERROR':
      return 'the agent failed';
    case 'JOIN_FAILURE':
      return 'joining the room failed';
    case undefined:
      return 'unknown';
    default:
      return call.endReason.toLowerCase().replace(/_/g, ' ');
  }
}
