/**
 * One admitted loopback from dialing to the recorded verdict: the outbound leg to the binding's own DID,
 * its inbound leg followed through LiveKit's webhooks (claimed through `LoopbackClaims`), the agent and
 * the tracks; then both legs hung up and both rooms deleted (also on failure and on shutdown). The
 * verdict is `domain/loopback.ts`; the record is a `loopback` row in the calls table.
 */
import type { RespondFn } from '@slack/bolt';
import type { Binding } from '../../domain/binding';
import { describeFailure } from '../../domain/livekit-failure';
import {
  loopbackOutcome,
  loopbackVerdict,
  type LoopbackContext,
  type LoopbackObservation,
  type LoopbackVerdict,
} from '../../domain/loopback';
import { SHUTDOWN_BEFORE_DIALING, testCallDiagnosisContext } from '../../domain/test-call-record';
import { sleep } from '../../sleep';
import type { LoopbackClaims } from '../loopback-claims';
import { CallCleanup } from './cleanup';
import { LoopTracker } from './loop-tracker';
import {
  agentJoinedReply,
  inboundLegReply,
  loopbackCleanupReply,
  loopbackDialingMessage,
  loopbackDialReply,
  loopbackInternalErrorMessage,
  loopbackNoticeText,
  loopbackResultMessage,
} from './loopback-messages';
import { abortedNote, type CallPlan } from './messages';
import { placeCallRequest, type RunCallDeps } from './run-call';
import { CallThread } from './thread';

/**
 * Where EST sent a call that did not come back (its call record, the DID's number assignment), for the
 * verdict's causes. Optional: provided when the Sinch side is managed; `[]` when it knows nothing.
 */
export interface LoopbackEstEvidence {
  notRoutedBack(q: { binding: Binding; did: string; callerId: string; startedAt: Date }): Promise<string[]>;
}

export interface RunLoopbackDeps extends RunCallDeps {
  claims: LoopbackClaims;
  /** After the answer, how long to wait for every audio track (default 5 s). */
  tracksWaitMs: number;
  /** After an answer without an inbound leg, how long its webhook may still be under way (default 3 s). */
  inboundGraceMs: number;
  est?: LoopbackEstEvidence | undefined;
}

interface Loop {
  deps: RunLoopbackDeps;
  plan: CallPlan;
  thread: CallThread | undefined;
  signal: AbortSignal;
  outbound: CallCleanup;
  tracker: LoopTracker;
}

/** Runs one admitted loopback to the end; never throws. */
export async function runLoopback(
  deps: RunLoopbackDeps,
  plan: CallPlan,
  respond: RespondFn | undefined,
): Promise<void> {
  const log = deps.logger.child({ binding: plan.binding, room: plan.roomName, loopback: true });
  const slack = deps.notifier();
  const abort = new AbortController();
  const thread = slack ? new CallThread(slack, log, plan.channel, respond) : undefined;
  const placedAtMs = (): number => deps.now().getTime();
  const tracker = new LoopTracker(
    {
      callerId: plan.callerId,
      did: plan.number,
      placedAtMs: Number.MAX_SAFE_INTEGER,
      windowMs: (plan.timeoutSec + 30) * 1000,
    },
    plan.roomName,
    plan.identity,
    {
      onInbound: (leg, at) => thread?.reply(inboundLegReply(leg, at)),
      onAgent: (name, at) => thread?.reply(agentJoinedReply(name, at)),
    },
  );
  const loop: Loop = {
    deps,
    plan,
    thread,
    signal: abort.signal,
    // Deleting the outbound room hangs up its leg: one round trip instead of two.
    outbound: new CallCleanup(deps.livekit, plan, log, false),
    tracker,
  };
  const unwatch = deps.claims.watch(tracker);
  const unhook = deps.inflight.onAbort(async () => {
    log.warn('shutdown: ending the loopback early');
    abort.abort();
    await cleanUp(loop, true);
  });
  const startedAt = deps.now();
  try {
    await thread?.start(loopbackDialingMessage(plan), (err) => loopbackNoticeText(plan, err));
    await sleep(plan.delayMs, { signal: abort.signal });
    tracker.expectation.placedAtMs = placedAtMs();
    const obs = await dialAndFollow(loop);
    const problems = await cleanUp(loop, false);
    const verdict = loopbackVerdict(obs, await verdictContext(loop, startedAt));
    await report(loop, verdict, startedAt, problems);
  } catch (err) {
    log.error({ err }, 'loopback failed unexpectedly');
    await cleanUp(loop, false).catch(() => []);
    await thread?.finish(loopbackInternalErrorMessage(plan)).catch(() => undefined);
  } finally {
    unwatch();
    unhook();
  }
}

