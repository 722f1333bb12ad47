import pino from 'pino';
import type { OptionsProber } from '../../../../src/domain/probes';
import { HealthRunner, type HealthRun } from '../../../../src/features/health/runner';
import { HealthStatusStore, META_LAST_STATUS, META_STATUS_MAP } from '../../../../src/store/health-status-store';
import { seedBinding } from '../../../support/fixtures';
import { unitDeps, type UnitDeps } from './support';

const prober: OptionsProber = async () => ({ kind: 'response', status: 200, reason: 'OK', rttMs: 3 });
const probes = {
  prober,
  resolver: async () => ({ ok: true as const, addresses: ['192.0.2.10'] }),
  probeTimeoutMs: 1000,
  concurrency: 4,
  deadlineMs: 5000,
};

describe('HealthRunner', () => {
  const clock = { now: new Date('2024-05-02T09:00:00Z') };
  let u: UnitDeps;
  let runner: HealthRunner;
  let finished: HealthRun[];

  beforeEach(async () => {
    u = await unitDeps(clock);
    finished = [];
    const statuses = new HealthStatusStore(u.deps.repos.meta, u.deps.logger);
    runner = new HealthRunner({
      deps: u.deps,
      logger: pino({ level: 'silent' }),
      statuses,
      probes,
      onFinished: (run) => finished.push(run),
    });
  });
  afterEach(async () => {
    await u.deps.inflight.drain(1000);
    await u.stop();
  });

  it('stores each run and the statuses; the next full run is compared with them', async () => {
    await seedBinding(u.deps, { name: 'alpha' });
    const bravo = await seedBinding(u.deps, { name: 'bravo', trunkDomain: 'bravo.pstn.sinch.com' });
    const first = await runner.runAll('schedule');
    expect(first).toMatchObject({
      trigger: 'schedule',
      scope: 'all',
      firstRun: true,
      transitions: [],
      livekitCalls: 3,
    });
    expect(first.report.bindings.map((b) => [b.name, b.status])).toEqual([
      ['alpha', 'pass'],
      ['bravo', 'pass'],
    ]);
    expect(JSON.parse((await u.deps.repos.meta.get(META_STATUS_MAP))!)).toEqual({ alpha: 'pass', bravo: 'pass' });

    expect((await u.deps.livekit.deleteDispatchRule(bravo.resources.dispatchRuleId!)).ok).toBe(true);
    clock.now = new Date('2024-05-03T09:00:00Z');
    const second = await runner.runAll('manual');
    expect(second.firstRun).toBe(false);
    expect(second.diff.newFailures).toEqual(['bravo']);
    expect(second.transitions).toEqual([{ binding: 'bravo', from: 'pass', to: 'fail' }]);
    expect(finished.map((r) => r.id)).toEqual([first.id, second.id]);

    const rows = await u.deps.repos.healthRuns.list<{ scope: string; headline: string }>();
    expect(rows.map((r) => [r.id, r.trigger, r.finishedAt, r.results?.scope])).toEqual([
      [second.id, 'manual', '2024-05-03T09:00:00.000Z', 'all'],
      [first.id, 'schedule', '2024-05-02T09:00:00.000Z', 'all'],
    ]);
    expect(rows[0]!.results?.headline).toBe('2 bindings: 1 pass, 1 fail');
    const known = JSON.parse((await u.deps.repos.meta.get(META_LAST_STATUS))!) as Record<
      string,
      { status: string; runId: string }
    >;
    expect(known.bravo).toMatchObject({ status: 'fail', runId: second.id });
  });

  it('a full run requested while one is going joins it; so does a check of a binding it covers', async () => {
    await seedBinding(u.deps, { name: 'alpha' });
    u.livekit.setLatency(200);
    const a = runner.runAll('schedule');
    expect(runner.busy).toBe(true);
    const b = runner.runAll('manual');
    const c = runner.checkBinding('alpha');
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(new Set([ra.id, rb.id, rc.id]).size).toBe(1);
    expect(runner.busy).toBe(false);
    expect(await u.deps.repos.healthRuns.list()).toHaveLength(1);
  });

  it('a check of one binding is a run of its own scope that leaves the full-run map alone', async () => {
    await seedBinding(u.deps, { name: 'alpha' });
    await seedBinding(u.deps, { name: 'bravo', trunkDomain: 'bravo.pstn.sinch.com' });
    const run = await runner.checkBinding('bravo');
    expect(run).toMatchObject({ trigger: 'manual', scope: ['bravo'], firstRun: false });
    expect(run.report.bindings.map((b) => b.name)).toEqual(['bravo']);
    expect(await u.deps.repos.meta.get(META_STATUS_MAP)).toBeUndefined();
    expect(Object.keys(JSON.parse((await u.deps.repos.meta.get(META_LAST_STATUS))!) as object)).toEqual(['bravo']);
  });

  it('unreadable stored statuses count as none: a first run, no alerts, and they are written anew', async () => {
    await seedBinding(u.deps, { name: 'alpha' });
    await u.deps.repos.meta.set(META_STATUS_MAP, '{"alpha":', clock.now);
    await u.deps.repos.meta.set(META_LAST_STATUS, JSON.stringify({ alpha: 'fail' }), clock.now);
    const run = await runner.runAll('schedule');
    expect(run.firstRun).toBe(true);
    expect(run.transitions).toEqual([]);
    expect(JSON.parse((await u.deps.repos.meta.get(META_STATUS_MAP))!)).toEqual({ alpha: 'pass' });
    expect(JSON.parse((await u.deps.repos.meta.get(META_LAST_STATUS))!)).toMatchObject({
      alpha: { status: 'pass', runId: run.id },
    });
  });
});
