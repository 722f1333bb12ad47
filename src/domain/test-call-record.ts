/**
 * What one finished test call leaves behind: its verdict and the row for the calls table
 * (direction `test`). Pure; the feature measures the call and hands the facts in.
 */
import type { Binding } from './binding';
import type { LiveKitFailure } from './livekit-failure';
import type { DiagnosisContext } from './sip-diagnosis';
import { answeredVerdict, failedVerdict, type TestCallVerdict } from './test-call';

/** The failure reported when shutdown began before the call was dialed. */
export const SHUTDOWN_BEFORE_DIALING: LiveKitFailure = {
  kind: 'server',
  message: 'SIP Ops was shutting down before dialing',
};

/** The admitted call as the record needs it (a subset of the feature's call plan). */
export interface TestCallTarget {
  binding: string;
  number: string;
  timeoutSec: number;
  actor: string;
  channel: string;
  callerId: string;
  trunkDomain: string;
  roomName: string;
}

type DiagnosedBinding = Pick<Binding, 'name' | 'trunkDomain' | 'transport' | 'callerId' | 'livekitSipHost'>;

/** The context a failure is diagnosed in: the stored binding, or what the plan knows when it is gone. */
export function testCallDiagnosisContext(
  binding: DiagnosedBinding | undefined,
  target: TestCallTarget,
): DiagnosisContext {
  const b = binding ?? {
    name: target.binding,
    trunkDomain: target.trunkDomain,
    transport: 'udp',
    callerId: target.callerId,
    livekitSipHost: '',
  };
  return {
    bindingName: b.name,
    trunkDomain: b.trunkDomain,
    transport: b.transport,
    callerId: b.callerId,
    livekitSipHost: b.livekitSipHost,
  };
}

/** How the call attempt ended, as measured by the feature. */
export type CallAttempt =
  { answered: true; setupMs: number; totalMs: number } | { answered: false; failure: LiveKitFailure; totalMs: number };

export function testCallVerdict(
  attempt: CallAttempt,
  opts: { timeoutSec: number; ctx: DiagnosisContext },
): TestCallVerdict {
  if (attempt.answered) return answeredVerdict({ setupMs: attempt.setupMs, totalMs: attempt.totalMs });
  return failedVerdict(attempt.failure, { timeoutSec: opts.timeoutSec, ctx: opts.ctx, totalMs: attempt.totalMs });
}

export interface TestCallFacts {
  id: string;
  target: TestCallTarget;
  verdict: TestCallVerdict;
  startedAt: Date;
  answeredAt?: Date | undefined;
  endedAt: Date;
  /** Shutdown ended the call early. */
  aborted: boolean;
  /** The thread's parent message, when the bot could post in the channel. */
  posted?: { channel: string; ts: string } | undefined;
  /** The Slack error that made the thread fall back to response_url. */
  slackFallback?: string | undefined;
  cleanupProblems: string[];
}

/** A row of the calls table; the same shape the calls repository stores. */
export interface TestCallRecord {
  id: string;
  direction: 'test';
  bindingName: string;
  roomName: string;
  caller: string;
  callee: string;
  actor: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  sipStatus: number | null;
  outcome: string;
  endReason: string;
  setupMs: number | null;
  durationMs: number;
  slackChannel: string;
  slackTs: string | null;
  detail: Record<string, unknown>;
}

export function testCallEndReason(verdict: TestCallVerdict, aborted: boolean): string {
  if (aborted) return 'shutdown';
  return verdict.outcome === 'answered' ? 'hung-up-by-sip-ops' : verdict.summary;
}

export function testCallRecord(f: TestCallFacts): TestCallRecord {
  const { target, verdict, cleanupProblems } = f;
  return {
    id: f.id,
    direction: 'test',
    bindingName: target.binding,
    roomName: target.roomName,
    caller: target.callerId,
    callee: target.number,
    actor: target.actor,
    startedAt: f.startedAt.toISOString(),
    answeredAt: f.answeredAt ? f.answeredAt.toISOString() : null,
    endedAt: f.endedAt.toISOString(),
    sipStatus: verdict.sipStatus,
    outcome: verdict.outcome,
    endReason: testCallEndReason(verdict, f.aborted),
    setupMs: verdict.setupMs === null ? null : Math.round(verdict.setupMs),
    durationMs: Math.round(verdict.totalMs),
    slackChannel: f.posted?.channel ?? target.channel,
    slackTs: f.posted?.ts ?? null,
    detail: {
      summary: verdict.summary,
      timeoutSec: target.timeoutSec,
      controlPlane: verdict.controlPlane,
      ...(verdict.diagnosis ? { diagnosis: verdict.diagnosis.headline, severity: verdict.diagnosis.severity } : {}),
      ...(verdict.failure ? { failureKind: verdict.failure.kind, failure: verdict.failure.message } : {}),
      ...(f.slackFallback ? { slackFallback: f.slackFallback } : {}),
      ...(cleanupProblems.length ? { cleanupProblems } : {}),
    },
  };
}