/** Place the outbound leg and follow the inbound one until the verdict can be given. */
async function dialAndFollow({ deps, plan, thread, signal, outbound, tracker }: Loop): Promise<LoopbackObservation> {
  const t0 = deps.now().getTime();
  const elapsed = (): number => deps.now().getTime() - t0;
  thread?.reply(loopbackDialReply(plan));
  const request = {
    ...placeCallRequest(plan),
    participantName: 'SIP Ops loopback',
    participantAttributes: { 'sipops.kind': 'loopback', 'sipops.binding': plan.binding, 'sipops.actor': plan.actor },
  };
  const result = signal.aborted
    ? ({ ok: false, failure: SHUTDOWN_BEFORE_DIALING } as const)
    : await deps.livekit.placeCall(request);
  const obs: LoopbackObservation = { tracks: tracker.tracks, totalMs: 0 };
  if (result.ok) {
    obs.answeredMs = elapsed();
    outbound.markPlaced();
    tracker.outboundCallIds.push(result.value.sipCallId);
    // The answer comes once the agent is in; its webhooks (and the tracks) may still be on their way.
    await tracker.until(() => tracker.inbound !== undefined, deps.inboundGraceMs, signal);
    const binding = await deps.repos.bindings.get(plan.binding);
    if (tracker.inbound)
      await tracker.until(() => tracker.tracksDone(Boolean(binding?.agentName)), deps.tracksWaitMs, signal);
  } else {
    obs.dialFailure = result.failure;
    // Unanswered until the timeout: the call may have come back in (no agent to answer it). livekit-server
    // queues webhooks and sends them asynchronously, so the inbound leg's can arrive after the RPC failed.
    if (result.failure.kind === 'ringing-timeout' || result.failure.kind === 'request-timeout')
      await tracker.until(() => tracker.inbound !== undefined, deps.inboundGraceMs, signal);
  }
  if (tracker.inbound)
    obs.inbound = { seenMs: Math.max(0, tracker.inbound.atMs - t0), room: tracker.inbound.room, ...legIds(tracker) };
  if (tracker.agentJoinedMs !== undefined) obs.agentJoinedMs = tracker.agentJoinedMs;
  obs.totalMs = elapsed();
  return obs;
}

function legIds(t: LoopTracker): { trunkId?: string; ruleId?: string; callId?: string; called?: string } {
  const l = t.inbound!;
  return {
    ...(l.trunkId ? { trunkId: l.trunkId } : {}),
    ...(l.ruleId ? { ruleId: l.ruleId } : {}),
    ...(l.callId ? { callId: l.callId } : {}),
    ...(l.trunkPhoneNumber ? { called: l.trunkPhoneNumber } : {}),
  };
}

/** Hang up both legs and delete both rooms; the inbound room only when it was made for this call (a fixed room may hold customers). */
async function cleanUp({ deps, plan, tracker, outbound }: Loop, again: boolean): Promise<string[]> {
  // Both legs at once: either one ending also ends the other (the bridge), so the order does not matter.
  const [ok, inbound] = await Promise.all([
    again ? outbound.again() : outbound.run(),
    cleanUpInbound(deps, plan, tracker),
  ]);
  return [...(ok ? [] : outbound.problems), ...inbound];
}

async function cleanUpInbound(deps: RunLoopbackDeps, plan: CallPlan, tracker: LoopTracker): Promise<string[]> {
  const leg = tracker.inbound;
  if (!leg) return [];
  const problems: string[] = [];
  const binding = await deps.repos.bindings.get(plan.binding);
  const fixedRoom = binding?.dispatch.kind === 'direct' && binding.dispatch.roomName === leg.room;
  if (fixedRoom) {
    // A fixed room may hold customers: only the leg is hung up.
    const hang = await deps.livekit.removeParticipant(leg.room, leg.identity);
    if (!hang.ok && hang.failure.kind !== 'not-found')
      problems.push(`hanging up the inbound leg failed (${describeFailure(hang.failure)})`);
  } else {
    // Deleting the room made for this call disconnects the leg (livekit-sip hangs it up) and the agent.
    const del = await deps.livekit.deleteRoom(leg.room);
    if (!del.ok && del.failure.kind !== 'not-found')
      problems.push(`deleting room ${leg.room} failed (${describeFailure(del.failure)})`);
  }
  return problems;
}

