/**
 * Fixed, seeded trend data for chart tests, the bench and the demo: `bindings` bindings over `days`
 * days with inbound calls, test calls and one health run a day. The same arguments always give the
 * same records (a Park–Miller generator, not Math.random).
 */
import { computeTrends, type TrendCall, type TrendHealthRun, type Trends } from '../../src/domain/trends';

const NAMES = [
  'sales-eu',
  'support-us',
  'billing',
  'onboarding-hotline-berlin',
  'noc',
  'fr-paris',
  'test-lab',
  'uk-london',
];
export const FIXTURE_NOW = new Date('2026-12-02T12:00:00Z');
export const FIXTURE_TZ = 'Europe/Berlin';

export function fixtureNames(bindings: number): string[] {
  return Array.from({ length: bindings }, (_, i) => NAMES[i] ?? `binding-${String(i).padStart(2, '0')}`);
}

export function fixtureRecords(bindings: number, days: number): { calls: TrendCall[]; runs: TrendHealthRun[] } {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const names = fixtureNames(bindings);
  const calls: TrendCall[] = [];
  const runs: TrendHealthRun[] = [];
  for (let d = 0; d < days; d++) {
    const t = FIXTURE_NOW.getTime() - d * 86_400_000;
    names.forEach((name, i) => {
      for (let k = 0; k < 5 + (i % 4) * 3; k++) {
        const reached = rnd() > 0.05 + (i % 8) * 0.03;
        calls.push({
          direction: 'inbound',
          bindingName: name,
          startedAt: new Date(t - k * 600_000).toISOString(),
          agentJoined: reached,
          setupMs: reached ? 800 + rnd() * 3000 * (1 + (i % 8) / 3) : null,
          outcome: reached ? 'completed' : 'missed',
        });
      }
      for (let k = 0; k < 2; k++) {
        calls.push({
          direction: 'test',
          bindingName: name,
          startedAt: new Date(t - k * 3_600_000).toISOString(),
          agentJoined: false,
          setupMs: null,
          outcome: rnd() > 0.1 * (i % 3) ? 'answered' : 'failed',
        });
      }
    });
    runs.push({
      finishedAt: new Date(t).toISOString(),
      bindings: names.map((name, i) => ({
        name,
        status: rnd() < 0.04 * (i % 8) ? 'fail' : rnd() < 0.1 ? 'warn' : 'pass',
      })),
    });
  }
  return { calls, runs };
}

export function fixtureTrends(bindings: number, days: number, maxBindings = 50): Trends {
  const { calls, runs } = fixtureRecords(bindings, days);
  return computeTrends(calls, runs, { now: FIXTURE_NOW, days, timeZone: FIXTURE_TZ, maxBindings });
}
