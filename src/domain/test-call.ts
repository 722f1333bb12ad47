/**
 * Outbound test calls: what the user typed, and the verdict of a finished call. Pure; the
 * diagnosis of every failure comes from `diagnose()` (sip-diagnosis.ts).
 */
import { parseE164 } from './e164';
import type { LiveKitFailure } from './livekit-failure';
import { diagnose, sipReasonPhrase, type Diagnosis, type DiagnosisContext } from './sip-diagnosis';

/**
 * LiveKit waits at most 80 s for a call placed with waitUntilAnswered, the room join of livekit-sip
 * included (livekit/livekit `pkg/service/sip.go` CreateSIPParticipant). Ringing longer than what fits
 * in that, with a few seconds for the join, would end as "LiveKit did not answer in time".
 */
export const LIVEKIT_ANSWER_WAIT_CAP_SEC = 80;
export const TEST_CALL_TIMEOUT = { defaultSec: 45, minSec: 5, maxSec: 75 } as const;
/** Why the ringing timeout stops at maxSec (shown in the usage text). */
export const TEST_CALL_TIMEOUT_WHY = `LiveKit waits at most ${LIVEKIT_ANSWER_WAIT_CAP_SEC} s for an answer, joining the room included, so ${TEST_CALL_TIMEOUT.maxSec} s is the longest ringing that fits`;

export interface TestCallArgs {
  /** Binding name as typed, lower-cased. */
  binding: string;
  /** Destination in E.164. */
  number: string;
  timeoutSec: number;
}

export type ParsedTestCallArgs =
  | { ok: true; value: TestCallArgs }
  | { ok: false; problem: 'usage' | 'number' | 'timeout'; error: string; input?: string };

export const TEST_CALL_USAGE = '/sip-test-call <binding> <number> [timeout-seconds]';

const TIMEOUT_TOKEN = /^(?:timeout=)?(\d{1,4})s?$/i;

/** Slack may turn a typed number into `<tel:+1…|+1 …>`: keep the number. */
function unwrapSlackLinks(text: string): string {
  return text.replace(/<tel:([^|>]*)(?:\|[^>]*)?>/gi, '$1');
}

function checkTimeout(raw: string): { ok: true; sec: number } | { ok: false; error: string } {
  const m = TIMEOUT_TOKEN.exec(raw);
  const sec = m ? Number(m[1]) : NaN;
  const { minSec, maxSec } = TEST_CALL_TIMEOUT;
  if (!Number.isInteger(sec) || sec < minSec || sec > maxSec) {
    return {
      ok: false,
      error: `The ringing timeout must be a whole number of seconds from ${minSec} to ${maxSec} (default ${TEST_CALL_TIMEOUT.defaultSec}).`,
    };
  }
  return { ok: true, sec };
}

/**
 * `<binding> <number> [timeout]`. The number may contain spaces, dashes, dots and brackets
 * (`+1 (415) 555-0100`, `0044 20 7946 0958`); a last token of 1–4 digits (optionally `30s` or
 * `timeout=30`) is the timeout when the rest is a valid number without it.
 */
export function parseTestCallText(text: string): ParsedTestCallArgs {
  const tokens = unwrapSlackLinks(text)
    .trim()
    .split(/\s+/)
    .filter((t) => t.length > 0);
  if (tokens.length < 2) return { ok: false, problem: 'usage', error: `Usage: \`${TEST_CALL_USAGE}\`` };
  const binding = tokens[0]!.toLowerCase();
  const rest = tokens.slice(1);
  const last = rest[rest.length - 1]!;
  const explicitTimeout = /^timeout=|^\d{1,4}s$/i.test(last);
  const bareTimeout = /^\d{1,3}$/.test(last);
  if (rest.length >= 2 && (explicitTimeout || bareTimeout)) {
    const withoutLast = rest.slice(0, -1).join(' ');
    const num = parseE164(withoutLast);
    if (num.ok || explicitTimeout) {
      if (!num.ok) return { ok: false, problem: 'number', error: num.error, input: withoutLast };
      const t = checkTimeout(last);
      if (!t.ok) {
        const hint = explicitTimeout
          ? ''
          : ' If the last group of digits belongs to the number, write the number without spaces.';
        return { ok: false, problem: 'timeout', error: `${t.error}${hint}`, input: last };
      }
      return { ok: true, value: { binding, number: num.value, timeoutSec: t.sec } };
    }
  }
  const whole = rest.join(' ');
  const num = parseE164(whole);
  if (!num.ok) return { ok: false, problem: 'number', error: num.error, input: whole };
  return { ok: true, value: { binding, number: num.value, timeoutSec: TEST_CALL_TIMEOUT.defaultSec } };
}