async function verdictContext({ deps, plan, tracker }: Loop, startedAt: Date): Promise<LoopbackContext> {
  const binding = await deps.repos.bindings.get(plan.binding);
  const diagnosis = testCallDiagnosisContext(binding, plan);
  const ctx: LoopbackContext = {
    binding: {
      name: plan.binding,
      trunkDomain: plan.trunkDomain,
      livekitSipHost: binding?.livekitSipHost ?? '',
      transport: binding?.transport ?? 'udp',
      ...(binding?.agentName ? { agentName: binding.agentName } : {}),
      ...(binding?.resources.inboundTrunkId ? { inboundTrunkId: binding.resources.inboundTrunkId } : {}),
      ...(binding?.resources.dispatchRuleId ? { dispatchRuleId: binding.resources.dispatchRuleId } : {}),
    },
    did: plan.number,
    callerId: plan.callerId,
    timeoutSec: plan.timeoutSec,
    diagnosis,
  };
  const leg = tracker.inbound;
  if (leg && binding) {
    const landed = await landedOn(deps, binding, leg);
    if (landed) ctx.landedOn = landed;
  }
  if (!leg && binding && deps.est) {
    ctx.estEvidence = await deps.est
      .notRoutedBack({ binding, did: plan.number, callerId: plan.callerId, startedAt })
      .catch(() => []);
  }
  return ctx;
}

/** Names of the trunk and rule the leg landed on, when they are not the binding's. */
async function landedOn(
  deps: RunLoopbackDeps,
  binding: Binding,
  leg: { trunkId?: string; ruleId?: string },
): Promise<LoopbackContext['landedOn']> {
  const out: NonNullable<LoopbackContext['landedOn']> = {};
  if (leg.trunkId && leg.trunkId !== binding.resources.inboundTrunkId) {
    const t = await deps.livekit.listInboundTrunks([leg.trunkId]);
    if (t.ok && t.value[0]) out.trunkName = t.value[0].name;
    const owner = (await deps.repos.bindings.list()).find((b) => b.resources.inboundTrunkId === leg.trunkId);
    if (owner) out.ownerBinding = owner.name;
  }
  if (leg.ruleId && leg.ruleId !== binding.resources.dispatchRuleId) {
    const r = await deps.livekit.listDispatchRules([leg.ruleId]);
    if (r.ok && r.value[0]) out.ruleName = r.value[0].name;
  }
  return out;
}

async function report(
  { deps, plan, thread, signal, tracker }: Loop,
  v: LoopbackVerdict,
  startedAt: Date,
  problems: string[],
): Promise<void> {
  const rooms = [plan.roomName, ...(tracker.inbound ? [tracker.inbound.room] : [])];
  thread?.reply(loopbackCleanupReply(rooms, problems));
  const notes = [
    ...(signal.aborted ? [abortedNote()] : []),
    ...(problems.length ? [loopbackCleanupReply(rooms, problems)] : []),
  ];
  const leg = tracker.inbound;
  deps.metrics.testCalls.inc({ kind: 'loopback', outcome: loopbackOutcome(v) });
  try {
    await deps.repos.calls.insert({
      id: plan.callId,
      direction: 'loopback',
      bindingName: plan.binding,
      roomName: plan.roomName,
      caller: plan.callerId,
      callee: plan.number,
      actor: plan.actor,
      startedAt: startedAt.toISOString(),
      answeredAt: v.timings.answerMs !== null ? new Date(startedAt.getTime() + v.timings.answerMs).toISOString() : null,
      endedAt: deps.now().toISOString(),
      agentJoined: tracker.agentJoinedMs !== undefined,
      outcome: loopbackOutcome(v),
      endReason: signal.aborted ? 'shutdown' : (v.failedStage ?? 'hung-up-by-sip-ops'),
      setupMs: v.timings.answerMs,
      durationMs: Math.round(v.timings.totalMs),
      slackChannel: thread?.posted?.channel ?? plan.channel,
      slackTs: thread?.posted?.ts ?? null,
      detail: {
        kind: 'loopback',
        summary: v.summary,
        ...(v.failedStage ? { failedStage: v.failedStage } : {}),
        timings: { ...v.timings },
        causes: v.causes,
        ...(leg
          ? {
              inbound: {
                room: leg.room,
                trunkId: leg.trunkId ?? null,
                ruleId: leg.ruleId ?? null,
                callId: leg.callId ?? null,
              },
            }
          : {}),
        ...(problems.length ? { cleanupProblems: problems } : {}),
      },
    });
  } catch (err) {
    deps.logger.error({ err }, 'could not record the loopback');
  }
  deps.logger.info({ binding: plan.binding, ok: v.ok, failedStage: v.failedStage, ...v.timings }, 'loopback finished');
  await thread?.finish(loopbackResultMessage(plan, v, notes));
}
