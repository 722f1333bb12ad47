/**
 * Loopback: an outbound call (`CreateSIPParticipant`) to a number an inbound trunk of the same LiveKit
 * holds leaves through the outbound trunk, crosses the carrier (EST) and comes back as an INVITE to
 * livekit-sip: a second, independent SIP call with its own `sip.callID`, routed by the inbound trunk and
 * dispatch rule exactly as `simulateInboundCall` routes one (inbound.ts, livekit/sip `pkg/sip/inbound.go`).
 *
 * Whether the carrier routes the number back is not something LiveKit knows, so a test turns loopback
 * on (`LiveKitEmulator.setLoopback`) and may break it: `drop` (the carrier has no route for the DID and
 * answers the INVITE with a final status), `reroute` (the carrier delivers it to another number, so
 * another trunk or rule takes it), `no-agent` (it arrives, but no agent joins).
 *
 * Timing as in reality: livekit-sip answers the inbound INVITE only once the agent is there (its
 * participant goes "ringing" → "active", livekit/sip `pkg/sip/inbound.go`), so the outbound leg is
 * answered then, or not at all before its ringing timeout (then the caller's CANCEL ends the inbound leg).
 * Both bridges publish their audio track once their call is answered; the agent publishes on join.
 * After the answer the legs are bridged: either leg ending (BYE) ends the other.
 */
import { DisconnectReason, type ParticipantInfo } from '@livekit/protocol';
import { joinAgent, joinInboundLeg, type InboundLeg } from './inbound';
import { disconnectReasonForSip, sipCallFailure } from './sip-status';
import type { RoomState, RoomStore, SipStore } from './state';
import type { Timers } from './timers';
import { TwirpError } from './twirp';
import { normalizeNumber } from './validation';

export type LoopbackBreakage =
  /** The carrier routes the DID back to this LiveKit (default). */
  | { kind: 'none' }
  /** The carrier does not route the DID back: the outbound INVITE ends with `sipStatus` (default 404). */
  | { kind: 'drop'; sipStatus?: number; reason?: string }
  /** The carrier delivers the call to `to` instead (e.g. a number of another trunk). */
  | { kind: 'reroute'; to: string }
  /** The call comes back but no agent joins. */
  | { kind: 'no-agent' };

export interface LoopbackOptions {
  /** Post-dial delay through the carrier before the inbound INVITE arrives (default 30 ms). */
  delayMs?: number;
  /** How long after the inbound leg joined the dispatched agent joins (default 30 ms). */
  agentJoinAfterMs?: number;
  agentIdentity?: string;
  /** Ringing time before the caller gives up on an unanswered loop, when no ringing clock is set (default 300 ms). */
  ringMs?: number;
  breakage?: LoopbackBreakage;
  /**
   * The carrier's own routing of each looped call, asked before `breakage` applies: e.g. the Sinch
   * emulator's EST configuration (`SinchEmulator.loopbackRoute`: the DID's trunk assignment and the
   * trunk's endpoints). Injected, so the two emulators stay independent modules.
   */
  route?: (call: { from: string; to: string }) => LoopbackBreakage | Promise<LoopbackBreakage>;
}

/** What the emulator reports about a loop it carried (for tests). */
export interface LoopRecord {
  outboundCallId: string;
  to: string;
  from: string;
  /** Where the call came back, when it did. */
  inbound?: { roomName: string; trunkId: string; ruleId: string; callId: string; identity: string };
  /** Why livekit-sip did not take the call that came back. */
  notRouted?: string;
  answered: boolean;
}

interface LoopDeps {
  sip: SipStore;
  rooms: RoomStore;
  timers: Timers;
}

/** Whether an inbound trunk of this LiveKit lists the number (a wildcard trunk does not "hold" it). */
export function heldByInboundTrunk(sip: SipStore, to: string): boolean {
  const norm = normalizeNumber(to);
  return sip.sortedInbound().some((t) => t.numbers.some((n) => n === to || normalizeNumber(n) === norm));
}

/** One leg leaving ends the other (its bridge sends BYE): the SIP participant leaves with "hangup". */
function bridge(
  rooms: RoomStore,
  a: { room: RoomState; p: ParticipantInfo },
  b: { room: RoomState; p: ParticipantInfo },
  extra: () => ParticipantInfo | undefined,
): void {
  const listener = (state: RoomState, left: ParticipantInfo): void => {
    const other = left.sid === a.p.sid ? b : left.sid === b.p.sid ? a : undefined;
    if (!other || (state !== a.room && state !== b.room)) return;
    rooms.leaveListeners.delete(listener);
    void (async () => {
      await rooms.leave(other.room, other.p.identity, DisconnectReason.CLIENT_INITIATED, { callStatus: 'hangup' });
      // The agent's job ends with its caller.
      const agent = extra();
      if (agent && left.sid === a.p.sid) await rooms.leave(b.room, agent.identity, DisconnectReason.CLIENT_INITIATED);
    })();
  };
  rooms.leaveListeners.add(listener);
}

