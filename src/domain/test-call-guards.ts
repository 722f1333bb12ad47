/**
 * Toll-fraud and rate guards for outbound test calls, as pure functions over an immutable
 * state with the clock passed in. The feature keeps one `GuardState` and replaces it with
 * what `admit` / `release` return; checking and reserving happen in one synchronous step.
 *
 * Order of checks: channel → user → destination → one call in flight per binding →
 * per-user window → per-binding window → EST trunk-domain spacing (Sinch allows 1 call per
 * second per trunk by default and answers 603 beyond it; several bindings may share a trunk
 * domain, so the spacing is per domain, not per binding).
 */

export interface WindowLimit {
  max: number;
  windowMs: number;
}

export interface RateLimits {
  /** Calls one user may start in a sliding window (admins included). */
  perUser: WindowLimit;
  /** Calls one binding may carry in a sliding window. */
  perBinding: WindowLimit;
  /** Minimum spacing between call starts through one EST trunk domain. */
  trunkDomainGapMs: number;
  /** A call may wait this long for its trunk-domain slot; beyond it the request is refused. */
  maxQueueMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  perUser: { max: 5, windowMs: 10 * 60_000 },
  perBinding: { max: 10, windowMs: 10 * 60_000 },
  trunkDomainGapMs: 1000,
  maxQueueMs: 3000,
};

export interface TestCallPolicy {
  /** Channels test calls may be started from (TEST_CALL_CHANNEL_IDS); empty = none. */
  channelIds: readonly string[];
  /** Users who may start test calls (TEST_CALL_USER_IDS); undefined = anyone in an allowed channel. */
  userIds?: readonly string[];
  /** Admins may always start test calls (still only in allowed channels). */
  adminUserIds: readonly string[];
  /** E.164 prefixes a destination must start with (TEST_CALL_ALLOWED_PREFIXES); empty = none. */
  allowedPrefixes: readonly string[];
  limits: RateLimits;
}

export type Refusal =
  | { code: 'channel'; allowedChannels: readonly string[] }
  | { code: 'user' }
  | { code: 'destination'; number: string; allowedPrefixes: readonly string[] }
  | { code: 'in-flight'; binding: string; user: string; number: string; sinceMs: number }
  | { code: 'user-rate'; max: number; windowMs: number; retryAfterMs: number }
  | { code: 'binding-rate'; binding: string; max: number; windowMs: number; retryAfterMs: number }
  | { code: 'trunk-rate'; trunkDomain: string; gapMs: number; retryAfterMs: number }
  | { code: 'shutting-down' };

export interface GuardAttempt {
  user: string;
  binding: string;
  trunkDomain: string;
  /** When the call was admitted (ms since epoch). */
  admittedAt: number;
  /** When the call may start dialing: its trunk-domain slot (ms since epoch). */
  startAt: number;
}

export interface InFlightCall {
  user: string;
  number: string;
  since: number;
}

export interface GuardState {
  /** Admitted calls still inside some window, oldest first. */
  readonly attempts: readonly GuardAttempt[];
  /** Binding name → the call it is carrying now. */
  readonly inFlight: ReadonlyMap<string, InFlightCall>;
}

export interface CallRequest {
  channelId: string;
  userId: string;
  binding: string;
  trunkDomain: string;
  /** Destination, already normalized to E.164. */
  number: string;
}

export type Admission =
  | { ok: true; state: GuardState; startAt: number; delayMs: number }
  | { ok: false; state: GuardState; refusal: Refusal };

export function emptyGuardState(): GuardState {
  return { attempts: [], inFlight: new Map() };
}

