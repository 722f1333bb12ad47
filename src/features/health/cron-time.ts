/**
 * Cron fire times without timers, for the make-up run at start: "did the schedule fire between
 * the last run and now?" Pure apart from node-cron's parser (field expansion) and Intl (time
 * zones). Same matching rules as node-cron: month, day of month and day of week must all match.
 */
import { parse } from 'node-cron';

type Field = Array<number | string>;

interface Fields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  days: Field;
  months: number[];
  weekdays: Field;
}

interface LocalParts {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 86_400_000;
/** Look back at most this far (a schedule that fires less than yearly is not made up). */
export const MAX_LOOKBACK_DAYS = 400;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of `ms` in `timeZone`. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year ?? 1970,
    month: out.month ?? 1,
    day: out.day ?? 1,
    hour: (out.hour ?? 0) % 24,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

function asUtc(p: LocalParts): number {
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

function sameWallClock(a: LocalParts, b: LocalParts): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    a.second === b.second
  );
}

/** The instant showing wall clock `p` in `timeZone`, or undefined when it does not exist (DST gap). */
export function instantOf(p: LocalParts, timeZone: string): number | undefined {
  const guess = asUtc(p);
  const offset1 = asUtc(localParts(guess, timeZone)) - guess;
  const first = guess - offset1;
  if (sameWallClock(localParts(first, timeZone), p)) return first;
  const offset2 = asUtc(localParts(first, timeZone)) - first;
  const second = guess - offset2;
  return sameWallClock(localParts(second, timeZone), p) ? second : undefined;
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function nearestWeekday(year: number, month: number, target: number): number {
  const last = lastDayOfMonth(year, month);
  const t = Math.min(target, last);
  const wd = weekdayOf(year, month, t);
  if (wd === 6) return t === 1 ? t + 2 : t - 1;
  if (wd === 0) return t === last ? t - 2 : t + 1;
  return t;
}

function dayOfMonthMatches(field: Field, year: number, month: number, day: number): boolean {
  const last = lastDayOfMonth(year, month);
  for (const v of field) {
    if (v === day) return true;
    if (typeof v !== 'string') continue;
    if (v === 'L' && day === last) return true;
    const w = /^(\d+|L)W$/i.exec(v);
    if (w && nearestWeekday(year, month, w[1]!.toUpperCase() === 'L' ? last : Number(w[1])) === day) return true;
    const off = /^L-(\d+)$/i.exec(v);
    if (off && last - Number(off[1]) === day) return true;
  }
  return false;
}

function dayOfWeekMatches(field: Field, year: number, month: number, day: number): boolean {
  const wd = weekdayOf(year, month, day);
  for (const v of field) {
    if (v === wd) return true;
    if (typeof v !== 'string') continue;
    const nth = /^([0-7])#([1-5])$/.exec(v);
    if (nth && Number(nth[1]) % 7 === wd && Math.floor((day - 1) / 7) + 1 === Number(nth[2])) return true;
    const lastOf = /^([0-7])L$/i.exec(v);
    if (lastOf && Number(lastOf[1]) % 7 === wd && day + 7 > lastDayOfMonth(year, month)) return true;
  }
  return false;
}

function fieldsOf(pattern: string): Fields {
  const f = parse(pattern);
  const nums = (xs: Field): number[] => xs.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  return {
    seconds: nums(f.second),
    minutes: nums(f.minute),
    hours: nums(f.hour),
    days: f.dayOfMonth,
    months: nums(f.month),
    weekdays: f.dayOfWeek.map((d) => (d === 7 ? 0 : d)),
  };
}

function nextDay(p: { year: number; month: number; day: number }): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The first fire time of `pattern` (node-cron syntax, 5 or 6 fields) in `timeZone` that is
 * after `after` and not after `until`; undefined when there is none (or the pattern is invalid).
 * Looks back at most `MAX_LOOKBACK_DAYS` from `until`.
 */
export function firstFireBetween(pattern: string, timeZone: string, after: Date, until: Date): Date | undefined {
  let fields: Fields;
  try {
    fields = fieldsOf(pattern);
  } catch {
    return undefined;
  }
  const endMs = until.getTime();
  const startMs = Math.max(after.getTime(), endMs - MAX_LOOKBACK_DAYS * DAY_MS);
  if (!(startMs < endMs)) return undefined;
  const first = localParts(startMs, timeZone);
  const last = localParts(endMs, timeZone);
  const lastKey = last.year * 10_000 + last.month * 100 + last.day;
  // Walk local calendar days in order, from the day before the first one (in case of offset changes).
  let day = nextDay({ year: first.year, month: first.month, day: first.day - 2 });
  for (let i = 0; i < MAX_LOOKBACK_DAYS + 3; i++) {
    const key = day.year * 10_000 + day.month * 100 + day.day;
    if (key > lastKey) break;
    if (
      fields.months.includes(day.month) &&
      dayOfMonthMatches(fields.days, day.year, day.month, day.day) &&
      dayOfWeekMatches(fields.weekdays, day.year, day.month, day.day)
    ) {
      for (const hour of fields.hours) {
        for (const minute of fields.minutes) {
          for (const second of fields.seconds) {
            const t = instantOf({ ...day, hour, minute, second }, timeZone);
            if (t === undefined || t <= startMs) continue;
            // Candidates come in time order: the first one past `until` ends the search.
            return t > endMs ? undefined : new Date(t);
          }
        }
      }
    }
    day = nextDay(day);
  }
  return undefined;
}

/** True when the schedule had a fire time after `lastRun` and at or before `now`. */
export function missedFireTime(pattern: string, timeZone: string, lastRun: Date, now: Date): boolean {
  return firstFireBetween(pattern, timeZone, lastRun, now) !== undefined;
}