export const TEST_CALL_OUTCOMES = ['answered', 'failed', 'no-answer'] as const;
export type TestCallOutcome = (typeof TEST_CALL_OUTCOMES)[number];

export interface TestCallVerdict {
  outcome: TestCallOutcome;
  /** 200 when answered; the final SIP status of a SIP failure; null when no SIP status came back. */
  sipStatus: number | null;
  /** Reason phrase for `sipStatus` ('' when none). */
  sipReason: string;
  /** One line: `answered`, `SIP 403 Forbidden`, `no answer within 45 s`, `LiveKit error: …`. */
  summary: string;
  /** The failure came from LiveKit itself (credentials, missing trunk, no SIP service), not from a SIP peer. */
  controlPlane: boolean;
  /** Dial → answer, when answered. */
  setupMs: number | null;
  /** Dial → hung up and cleaned up (or → failure). */
  totalMs: number;
  failure?: LiveKitFailure;
  diagnosis?: Diagnosis;
}

export interface VerdictTiming {
  setupMs?: number;
  totalMs: number;
}

export function answeredVerdict(t: VerdictTiming): TestCallVerdict {
  return {
    outcome: 'answered',
    sipStatus: 200,
    sipReason: 'OK',
    summary: 'answered',
    controlPlane: false,
    setupMs: t.setupMs ?? null,
    totalMs: t.totalMs,
  };
}

const CONTROL_PLANE_LABEL: Partial<Record<LiveKitFailure['kind'], string>> = {
  auth: 'LiveKit rejected SIP Ops',
  'not-found': 'LiveKit: trunk not found',
  'no-sip-service': 'LiveKit: no SIP service answered',
  unreachable: 'LiveKit unreachable',
  'request-timeout': 'LiveKit did not answer in time',
  unsupported: 'LiveKit does not support the request',
  'failed-precondition': 'LiveKit could not place the call',
  'invalid-argument': 'LiveKit rejected the request',
};

/** True when the ringing timeout was really "nothing came back at all" (a network problem, not the callee). */
function silentUpstream(message: string): boolean {
  return /transaction failed to complete \(0 intermediate responses?\)/i.test(message);
}

export function failedVerdict(
  failure: LiveKitFailure,
  opts: { timeoutSec: number; ctx: DiagnosisContext } & VerdictTiming,
): TestCallVerdict {
  const diagnosis = diagnose(failure, opts.ctx);
  const base = { setupMs: opts.setupMs ?? null, totalMs: opts.totalMs, failure, diagnosis };
  if (failure.kind === 'sip-status') {
    const reason = sipReasonPhrase(failure.sipStatus) || failure.reason.trim();
    return {
      ...base,
      outcome: 'failed',
      sipStatus: failure.sipStatus,
      sipReason: reason,
      summary: `SIP ${failure.sipStatus}${reason ? ` ${reason}` : ''}`,
      controlPlane: false,
    };
  }
  if (failure.kind === 'ringing-timeout') {
    const silent = silentUpstream(failure.message);
    return {
      ...base,
      outcome: silent ? 'failed' : 'no-answer',
      sipStatus: null,
      sipReason: '',
      summary: silent ? 'no response from Sinch' : `no answer within ${opts.timeoutSec} s`,
      controlPlane: false,
    };
  }
  const label = CONTROL_PLANE_LABEL[failure.kind] ?? 'LiveKit error';
  return {
    ...base,
    outcome: 'failed',
    sipStatus: null,
    sipReason: '',
    summary: `${label} (not a SIP response)`,
    controlPlane: true,
  };
}

/** `1.23 s` / `850 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** `sipops-test-<binding>-<suffix>`, within LiveKit's room-name rules. */
export function testRoomName(binding: string, suffix: string): string {
  const safe = binding
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 40);
  return `sipops-test-${safe}-${suffix}`;
}
