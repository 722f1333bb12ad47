/**
 * What the trend chart and the calls export read from the store (issue 19): the call records and
 * the finished health runs of the last N calendar days in a time zone, shaped as the pure
 * `computeTrends` wants them. Stored run results are validated, not trusted: a run whose results
 * do not parse contributes nothing.
 */
import { z } from 'zod';
import { windowDates, type TrendCall, type TrendHealthRun } from '../domain/trends';
import type { CallRecord, CallsRepo } from './calls-repo';
import type { HealthRunsRepo } from './health-runs-repo';

/** The widest UTC offset of any zone (UTC−12 … UTC+14): the query starts this much before local midnight. */
const MAX_ZONE_OFFSET_MS = 14 * 3_600_000;

export interface TrendWindow {
  now: Date;
  days: number;
  timeZone: string;
  /** Only this binding. */
  bindingName?: string;
}

export interface TrendInputs {
  calls: TrendCall[];
  runs: TrendHealthRun[];
}

const storedRun = z.object({
  bindings: z.array(z.object({ name: z.string(), status: z.enum(['pass', 'warn', 'fail']) })),
});

/** The earliest instant the window can contain, as ISO (the pure core drops what falls outside). */
export function windowStartIso(w: Pick<TrendWindow, 'now' | 'days' | 'timeZone'>): string {
  const first = windowDates(w.now, w.days, w.timeZone)[0] ?? w.now.toISOString().slice(0, 10);
  return new Date(Date.parse(`${first}T00:00:00Z`) - MAX_ZONE_OFFSET_MS).toISOString();
}

/** Call records of the window, oldest first (all kinds: inbound, test, loopback once it exists). */
export function callsInWindow(calls: CallsRepo, w: TrendWindow): Promise<CallRecord[]> {
  return calls.listSince(windowStartIso(w), w.bindingName ? { bindingName: w.bindingName } : {});
}

export async function readTrendInputs(
  repos: { calls: CallsRepo; healthRuns: HealthRunsRepo },
  w: TrendWindow,
): Promise<TrendInputs> {
  const [calls, rows] = await Promise.all([
    callsInWindow(repos.calls, w),
    repos.healthRuns.finishedSince(windowStartIso(w)),
  ]);
  const runs: TrendHealthRun[] = [];
  for (const row of rows) {
    const parsed = storedRun.safeParse(row.results);
    if (!row.finishedAt || !parsed.success) continue;
    const bindings = w.bindingName
      ? parsed.data.bindings.filter((b) => b.name === w.bindingName)
      : parsed.data.bindings;
    if (bindings.length) runs.push({ finishedAt: row.finishedAt, bindings });
  }
  return { calls, runs };
}