/**
 * Carries one looped call after the outbound bridge joined its room "dialing". Resolves like the
 * outbound `settle`: undefined when answered, else the error CreateSIPParticipant reports.
 */
export async function carryLoop(
  deps: LoopDeps,
  opts: LoopbackOptions,
  out: { room: RoomState; p: ParticipantInfo; from: string; to: string; fromHost: string; ringMs: number },
  record: LoopRecord,
): Promise<TwirpError | undefined> {
  const inRoom = (): boolean =>
    out.room.participants.get(out.p.identity) === out.p && deps.rooms.get(out.room.room.name) === out.room;
  await deps.timers.sleep(opts.delayMs ?? 30);
  const carried = opts.route ? await opts.route({ from: out.from, to: out.to }) : ({ kind: 'none' } as const);
  const breakage = carried.kind !== 'none' ? carried : (opts.breakage ?? { kind: 'none' });
  if (!inRoom()) return new TwirpError('canceled', 'call canceled');
  if (breakage.kind === 'drop') {
    const status = breakage.sipStatus ?? 404;
    await deps.rooms.leave(out.room, out.p.identity, disconnectReasonForSip(status));
    return sipCallFailure(status, breakage.reason);
  }
  const to = breakage.kind === 'reroute' ? breakage.to : out.to;
  // The carrier presents the caller ID it was given and the called number; the From host is the carrier's.
  const joined = await joinInboundLeg(deps, { from: out.from, to, fromHost: out.fromHost });
  if (!joined.routed) {
    // livekit-sip drops an unroutable INVITE without a SIP answer (pkg/sip/inbound.go): the caller rings out.
    record.notRouted = joined.reason;
    return ringOut(deps, out, inRoom);
  }
  const leg = joined.leg;
  record.inbound = {
    roomName: leg.roomName,
    trunkId: leg.trunkId,
    ruleId: leg.ruleId,
    callId: leg.callId,
    identity: leg.sip.identity,
  };
  const agent =
    breakage.kind === 'no-agent' || !leg.agentsDispatched
      ? undefined
      : await joinAgentWithin(deps, opts, leg, out.ringMs);
  if (!agent || !inRoom() || leg.room.participants.get(leg.sip.identity) !== leg.sip) {
    // Nobody answered in time: the caller's CANCEL reaches livekit-sip, which drops the inbound leg.
    if (leg.room.participants.get(leg.sip.identity) === leg.sip)
      await deps.rooms.leave(leg.room, leg.sip.identity, DisconnectReason.CLIENT_INITIATED);
    return ringOut(deps, out, inRoom, 0);
  }
  await deps.rooms.publishAudio(leg.room, agent);
  record.answered = true;
  deps.rooms.setAttributes(out.p, { 'sip.callStatus': 'active' });
  await deps.rooms.publishAudio(leg.room, leg.sip);
  await deps.rooms.publishAudio(out.room, out.p);
  bridge(deps.rooms, { room: out.room, p: out.p }, { room: leg.room, p: leg.sip }, () =>
    leg.room.participants.get(agent.identity) === agent ? agent : undefined,
  );
  return undefined;
}

/** The agent joins within the caller's remaining ringing time, or not at all. */
async function joinAgentWithin(
  deps: LoopDeps,
  opts: LoopbackOptions,
  leg: InboundLeg,
  ringMs: number,
): Promise<ParticipantInfo | undefined> {
  const joinAfterMs = opts.agentJoinAfterMs ?? 30;
  if (joinAfterMs >= ringMs) {
    await deps.timers.sleep(ringMs);
    return undefined;
  }
  return joinAgent(deps, leg, { joinAfterMs, ...(opts.agentIdentity ? { identity: opts.agentIdentity } : {}) });
}

/** No answer within the ringing timeout: the outbound bridge leaves and the RPC fails as a no-answer. */
async function ringOut(
  deps: LoopDeps,
  out: { room: RoomState; p: ParticipantInfo; ringMs: number },
  inRoom: () => boolean,
  waitMs = out.ringMs,
): Promise<TwirpError> {
  await deps.timers.sleep(waitMs);
  if (inRoom()) await deps.rooms.leave(out.room, out.p.identity, DisconnectReason.USER_UNAVAILABLE);
  return new TwirpError('canceled', 'sip request timed out');
}
