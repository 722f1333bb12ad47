/**
 * What the health feature keeps in the meta table between runs and restarts: the status map of
 * the last full run (for "since the last run"), each binding's last known status (for alerts and
 * the Home tab), and when the scheduled run last ran (for the make-up run at start). Stored as
 * JSON and validated with zod when read: unreadable data counts as none (and is logged).
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { KnownStatuses } from '../domain/health-run';
import type { BindingStatusMap } from '../domain/health-summary';
import type { MetaRepo } from './meta-repo';

/** Meta keys. */
export const META_LAST_SCHEDULED = 'health.last-scheduled-at';
export const META_STATUS_MAP = 'health.status-map';
export const META_LAST_STATUS = 'health.last-status';
export const META_LAST_FULL_RUN = 'health.last-full-run';

const checkStatus = z.enum(['pass', 'warn', 'fail']);
const statusMapSchema = z.record(z.string(), checkStatus);
const knownStatusesSchema = z.record(
  z.string(),
  z.object({ status: checkStatus, at: z.string(), runId: z.string(), top: z.string().exactOptional() }),
);
const fullRunOutcomeSchema = z.object({ runId: z.string(), at: z.string(), passed: z.boolean() });

/** The last full run: when it finished and whether it passed (no failing check, and it completed). */
export type FullRunOutcome = z.infer<typeof fullRunOutcomeSchema>;

export class HealthStatusStore {
  /** Updates one at a time (a single check and a full run may finish together). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly meta: MetaRepo,
    private readonly logger: Logger,
  ) {}

  /** Runs `fn` after every earlier `serialized` call finished (rejections included). */
  serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The status map of the last full run; undefined before the first one. */
  async lastFullRun(): Promise<BindingStatusMap | undefined> {
    return this.read(META_STATUS_MAP, statusMapSchema);
  }

  /** Each binding's last known status (empty when none is stored). */
  async knownStatuses(): Promise<KnownStatuses> {
    return (await this.read(META_LAST_STATUS, knownStatusesSchema)) ?? {};
  }

  /** Stores the statuses after a run; `full` only for full runs. */
  async save(known: KnownStatuses, full: BindingStatusMap | undefined, at: Date): Promise<void> {
    await this.meta.set(META_LAST_STATUS, JSON.stringify(known), at);
    if (full) await this.meta.set(META_STATUS_MAP, JSON.stringify(full), at);
  }

  /** The last full run's outcome; undefined before the first one. */
  async lastFullRunOutcome(): Promise<FullRunOutcome | undefined> {
    return this.read(META_LAST_FULL_RUN, fullRunOutcomeSchema);
  }

  async saveFullRunOutcome(outcome: FullRunOutcome): Promise<void> {
    await this.meta.set(META_LAST_FULL_RUN, JSON.stringify(outcome), new Date(outcome.at));
  }

  /** When the scheduled run last ran (or the service first started); undefined when unknown. */
  async lastScheduled(): Promise<Date | undefined> {
    const raw = await this.meta.get(META_LAST_SCHEDULED);
    const at = raw === undefined ? undefined : new Date(raw);
    return at && !Number.isNaN(at.getTime()) ? at : undefined;
  }

  async setLastScheduled(at: Date): Promise<void> {
    await this.meta.set(META_LAST_SCHEDULED, at.toISOString(), at);
  }

  private async read<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const raw = await this.meta.get(key);
    if (raw === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.logger.warn({ key }, 'health: stored status is not JSON; ignored');
      return undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      this.logger.warn(
        { key, issues: parsed.error.issues.length },
        'health: stored status has an unexpected shape; ignored',
      );
      return undefined;
    }
    return parsed.data;
  }
}
