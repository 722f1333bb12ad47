import { getTasks } from 'node-cron';
import pino from 'pino';
import type { HealthRun } from '../../../../src/features/health/runner';
import { CRON_TASK_NAME, HealthSchedule } from '../../../../src/features/health/schedule';
import { InflightWork } from '../../../../src/inflight';
import { createRepos, openStore, type Store } from '../../../../src/store';
import type { RunTrigger } from '../../../../src/store/health-runs-repo';
import { HealthStatusStore } from '../../../../src/store/health-status-store';
import { bindingReport, healthReport } from '../../../support/builders';
import { healthRunOf, unitConfig } from './support';

describe('HealthSchedule', () => {
  let store: Store;
  let statuses: HealthStatusStore;
  let clock: Date;
  let runs: RunTrigger[];
  let delivered: string[];

  function schedule(env: Record<string, string | undefined> = {}): HealthSchedule {
    return new HealthSchedule({
      deps: {
        config: unitConfig({ SUMMARY_CRON: '0 9 * * *', SUMMARY_TZ: 'UTC', ...env }),
        inflight: new InflightWork(),
        now: () => clock,
      },
      logger: pino({ level: 'silent' }),
      runner: {
        runAll: async (trigger: RunTrigger): Promise<HealthRun> => {
          runs.push(trigger);
          return healthRunOf(healthReport([bindingReport('alpha', 'pass')]), { id: `run-${runs.length}`, trigger });
        },
      },
      delivery: {
        deliverSummary: async (run: HealthRun) => {
          delivered.push(run.id);
        },
        alertsOf: async () => undefined,
      },
      statuses,
      stopped: () => false,
    });
  }

  beforeEach(async () => {
    store = await openStore(':memory:');
    statuses = new HealthStatusStore(createRepos(store).meta, pino({ level: 'silent' }));
    runs = [];
    delivered = [];
  });
  afterEach(async () => {
    await store.close();
  });

  it('the first start only remembers "now"', async () => {
    clock = new Date('2024-05-02T10:00:00Z');
    const s = schedule();
    await s.makeUpIfMissed();
    expect(s.startupRun).toBeUndefined();
    expect(runs).toEqual([]);
    expect(await statuses.lastScheduled()).toEqual(clock);
  });

  it('no fire time since the last run: nothing is made up', async () => {
    await statuses.setLastScheduled(new Date('2024-05-02T10:00:00Z'));
    clock = new Date('2024-05-03T08:59:00Z');
    const s = schedule();
    await s.makeUpIfMissed();
    expect(s.startupRun).toBeUndefined();
    expect(runs).toEqual([]);
  });

  it('a fire time passed while down: one make-up run, its summary delivered, the time remembered', async () => {
    await statuses.setLastScheduled(new Date('2024-05-02T10:00:00Z'));
    clock = new Date('2024-05-03T10:00:00Z');
    const s = schedule();
    await s.makeUpIfMissed();
    const run = await s.startupRun!;
    expect(run.trigger).toBe('startup');
    expect(runs).toEqual(['startup']);
    expect(delivered).toEqual([run.id]);
    expect(await statuses.lastScheduled()).toEqual(clock);
  });

  it('runScheduled is a full run with its summary; the cron job is registered and removed on stop', async () => {
    clock = new Date('2024-05-04T09:00:00Z');
    const s = schedule({ SUMMARY_CRON: '*/5 * * * *', SUMMARY_TZ: 'Europe/Berlin' });
    const run = await s.runScheduled();
    expect(run.trigger).toBe('schedule');
    expect(delivered).toEqual([run.id]);
    expect(await statuses.lastScheduled()).toEqual(clock);
    const ours = () => [...getTasks().values()].filter((t) => t.name === CRON_TASK_NAME);
    s.startCron();
    try {
      expect(ours().map((t) => t.getPattern())).toEqual(['*/5 * * * *']);
    } finally {
      await s.stop();
    }
    expect(ours()).toHaveLength(0);
  });
});
