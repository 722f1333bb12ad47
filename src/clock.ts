/**
 * The app's one clock: the time and timers. Production uses `systemClock`; tests inject a fake one
 * (test/support/fake-clock.ts) to move time on without waiting.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** A timer that does not keep the process alive. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** `clock` with its time read from `now` (tests that move the wall clock but keep real timers). */
export function clockWithTime(now: () => Date, timers: Clock = systemClock): Clock {
  return { now: () => now().getTime(), setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout };
}
