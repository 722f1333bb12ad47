/**
 * The daily summary: node-cron at SUMMARY_CRON in SUMMARY_TZ runs every binding and posts the
 * summary; a scheduled run missed while SIP Ops was down is made up once at start.
 */
import { schedule, type ScheduledTask } from 'node-cron';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SlotClaims } from '../../store/coordination';
import type { HealthStatusStore } from '../../store/health-status-store';
import type { AppDeps } from '../feature';
import { missedFireTime } from './cron-time';
import type { HealthDelivery } from './delivery';
import type { HealthRun, HealthRunner } from './runner';

export const CRON_TASK_NAME = 'sip-ops-health-summary';

export interface ScheduleDeps {
  deps: Pick<AppDeps, 'config' | 'inflight' | 'now'>;
  logger: Logger;
  runner: Pick<HealthRunner, 'runAll'>;
  delivery: Pick<HealthDelivery, 'deliverSummary' | 'alertsOf'>;
  statuses: Pick<HealthStatusStore, 'lastScheduled' | 'setLastScheduled'>;
  /** True once the feature is stopping. */
  stopped(): boolean;
  /** Replicas serve each fire time once (PostgreSQL); without it every call runs (one replica). */
  slots?: SlotClaims;
  /** Runs before each scheduled run (daily loopbacks); its failure never stops the run. */
  before?: () => Promise<void>;
}

export class HealthSchedule {
  private task: ScheduledTask | undefined;
  private made: Promise<HealthRun> | undefined;
  private readonly owner = randomUUID();
  private recheck: NodeJS.Timeout | undefined;

  constructor(private readonly s: ScheduleDeps) {}

  /** The make-up run started by `makeUpIfMissed`, if one was due. */
  get startupRun(): Promise<HealthRun> | undefined {
    return this.made;
  }

  /** A full run (joining one in progress), its summary and thread posted, alerts sent. */
  async runScheduled(trigger: 'schedule' | 'startup' = 'schedule'): Promise<HealthRun> {
    if (this.s.before)
      await this.s
        .before()
        .catch((err: unknown) => this.s.logger.warn({ err }, 'health: the daily loopbacks failed to run'));
    const run = await this.s.runner.runAll(trigger);
    await this.s.statuses.setLastScheduled(this.s.deps.now());
    await Promise.all([this.s.delivery.deliverSummary(run), this.s.delivery.alertsOf(run.id)]);
    return run;
  }

  /** Registers the node-cron job. */
  startCron(): void {
    const { config } = this.s.deps;
    const { logger } = this.s;
    this.task = schedule(config.summary.cron, () => this.onCron(), {
      timezone: config.summary.timezone,
      name: CRON_TASK_NAME,
      logger: {
        info: (m) => logger.debug(m),
        warn: (m) => logger.warn(m),
        error: (m, err) => logger.error({ err: err ?? m }, 'node-cron error'),
        debug: (m) => logger.debug({ detail: m }, 'node-cron'),
      },
    });
  }

  /** Runs the scheduled run now when it should have fired since the last one; the first start only remembers "now". */
  async makeUpIfMissed(): Promise<void> {
    const { config, now } = this.s.deps;
    const t = now();
    const last = await this.s.statuses.lastScheduled();
    if (!last) {
      // First start: nothing can have been missed yet.
      await this.s.statuses.setLastScheduled(t);
      return;
    }
    if (!missedFireTime(config.summary.cron, config.summary.timezone, last, t)) return;
    const slot = `summary:make-up:${last.toISOString()}`;
    if (!(await this.claim(slot))) return; // another replica makes it up
    this.s.logger.info(
      { lastRun: last.toISOString(), cron: config.summary.cron, timezone: config.summary.timezone },
      'health: a scheduled run was missed while SIP Ops was down; running it now',
    );
    this.made = this.serve(slot, () => this.runScheduled('startup'));
    this.made.catch((err: unknown) => this.s.logger.error({ err }, 'health: the make-up run failed'));
  }

  async stop(): Promise<void> {
    if (this.recheck) clearTimeout(this.recheck);
    if (this.task) await this.task.destroy();
    this.task = undefined;
  }

  private claim(slot: string): Promise<boolean> {
    // How long the elected replica may take on a slot before another one serves it (SUMMARY_LEASE_MS).
    return this.s.slots ? this.s.slots.claim(slot, this.owner, this.leaseMs) : Promise.resolve(true);
  }

  /**
   * Runs a claimed slot's work, renewing the claim every third of the lease while it runs (so a slow
   * run keeps it; only a dead replica's claim runs out), then marks the slot served.
   */
  private async serve<T>(slot: string, work: () => Promise<T>): Promise<T> {
    const renew = this.s.slots
      ? setInterval(() => void this.claim(slot).catch(() => undefined), this.leaseMs / 3)
      : undefined;
    renew?.unref();
    try {
      const out = await work();
      await this.s.slots?.complete(slot, this.owner).catch(() => undefined);
      return out;
    } finally {
      if (renew) clearInterval(renew);
    }
  }

  private get leaseMs(): number {
    return this.s.deps.config.summary.leaseMs;
  }

  /**
   * One replica serves a fire time (its minute); the others look again once the lease could have
   * run out, and serve it when the elected one died before completing it.
   */
  private onCron(slot = `summary:${this.s.deps.now().toISOString().slice(0, 16)}`): void {
    if (this.s.stopped() || !this.s.deps.inflight.accepting) return;
    void (async () => {
      if (!(await this.claim(slot))) {
        this.recheck = setTimeout(() => this.onCron(slot), this.leaseMs + 1000);
        this.recheck.unref();
        return;
      }
      if (this.s.slots) this.s.logger.info({ slot }, 'health: this replica serves the scheduled run');
      await this.serve(slot, () => this.runScheduled('schedule'));
    })().catch((err: unknown) => this.s.logger.error({ err }, 'health: the scheduled run failed'));
  }
}