/** Trunk domains compare case-insensitively and without a trailing dot. */
export function trunkDomainKey(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

/** Channel and user: only in allowed channels; there, listed users (or anyone when no list), admins always. */
export function checkPermission(
  policy: TestCallPolicy,
  who: { channelId: string; userId: string },
): Refusal | undefined {
  if (!policy.channelIds.includes(who.channelId)) return { code: 'channel', allowedChannels: policy.channelIds };
  if (policy.adminUserIds.includes(who.userId)) return undefined;
  if (policy.userIds !== undefined && !policy.userIds.includes(who.userId)) return { code: 'user' };
  return undefined;
}

/** The destination (E.164) must start with one of the allowed prefixes; no prefixes = nothing may be dialed. */
export function checkDestination(number: string, allowedPrefixes: readonly string[]): Refusal | undefined {
  if (allowedPrefixes.some((p) => p.length > 1 && number.startsWith(p))) return undefined;
  return { code: 'destination', number, allowedPrefixes };
}

/** Drops attempts that no window or trunk slot needs any more. */
export function prune(state: GuardState, limits: RateLimits, nowMs: number): GuardState {
  const keep = Math.max(limits.perUser.windowMs, limits.perBinding.windowMs);
  const attempts = state.attempts.filter(
    (a) => nowMs - a.admittedAt < keep || a.startAt + limits.trunkDomainGapMs > nowMs,
  );
  return attempts.length === state.attempts.length ? state : { attempts, inFlight: state.inFlight };
}

/** When the oldest counted attempt leaves the window, i.e. when one more call would fit. */
function windowRetry(inWindow: readonly GuardAttempt[], limit: WindowLimit, nowMs: number): number {
  const oldestThatMustExpire = inWindow[inWindow.length - limit.max];
  return oldestThatMustExpire ? Math.max(0, oldestThatMustExpire.admittedAt + limit.windowMs - nowMs) : 0;
}

/** The earliest start for a new call through `trunkDomain`, honoring the spacing after every admitted call. */
export function nextTrunkSlot(state: GuardState, trunkDomain: string, limits: RateLimits, nowMs: number): number {
  const key = trunkDomainKey(trunkDomain);
  let slot = nowMs;
  for (const a of state.attempts) {
    if (a.trunkDomain === key) slot = Math.max(slot, a.startAt + limits.trunkDomainGapMs);
  }
  return slot;
}

/**
 * All checks for one request; on success the call is counted, its trunk-domain slot reserved
 * and the binding marked in flight (call `release` when the call is over).
 */
export function admit(state: GuardState, policy: TestCallPolicy, req: CallRequest, now: Date): Admission {
  const nowMs = now.getTime();
  const { limits } = policy;
  const s = prune(state, limits, nowMs);
  const refuse = (refusal: Refusal): Admission => ({ ok: false, state: s, refusal });

  const denied = checkPermission(policy, req) ?? checkDestination(req.number, policy.allowedPrefixes);
  if (denied) return refuse(denied);

  const busy = s.inFlight.get(req.binding);
  if (busy)
    return refuse({
      code: 'in-flight',
      binding: req.binding,
      user: busy.user,
      number: busy.number,
      sinceMs: busy.since,
    });

  const byUser = s.attempts.filter((a) => a.user === req.userId && nowMs - a.admittedAt < limits.perUser.windowMs);
  if (byUser.length >= limits.perUser.max) {
    return refuse({
      code: 'user-rate',
      max: limits.perUser.max,
      windowMs: limits.perUser.windowMs,
      retryAfterMs: windowRetry(byUser, limits.perUser, nowMs),
    });
  }
  const byBinding = s.attempts.filter(
    (a) => a.binding === req.binding && nowMs - a.admittedAt < limits.perBinding.windowMs,
  );
  if (byBinding.length >= limits.perBinding.max) {
    return refuse({
      code: 'binding-rate',
      binding: req.binding,
      max: limits.perBinding.max,
      windowMs: limits.perBinding.windowMs,
      retryAfterMs: windowRetry(byBinding, limits.perBinding, nowMs),
    });
  }

  const key = trunkDomainKey(req.trunkDomain);
  const startAt = nextTrunkSlot(s, key, limits, nowMs);
  const delayMs = startAt - nowMs;
  if (delayMs > limits.maxQueueMs) {
    return refuse({
      code: 'trunk-rate',
      trunkDomain: key,
      gapMs: limits.trunkDomainGapMs,
      retryAfterMs: delayMs - limits.maxQueueMs,
    });
  }

  const attempt: GuardAttempt = {
    user: req.userId,
    binding: req.binding,
    trunkDomain: key,
    admittedAt: nowMs,
    startAt,
  };
  const inFlight = new Map(s.inFlight);
  inFlight.set(req.binding, { user: req.userId, number: req.number, since: nowMs });
  return { ok: true, state: { attempts: [...s.attempts, attempt], inFlight }, startAt, delayMs };
}

/** The call through `binding` is over (answered, failed or aborted): the binding is free again. */
export function release(state: GuardState, binding: string): GuardState {
  if (!state.inFlight.has(binding)) return state;
  const inFlight = new Map(state.inFlight);
  inFlight.delete(binding);
  return { attempts: state.attempts, inFlight };
}
