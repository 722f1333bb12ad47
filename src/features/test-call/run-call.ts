/**
 * One admitted test call from dialing to the recorded verdict. The call always ends with the
 * participant removed and the room deleted, also on failure and on shutdown (`inflight.onAbort`);
 * every call is recorded in the calls table (direction `test`).
 */
import type { RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import { estCallNote } from '../../domain/est-call-record';
import type { TestCallVerdict } from '../../domain/test-call';
import {
  SHUTDOWN_BEFORE_DIALING,
  testCallDiagnosisContext,
  testCallRecord,
  testCallVerdict,
} from '../../domain/test-call-record';
import type { PlaceCallInput } from '../../livekit/gateway';
import { findEstCallRecord } from '../../sinch/call-lookup';
import type { PacedNotifier } from '../../slack/paced-notifier';
import { sleep } from '../../sleep';
import type { AppDeps } from '../feature';
import { CallCleanup } from './cleanup';
import {
  abortedNote,
  answeredReply,
  cleanupReply,
  dialingMessage,
  dialingReply,
  failedReply,
  fallbackNoticeText,
  hungUpReply,
  internalErrorMessage,
  resultMessage,
  type CallPlan,
} from './messages';
import { CallThread } from './thread';

export interface RunCallDeps extends Pick<AppDeps, 'repos' | 'livekit' | 'inflight' | 'now' | 'sinch' | 'metrics'> {
  logger: Logger;
  /** The app's paced notifier once the feature is registered. */
  notifier: () => PacedNotifier | undefined;
}

/** One call in progress: what every phase needs. */
interface Call {
  deps: RunCallDeps;
  plan: CallPlan;
  log: Logger;
  thread: CallThread | undefined;
  cleanup: CallCleanup;
  signal: AbortSignal;
}

/** What dialing and holding produced. */
interface Dialed {
  verdict: TestCallVerdict;
  startedAt: Date;
  answeredAt?: Date;
}

/** The LiveKit request for the call. */
export function placeCallRequest(plan: CallPlan): PlaceCallInput {
  return {
    outboundTrunkId: plan.outboundTrunkId,
    to: plan.number,
    from: plan.callerId,
    roomName: plan.roomName,
    participantIdentity: plan.identity,
    participantName: 'SIP Ops test call',
    ringingTimeoutSec: plan.timeoutSec,
    // LiveKit ends the call by itself even if SIP Ops dies while holding it.
    maxCallDurationSec: Math.ceil(plan.holdMs / 1000) + 30,
    waitUntilAnswered: true,
    participantAttributes: { 'sipops.kind': 'test-call', 'sipops.binding': plan.binding, 'sipops.actor': plan.actor },
  };
}

/** Runs one admitted call to the end; never throws. */
export async function runCall(deps: RunCallDeps, plan: CallPlan, respond: RespondFn | undefined): Promise<void> {
  const log = deps.logger.child({ binding: plan.binding, room: plan.roomName });
  const slack = deps.notifier();
  const abort = new AbortController();
  const cleanup = new CallCleanup(deps.livekit, plan, log);
  const unhook = deps.inflight.onAbort(async () => {
    log.warn('shutdown: ending the test call early');
    abort.abort();
    await cleanup.again();
  });
  const thread = slack ? new CallThread(slack, log, plan.channel, respond) : undefined;
  const call: Call = { deps, plan, log, thread, cleanup, signal: abort.signal };
  try {
    await thread?.start(dialingMessage(plan), (err) => fallbackNoticeText(plan, err));
    await sleep(plan.delayMs, { signal: abort.signal });
    await report(call, await dialAndHold(call));
  } catch (err) {
    log.error({ err }, 'test call failed unexpectedly');
    await cleanup.run().catch(() => false);
    await thread?.finish(internalErrorMessage(plan)).catch(() => undefined);
  } finally {
    unhook();
  }
}

/** Dial, hold an answered call for `holdMs`, then clean up; the thread gets each milestone. */
async function dialAndHold({ deps, plan, thread, cleanup, signal }: Call): Promise<Dialed> {
  const binding = await deps.repos.bindings.get(plan.binding);
  const ctx = testCallDiagnosisContext(binding, plan);
  const startedAt = deps.now();
  const t0 = performance.now();
  thread?.reply(dialingReply(plan));
  const result = signal.aborted
    ? ({ ok: false, failure: SHUTDOWN_BEFORE_DIALING } as const)
    : await deps.livekit.placeCall(placeCallRequest(plan));
  if (!result.ok) {
    const verdict = testCallVerdict(
      { answered: false, failure: result.failure, totalMs: performance.now() - t0 },
      { timeoutSec: plan.timeoutSec, ctx },
    );
    thread?.reply(failedReply(verdict));
    await cleanup.run();
    return { verdict, startedAt };
  }
  cleanup.markPlaced();
  const answeredAt = deps.now();
  const setupMs = performance.now() - t0;
  thread?.reply(answeredReply(plan, setupMs));
  const holdStart = performance.now();
  await sleep(plan.holdMs, { signal });
  const heldMs = performance.now() - holdStart;
  const ok = await cleanup.run();
  const verdict = testCallVerdict(
    { answered: true, setupMs, totalMs: performance.now() - t0 },
    { timeoutSec: plan.timeoutSec, ctx },
  );
  thread?.reply(hungUpReply(plan, heldMs, ok));
  return { verdict, startedAt, answeredAt };
}

/** What EST saw of the call (issue 16 point 6), when a Sinch access key is set; bounded wait, never throws. */
async function estNote(deps: RunCallDeps, plan: CallPlan, dialed: Dialed, log: Logger): Promise<string | undefined> {
  if (!deps.sinch) return undefined;
  try {
    const after = new Date(dialed.startedAt.getTime() - 5000);
    const before = new Date(deps.now().getTime() + 5000);
    const rec = await findEstCallRecord(
      deps.sinch,
      { to: plan.number, from: plan.callerId, after, before },
      { polls: 3, intervalMs: 1000, sleep: (ms) => sleep(ms) },
    );
    return estCallNote(rec);
  } catch (err) {
    log.warn({ err }, 'could not read EST call history for the test call');
    return `Could not read EST's call history: ${(err as Error).message}`;
  }
}

/** Cleanup problems in the thread, the call record, and the verdict on the parent message. */
async function report({ deps, plan, log, thread, cleanup, signal }: Call, dialed: Dialed): Promise<void> {
  const { verdict } = dialed;
  deps.metrics.testCalls.inc({ kind: 'test', outcome: verdict.outcome });
  const problems = cleanup.problems;
  if (problems.length) thread?.reply(cleanupReply(plan, problems));
  const aborted = signal.aborted;
  const notes: string[] = [];
  if (aborted) notes.push(abortedNote());
  if (problems.length) notes.push(cleanupReply(plan, problems));
  const est = await estNote(deps, plan, dialed, log);
  if (est) notes.push(est);
  const record = testCallRecord({
    id: plan.callId,
    target: plan,
    ...dialed,
    endedAt: deps.now(),
    aborted,
    posted: thread?.posted,
    slackFallback: thread?.fallback,
    cleanupProblems: problems,
  });
  try {
    await deps.repos.calls.insert(record);
  } catch (err) {
    log.error({ err }, 'could not record the test call');
  }
  log.info(
    { outcome: verdict.outcome, sipStatus: verdict.sipStatus, setupMs: verdict.setupMs, totalMs: verdict.totalMs },
    'test call finished',
  );
  await thread?.finish(resultMessage(plan, verdict, notes));
}
