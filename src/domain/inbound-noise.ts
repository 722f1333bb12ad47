/**
 * Noise: monitoring or health-check traffic that dials a DID over and over and hangs up at once.
 * Such calls are short, nobody (no agent, no person) joins and no media flows. Once a caller has
 * placed `minCalls - 1` of them within `windowMs`, its next calls are held back; a held call that
 * ends short is folded into one periodic note per channel instead of getting a thread of its own,
 * and a held call that turns out to be real (long, answered, an agent joins) gets its thread late.
 */

export interface NoisePolicy {
  /** A call shorter than this (ms), without agent or media, is a "short call". */
  shortCallMs: number;
  /** This many short calls from one caller within the window make it noise. */
  minCalls: number;
  windowMs: number;
}

export const DEFAULT_NOISE_POLICY: NoisePolicy = { shortCallMs: 5_000, minCalls: 3, windowMs: 10 * 60_000 };

export interface CallOutline {
  durationMs?: number;
  agentJoined: boolean;
  /** Anyone other than the caller joined (agent or person). */
  someoneJoined?: boolean;
  media: boolean;
}

export function isShortCall(c: CallOutline, policy: NoisePolicy = DEFAULT_NOISE_POLICY): boolean {
  return (
    c.durationMs !== undefined && c.durationMs < policy.shortCallMs && !c.agentJoined && !c.someoneJoined && !c.media
  );
}

/** Per caller key: end times of its recent short calls, oldest first. */
export interface NoiseState {
  shortCalls: Record<string, number[]>;
}

export function emptyNoiseState(): NoiseState {
  return { shortCalls: {} };
}

function recent(times: readonly number[] | undefined, at: number, policy: NoisePolicy): number[] {
  return (times ?? []).filter((t) => t > at - policy.windowMs && t <= at);
}

/** Records an ended call; only short calls count. Entries older than the window are dropped. */
export function recordCallEnd(
  state: NoiseState,
  callerKey: string,
  call: CallOutline & { endedAt: number },
  policy: NoisePolicy = DEFAULT_NOISE_POLICY,
): NoiseState {
  if (!isShortCall(call, policy)) return state;
  const times = [
    ...(state.shortCalls[callerKey] ?? []).filter((t) => t > call.endedAt - policy.windowMs),
    call.endedAt,
  ].sort((a, b) => a - b);
  return { shortCalls: { ...state.shortCalls, [callerKey]: times } };
}

/** How many short calls the caller placed within the window before `at`. */
export function shortCallCount(
  state: NoiseState,
  callerKey: string,
  at: number,
  policy: NoisePolicy = DEFAULT_NOISE_POLICY,
): number {
  return recent(state.shortCalls[callerKey], at, policy).length;
}

/** Whether a call from this caller starting at `at` should be held back as probable noise. */
export function shouldHold(
  state: NoiseState,
  callerKey: string,
  at: number,
  policy: NoisePolicy = DEFAULT_NOISE_POLICY,
): boolean {
  return shortCallCount(state, callerKey, at, policy) >= Math.max(1, policy.minCalls - 1);
}

/** Drops callers without short calls in the window (bounded memory). */
export function pruneNoiseState(state: NoiseState, at: number, policy: NoisePolicy = DEFAULT_NOISE_POLICY): NoiseState {
  const shortCalls: Record<string, number[]> = {};
  for (const [k, times] of Object.entries(state.shortCalls)) {
    const keep = times.filter((t) => t > at - policy.windowMs);
    if (keep.length) shortCalls[k] = keep;
  }
  return { shortCalls };
}

// ------------------------------------------------------------------ the periodic note

export interface FoldedCall {
  callerKey: string;
  /** What to show for the caller (number, or identity when the number is hidden). */
  caller: string;
  did?: string;
  at: number;
  durationMs?: number;
}

export interface NoiseNoteEntry {
  callerKey: string;
  caller: string;
  dids: string[];
  count: number;
  firstAt: number;
  lastAt: number;
  maxDurationMs: number;
}

export interface NoiseNote {
  startedAt: number;
  endsAt: number;
  total: number;
  entries: NoiseNoteEntry[];
}

/**
 * Adds a folded call to the channel's current note. `fresh` says a new note starts (none yet, or
 * the period of the last one is over): post a new message; otherwise update the existing one.
 */
export function foldIntoNote(
  note: NoiseNote | undefined,
  call: FoldedCall,
  periodMs: number,
): { note: NoiseNote; fresh: boolean } {
  const fresh = !note || call.at >= note.endsAt;
  const base: NoiseNote = fresh ? { startedAt: call.at, endsAt: call.at + periodMs, total: 0, entries: [] } : note!;
  const entries = base.entries.map((e) => ({ ...e, dids: [...e.dids] }));
  let entry = entries.find((e) => e.callerKey === call.callerKey);
  if (!entry) {
    entry = {
      callerKey: call.callerKey,
      caller: call.caller,
      dids: [],
      count: 0,
      firstAt: call.at,
      lastAt: call.at,
      maxDurationMs: 0,
    };
    entries.push(entry);
  }
  entry.count += 1;
  entry.firstAt = Math.min(entry.firstAt, call.at);
  entry.lastAt = Math.max(entry.lastAt, call.at);
  entry.maxDurationMs = Math.max(entry.maxDurationMs, call.durationMs ?? 0);
  if (call.did && !entry.dids.includes(call.did)) entry.dids.push(call.did);
  return { note: { ...base, total: base.total + 1, entries }, fresh };
}
