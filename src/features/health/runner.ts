/**
 * Health runs with their bookkeeping: a row in `health_runs` per run, the run compared with what
 * was known before (domain/health-run.ts), the statuses stored. Full runs never overlap: a run
 * requested while one is going joins it, and a single-binding check joins it when it covers the
 * binding. Posts nothing: `onFinished` hears of every run (the alerts).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { HealthReport } from '../../domain/health-checks';
import { compareRun, runPassed, storedResults } from '../../domain/health-run';
import type { RunDiff, StatusTransition } from '../../domain/health-summary';
import type { RunTrigger } from '../../store/health-runs-repo';
import type { HealthStatusStore } from '../../store/health-status-store';
import type { AppDeps } from '../feature';
import { performHealthRun, type HealthRunOptions, type HealthRunResult } from './health-run';

export interface HealthRun {
  id: string;
  trigger: RunTrigger;
  /** 'all', or the binding names a single check covered. */
  scope: 'all' | string[];
  startedAt: Date;
  finishedAt: Date;
  report: HealthReport;
  /** Against the previous full run (empty for single-binding checks). */
  diff: RunDiff;
  firstRun: boolean;
  /** Bindings that crossed the fail line since their last known status. */
  transitions: StatusTransition[];
  livekitCalls: number;
  wallMs: number;
  result: HealthRunResult;
}

export interface RunnerDeps {
  deps: Pick<AppDeps, 'livekit' | 'repos' | 'config' | 'now' | 'inflight' | 'sinch'>;
  logger: Logger;
  statuses: HealthStatusStore;
  /** Probe settings of every run. */
  probes: Omit<HealthRunOptions, 'only'>;
  /** Called with every finished run. */
  onFinished(run: HealthRun): void;
}

export class HealthRunner {
  private fullRun: Promise<HealthRun> | undefined;

  constructor(private readonly r: RunnerDeps) {}

  /** True while a full run is going. */
  get busy(): boolean {
    return this.fullRun !== undefined;
  }

  /** A full run (joins one in progress). */
  runAll(trigger: RunTrigger): Promise<HealthRun> {
    if (this.fullRun) return this.fullRun;
    const p = this.execute(trigger).finally(() => {
      if (this.fullRun === p) this.fullRun = undefined;
    });
    this.fullRun = p;
    void this.r.deps.inflight.track(`health:run:${trigger}`, p).catch(() => undefined);
    return p;
  }

  /** One binding (joins a full run in progress). */
  async checkBinding(name: string): Promise<HealthRun> {
    if (this.fullRun) {
      const joined = await this.fullRun.catch(() => undefined);
      if (joined?.report.bindings.some((b) => b.name === name)) return joined;
    }
    return this.execute('manual', [name]);
  }

  private async execute(trigger: RunTrigger, only?: string[]): Promise<HealthRun> {
    const { repos, now } = this.r.deps;
    const id = randomUUID();
    const startedAt = now();
    await repos.healthRuns.start(id, trigger, startedAt);
    let result: HealthRunResult;
    try {
      result = await performHealthRun(this.r.deps, { ...this.r.probes, ...(only ? { only } : {}) });
    } catch (err) {
      const failedAt = now();
      await repos.healthRuns
        .finish(id, { scope: only ?? 'all', error: (err as Error).message }, failedAt)
        .catch(() => undefined);
      // A full run that could not finish did not pass (sipops_health_last_run_passed).
      if (!only)
        await this.r.statuses
          .saveFullRunOutcome({ runId: id, at: failedAt.toISOString(), passed: false })
          .catch(() => undefined);
      throw err;
    }
    const run = await this.record({ id, trigger, startedAt, finishedAt: now(), result }, only);
    this.r.logger.info(
      {
        runId: id,
        trigger,
        scope: run.scope,
        bindings: run.report.bindings.length,
        livekitCalls: run.livekitCalls,
        wallMs: run.wallMs,
        transitions: run.transitions.length,
      },
      'health run finished',
    );
    this.r.onFinished(run);
    return run;
  }

  /** Compares the run with the stored statuses and stores the run and the new statuses, one run at a time. */
  private record(
    r: { id: string; trigger: RunTrigger; startedAt: Date; finishedAt: Date; result: HealthRunResult },
    only: string[] | undefined,
  ): Promise<HealthRun> {
    const { statuses } = this.r;
    return statuses.serialized(async () => {
      const [prevFull, known] = [await statuses.lastFullRun(), await statuses.knownStatuses()];
      const { report } = r.result;
      const cmp = compareRun({
        runId: r.id,
        report,
        ...(only ? { only } : {}),
        finishedAt: r.finishedAt,
        prevFull,
        known,
      });
      const scope = only ?? 'all';
      const { livekitCalls, wallMs, dnsLookups, optionsProbes, probesCutOff } = r.result;
      await this.r.deps.repos.healthRuns.finish(
        r.id,
        storedResults({ scope, report, livekitCalls, wallMs, dnsLookups, optionsProbes, probesCutOff }),
        r.finishedAt,
      );
      await statuses.save(cmp.nextKnown, cmp.nextFull, r.finishedAt);
      if (!only)
        await statuses.saveFullRunOutcome({ runId: r.id, at: r.finishedAt.toISOString(), passed: runPassed(report) });
      return {
        ...r,
        scope,
        report,
        diff: cmp.diff,
        firstRun: cmp.firstRun,
        transitions: cmp.transitions,
        livekitCalls,
        wallMs,
      };
    });
  }
}
