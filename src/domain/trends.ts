/**
 * Per-binding daily trends from call records and health runs (issue 19): pure, no I/O.
 *
 * Days are calendar days in the summary time zone; the window is the last `days` days ending with
 * the day that contains `now`. Bindings are ordered worst first (see `badness`); at most
 * `maxBindings` are kept and `omitted` counts the rest.
 */

export type HealthStatus = 'pass' | 'warn' | 'fail';

/** The fields of a call record the trends need (`CallRecord` from the store fits). */
export interface TrendCall {
  /** `inbound`, `test`, or `loopback` once that kind exists; other kinds are ignored. */
  direction: string;
  bindingName: string | null;
  startedAt: string;
  agentJoined: boolean;
  /** Inbound: ms from the caller joining to the first agent joining. */
  setupMs: number | null;
  outcome: string;
}

/** A finished health run: when it finished and each binding's status. */
export interface TrendHealthRun {
  finishedAt: string;
  bindings: { name: string; status: HealthStatus }[];
}

export interface TrendOptions {
  now: Date;
  days: number;
  timeZone: string;
  /** Keep at most this many bindings (worst first). */
  maxBindings: number;
  /** Bindings to show even without records (e.g. every configured binding). */
  bindingNames?: readonly string[];
}

export interface DayTrend {
  /** YYYY-MM-DD in the time zone. */
  date: string;
  inbound: number;
  reachedAgent: number;
  /** reachedAgent / inbound, null without inbound calls. */
  agentShare: number | null;
  medianToAgentMs: number | null;
  p95ToAgentMs: number | null;
  /** Test calls and loopbacks. */
  tests: number;
  testsPassed: number;
  testPassRate: number | null;
  /** Worst status of the day's health runs, null without a run. */
  health: HealthStatus | null;
}

export interface BindingTrend {
  name: string;
  days: DayTrend[];
  /** Higher is worse: missed inbound calls + failed tests + 2 × failed health days + warn days. */
  badness: number;
}

export interface Trends {
  timeZone: string;
  /** The window's days, oldest first. */
  dates: string[];
  bindings: BindingTrend[];
  /** Bindings left out by `maxBindings`. */
  omitted: number;
}

/** Outcomes of inbound records that are not calls people care about (scanners folded as noise). */
const IGNORED_INBOUND = new Set(['noise', 'unbound']);
const TEST_KINDS = new Set(['test', 'loopback']);
const DAY_MS = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();

/** Building a DateTimeFormat is slow (a 50 × 30 window has thousands of records): one per zone. */
function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f)
    formats.set(
      timeZone,
      (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })),
    );
  return f;
}

/** The calendar date (YYYY-MM-DD) of `at` in `timeZone`. */
export function localDate(at: Date, timeZone: string): string {
  const parts = dayFormat(timeZone).formatToParts(at);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The `days` calendar dates ending with the one containing `now`, oldest first (DST-safe). */
export function windowDates(now: Date, days: number, timeZone: string): string[] {
  const [y, m, d] = localDate(now, timeZone).split('-').map(Number) as [number, number, number];
  const last = Date.UTC(y, m - 1, d);
  return Array.from({ length: Math.max(0, days) }, (_, i) =>
    new Date(last - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10),
  );
}

/** Nearest-rank percentile (p in 0..100) of an unsorted list; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

interface DayAcc {
  inbound: number;
  reached: number;
  toAgent: number[];
  tests: number;
  passed: number;
  health: HealthStatus | null;
}

const HEALTH_RANK: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };

function worse(a: HealthStatus | null, b: HealthStatus): HealthStatus {
  return a === null || HEALTH_RANK[b] > HEALTH_RANK[a] ? b : a;
}

function emptyDay(): DayAcc {
  return { inbound: 0, reached: 0, toAgent: [], tests: 0, passed: 0, health: null };
}

function addCall(acc: DayAcc, c: TrendCall): void {
  if (c.direction === 'inbound') {
    if (IGNORED_INBOUND.has(c.outcome)) return;
    acc.inbound++;
    if (c.agentJoined) {
      acc.reached++;
      if (c.setupMs !== null && Number.isFinite(c.setupMs) && c.setupMs >= 0) acc.toAgent.push(c.setupMs);
    }
  } else if (TEST_KINDS.has(c.direction)) {
    acc.tests++;
    if (c.outcome === 'answered' || c.outcome === 'pass') acc.passed++;
  }
}

function finishDay(date: string, a: DayAcc): DayTrend {
  return {
    date,
    inbound: a.inbound,
    reachedAgent: a.reached,
    agentShare: a.inbound ? a.reached / a.inbound : null,
    medianToAgentMs: percentile(a.toAgent, 50),
    p95ToAgentMs: percentile(a.toAgent, 95),
    tests: a.tests,
    testsPassed: a.passed,
    testPassRate: a.tests ? a.passed / a.tests : null,
    health: a.health,
  };
}

function badness(days: readonly DayTrend[]): number {
  let score = 0;
  for (const d of days) {
    score += d.inbound - d.reachedAgent + (d.tests - d.testsPassed);
    if (d.health === 'fail') score += 2;
    else if (d.health === 'warn') score += 1;
  }
  return score;
}

/** Per binding per day trends for the window, worst bindings first. */
export function computeTrends(
  calls: readonly TrendCall[],
  runs: readonly TrendHealthRun[],
  opts: TrendOptions,
): Trends {
  const dates = windowDates(opts.now, opts.days, opts.timeZone);
  const inWindow = new Set(dates);
  const acc = new Map<string, Map<string, DayAcc>>();
  const slot = (binding: string, date: string): DayAcc => {
    let perDay = acc.get(binding);
    if (!perDay) acc.set(binding, (perDay = new Map()));
    let day = perDay.get(date);
    if (!day) perDay.set(date, (day = emptyDay()));
    return day;
  };
  for (const name of opts.bindingNames ?? []) acc.set(name, acc.get(name) ?? new Map());
  for (const c of calls) {
    if (!c.bindingName) continue;
    const at = new Date(c.startedAt);
    if (Number.isNaN(at.getTime())) continue;
    const date = localDate(at, opts.timeZone);
    if (inWindow.has(date)) addCall(slot(c.bindingName, date), c);
  }
  for (const r of runs) {
    const at = new Date(r.finishedAt);
    if (Number.isNaN(at.getTime())) continue;
    const date = localDate(at, opts.timeZone);
    if (!inWindow.has(date)) continue;
    for (const b of r.bindings) {
      const day = slot(b.name, date);
      day.health = worse(day.health, b.status);
    }
  }
  const all: BindingTrend[] = [...acc].map(([name, perDay]) => {
    const days = dates.map((d) => finishDay(d, perDay.get(d) ?? emptyDay()));
    return { name, days, badness: badness(days) };
  });
  all.sort((a, b) => b.badness - a.badness || a.name.localeCompare(b.name));
  const keep = Math.max(0, opts.maxBindings);
  return { timeZone: opts.timeZone, dates, bindings: all.slice(0, keep), omitted: Math.max(0, all.length - keep) };
}
