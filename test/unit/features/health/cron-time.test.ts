import { createTask } from 'node-cron';
import {
  firstFireBetween,
  instantOf,
  localParts,
  MAX_LOOKBACK_DAYS,
  missedFireTime,
} from '../../../../src/features/health/cron-time';

const at = (iso: string): Date => new Date(iso);
const fire = (pattern: string, tz: string, after: string, until: string): string | undefined =>
  firstFireBetween(pattern, tz, at(after), at(until))?.toISOString();

describe('firstFireBetween / missedFireTime (the make-up run decision)', () => {
  it('daily at 09:00 UTC: missed when the service was down across 09:00, not otherwise', () => {
    expect(fire('0 9 * * *', 'UTC', '2024-05-01T09:00:00.500Z', '2024-05-02T10:00:00Z')).toBe(
      '2024-05-02T09:00:00.000Z',
    );
    expect(missedFireTime('0 9 * * *', 'UTC', at('2024-05-01T09:00:00.500Z'), at('2024-05-02T08:59:59Z'))).toBe(false);
    expect(missedFireTime('0 9 * * *', 'UTC', at('2024-05-01T10:00:00Z'), at('2024-05-02T09:00:00Z'))).toBe(true);
  });

  it('a run stored exactly at the fire time does not count that fire time again', () => {
    expect(missedFireTime('0 9 * * *', 'UTC', at('2024-05-01T09:00:00Z'), at('2024-05-01T12:00:00Z'))).toBe(false);
  });

  it('finds the first of several missed fire times', () => {
    expect(fire('0 9 * * *', 'UTC', '2024-05-01T10:00:00Z', '2024-05-09T10:00:00Z')).toBe('2024-05-02T09:00:00.000Z');
  });

  it('honours the time zone, including daylight saving time', () => {
    // 09:00 in Berlin is 07:00 UTC in summer (CEST) and 08:00 UTC in winter (CET).
    expect(fire('0 9 * * *', 'Europe/Berlin', '2024-07-01T00:00:00Z', '2024-07-02T00:00:00Z')).toBe(
      '2024-07-01T07:00:00.000Z',
    );
    expect(fire('0 9 * * *', 'Europe/Berlin', '2024-01-10T00:00:00Z', '2024-01-11T00:00:00Z')).toBe(
      '2024-01-10T08:00:00.000Z',
    );
    // Across the spring change (31 March 2024 at 02:00 local).
    expect(fire('0 9 * * *', 'Europe/Berlin', '2024-03-30T12:00:00Z', '2024-04-01T00:00:00Z')).toBe(
      '2024-03-31T07:00:00.000Z',
    );
    // In New York the day starts 4–5 hours later: 09:00 local on 1 May is 13:00 UTC.
    expect(fire('0 9 * * *', 'America/New_York', '2024-05-01T10:00:00Z', '2024-05-01T14:00:00Z')).toBe(
      '2024-05-01T13:00:00.000Z',
    );
    expect(
      missedFireTime('0 9 * * *', 'America/New_York', at('2024-05-01T10:00:00Z'), at('2024-05-01T12:59:00Z')),
    ).toBe(false);
  });

  it('weekdays, steps and month names', () => {
    // 4 May 2024 is a Saturday: the next weekday 08:30 is Monday 6 May.
    expect(fire('30 8 * * mon-fri', 'UTC', '2024-05-03T09:00:00Z', '2024-05-10T00:00:00Z')).toBe(
      '2024-05-06T08:30:00.000Z',
    );
    expect(fire('*/15 * * * *', 'UTC', '2024-05-03T09:01:00Z', '2024-05-03T10:00:00Z')).toBe(
      '2024-05-03T09:15:00.000Z',
    );
    expect(fire('0 0 1 jul *', 'UTC', '2024-05-03T09:01:00Z', '2024-12-31T00:00:00Z')).toBe('2024-07-01T00:00:00.000Z');
    // Sunday written as 7.
    expect(fire('0 12 * * 7', 'UTC', '2024-05-01T00:00:00Z', '2024-05-10T00:00:00Z')).toBe('2024-05-05T12:00:00.000Z');
  });

  it('six fields (with seconds)', () => {
    expect(fire('30 0 9 * * *', 'UTC', '2024-05-01T09:00:10Z', '2024-05-01T09:01:00Z')).toBe(
      '2024-05-01T09:00:30.000Z',
    );
  });

  it('last day of the month, nth weekday and nearest weekday tokens', () => {
    expect(fire('0 0 L * *', 'UTC', '2024-02-01T00:00:00Z', '2024-03-31T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    // Second Monday of May 2024 is 13 May.
    expect(fire('0 0 * * 1#2', 'UTC', '2024-05-01T00:00:00Z', '2024-06-01T00:00:00Z')).toBe('2024-05-13T00:00:00.000Z');
    // Last Friday of May 2024 is 31 May.
    expect(fire('0 0 * * 5L', 'UTC', '2024-05-01T00:00:00Z', '2024-06-01T00:00:00Z')).toBe('2024-05-31T00:00:00.000Z');
    // 15 June 2024 is a Saturday: 15W is Friday 14 June.
    expect(fire('0 0 15W * *', 'UTC', '2024-06-01T00:00:00Z', '2024-07-01T00:00:00Z')).toBe('2024-06-14T00:00:00.000Z');
  });

  it('nothing when the window is empty, reversed or the pattern is invalid', () => {
    expect(fire('0 9 * * *', 'UTC', '2024-05-02T10:00:00Z', '2024-05-02T10:00:00Z')).toBeUndefined();
    expect(fire('0 9 * * *', 'UTC', '2024-05-03T10:00:00Z', '2024-05-02T10:00:00Z')).toBeUndefined();
    expect(fire('not a cron', 'UTC', '2024-05-01T10:00:00Z', '2024-05-09T10:00:00Z')).toBeUndefined();
  });

  it('looks back a bounded time and stays fast', () => {
    const started = performance.now();
    // 29 February only: the fire time before the look-back window is not considered.
    expect(fire('0 0 29 2 *', 'UTC', '2019-01-01T00:00:00Z', '2024-12-31T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(fire('0 0 29 2 *', 'UTC', '2019-01-01T00:00:00Z', '2023-12-31T00:00:00Z')).toBeUndefined();
    expect(MAX_LOOKBACK_DAYS).toBeGreaterThanOrEqual(366);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('agrees with node-cron', () => {
  it.each([
    ['0 9 * * *', 'UTC'],
    ['0 9 * * *', 'Europe/Berlin'],
    ['30 8 * * mon-fri', 'America/New_York'],
    ['15 3 1 * *', 'Asia/Kolkata'],
    ['0 0 * * 5L', 'Australia/Sydney'],
  ])('%s in %s: every fire time found is one node-cron matches', async (pattern, tz) => {
    const task = createTask(pattern, () => undefined, { timezone: tz });
    try {
      let after = at('2024-01-01T00:00:00Z');
      for (let i = 0; i < 5; i++) {
        const next = firstFireBetween(pattern, tz, after, new Date(after.getTime() + 40 * 86_400_000));
        expect(next).toBeDefined();
        expect(task.match(next!)).toBe(true);
        // No earlier whole minute in between matches (checked on a sample of minutes).
        const step = Math.max(7, Math.ceil((next!.getTime() - after.getTime()) / 60_000 / 1500)) * 60_000;
        for (let t = after.getTime() + 60_000 - (after.getTime() % 60_000); t < next!.getTime(); t += step) {
          expect(task.match(new Date(t))).toBe(false);
        }
        after = next!;
      }
    } finally {
      await task.destroy();
    }
  });
});

describe('time-zone helpers', () => {
  it('localParts and instantOf are inverse; a wall time in the DST gap does not exist', () => {
    const t = Date.parse('2024-07-01T07:00:00Z');
    const p = localParts(t, 'Europe/Berlin');
    expect(p).toEqual({ year: 2024, month: 7, day: 1, hour: 9, minute: 0, second: 0 });
    expect(instantOf(p, 'Europe/Berlin')).toBe(t);
    expect(
      instantOf({ year: 2024, month: 3, day: 31, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin'),
    ).toBeUndefined();
  });
});
