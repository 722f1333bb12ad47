import {
  computeTrends,
  localDate,
  percentile,
  windowDates,
  type TrendCall,
  type TrendHealthRun,
} from '../../../src/domain/trends';

function inbound(binding: string, startedAt: string, agentMs: number | null, outcome = 'completed'): TrendCall {
  return {
    direction: 'inbound',
    bindingName: binding,
    startedAt,
    agentJoined: agentMs !== null,
    setupMs: agentMs,
    outcome,
  };
}
function test(binding: string, startedAt: string, outcome: string, direction = 'test'): TrendCall {
  return { direction, bindingName: binding, startedAt, agentJoined: false, setupMs: null, outcome };
}

const NOW = new Date('2026-03-10T12:00:00Z');
const base = { now: NOW, days: 3, timeZone: 'UTC', maxBindings: 10 };

describe('windowDates / localDate', () => {
  it('ends with the local day containing now and counts calendar days', () => {
    expect(windowDates(NOW, 3, 'UTC')).toEqual(['2026-03-08', '2026-03-09', '2026-03-10']);
    // 2026-03-10T12:00Z is already 11 March in Auckland (UTC+13).
    expect(windowDates(NOW, 2, 'Pacific/Auckland')).toEqual(['2026-03-10', '2026-03-11']);
  });

  it('is not fooled by a DST change inside the window (Europe/Berlin, 29 March 2026)', () => {
    const dates = windowDates(new Date('2026-03-31T08:00:00Z'), 5, 'Europe/Berlin');
    expect(dates).toEqual(['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31']);
  });

  it('puts a call just before local midnight on the local day', () => {
    expect(localDate(new Date('2026-03-09T22:30:00Z'), 'Europe/Berlin')).toBe('2026-03-09');
    expect(localDate(new Date('2026-03-09T23:30:00Z'), 'Europe/Berlin')).toBe('2026-03-10');
  });
});

describe('percentile (nearest rank)', () => {
  it('gives median and p95 of a list', () => {
    const values = Array.from({ length: 20 }, (_, i) => (20 - i) * 100); // 100..2000 unsorted
    expect(percentile(values, 50)).toBe(1000);
    expect(percentile(values, 95)).toBe(1900);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('computeTrends', () => {
  it('counts inbound calls, agent share and time to agent per binding per day', () => {
    const calls = [
      inbound('sales', '2026-03-10T09:00:00Z', 1000),
      inbound('sales', '2026-03-10T09:05:00Z', 3000),
      inbound('sales', '2026-03-10T09:10:00Z', null, 'missed'),
      inbound('sales', '2026-03-10T09:20:00Z', null, 'noise'),
      inbound('sales', '2026-03-09T09:00:00Z', 2000),
    ];
    const t = computeTrends(calls, [], base);
    expect(t.dates).toEqual(['2026-03-08', '2026-03-09', '2026-03-10']);
    const days = t.bindings[0]!.days;
    expect(days[2]).toMatchObject({
      inbound: 3,
      reachedAgent: 2,
      medianToAgentMs: 1000,
      p95ToAgentMs: 3000,
      tests: 0,
      testPassRate: null,
    });
    expect(days[2]!.agentShare).toBeCloseTo(2 / 3);
    expect(days[1]).toMatchObject({ inbound: 1, reachedAgent: 1, agentShare: 1, medianToAgentMs: 2000 });
    expect(days[0]).toMatchObject({ inbound: 0, agentShare: null, medianToAgentMs: null, health: null });
  });

  it('counts test calls and loopbacks with their pass rate', () => {
    const calls = [
      test('a', '2026-03-10T01:00:00Z', 'answered'),
      test('a', '2026-03-10T02:00:00Z', 'no-answer'),
      test('a', '2026-03-10T03:00:00Z', 'pass', 'loopback'),
    ];
    const day = computeTrends(calls, [], base).bindings[0]!.days[2]!;
    expect(day).toMatchObject({ tests: 3, testsPassed: 2 });
    expect(day.testPassRate).toBeCloseTo(2 / 3);
  });

  it('takes the worst health status of the day', () => {
    const runs: TrendHealthRun[] = [
      { finishedAt: '2026-03-10T01:00:00Z', bindings: [{ name: 'a', status: 'pass' }] },
      { finishedAt: '2026-03-10T05:00:00Z', bindings: [{ name: 'a', status: 'fail' }] },
      { finishedAt: '2026-03-10T09:00:00Z', bindings: [{ name: 'a', status: 'warn' }] },
      { finishedAt: '2026-03-09T09:00:00Z', bindings: [{ name: 'a', status: 'pass' }] },
    ];
    const days = computeTrends([], runs, base).bindings[0]!.days;
    expect(days.map((d) => d.health)).toEqual([null, 'pass', 'fail']);
  });

  it('ignores records outside the window, without a binding or with a bad time', () => {
    const calls = [
      inbound('a', '2026-03-07T23:59:59Z', 100),
      { ...inbound('a', '2026-03-10T01:00:00Z', 100), bindingName: null },
      inbound('a', 'not a time', 100),
      inbound('a', '2026-03-11T00:00:01Z', 100),
    ];
    expect(computeTrends(calls, [], base).bindings).toEqual([]);
  });

  it('lists configured bindings without records, worst first, and counts those left out', () => {
    const calls = [
      inbound('ok', '2026-03-10T01:00:00Z', 500),
      inbound('bad', '2026-03-10T01:00:00Z', null, 'missed'),
      inbound('bad', '2026-03-10T02:00:00Z', null, 'missed'),
      test('flaky', '2026-03-10T01:00:00Z', 'failed'),
    ];
    const t = computeTrends(calls, [], { ...base, maxBindings: 3, bindingNames: ['idle', 'ok'] });
    expect(t.bindings.map((b) => [b.name, b.badness])).toEqual([
      ['bad', 2],
      ['flaky', 1],
      ['idle', 0],
    ]);
    expect(t.omitted).toBe(1);
    expect(t.bindings[2]!.days.every((d) => d.inbound === 0 && d.tests === 0)).toBe(true);
  });
});
