import type { Kysely, Selectable } from 'kysely';
import type { Database, HealthRunsTable } from './schema';

export type RunTrigger = 'schedule' | 'manual' | 'startup';

export interface HealthRunRow<R = unknown> {
  id: string;
  trigger: RunTrigger;
  startedAt: string;
  finishedAt: string | null;
  /** Parsed JSON as stored by the health feature; null while the run is going. */
  results: R | null;
}

function fromRow<R>(r: Selectable<HealthRunsTable>): HealthRunRow<R> {
  return {
    id: r.id,
    trigger: r.trigger as RunTrigger,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    results: r.results ? (JSON.parse(r.results) as R) : null,
  };
}

/** Health runs (`health_runs`): one row per run, its results as JSON. */
export class HealthRunsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async start(id: string, trigger: RunTrigger, startedAt: Date): Promise<void> {
    await this.db
      .insertInto('health_runs')
      .values({ id, trigger, started_at: startedAt.toISOString(), finished_at: null, results: null })
      .execute();
  }

  async finish(id: string, results: unknown, finishedAt: Date): Promise<void> {
    await this.db
      .updateTable('health_runs')
      .set({ finished_at: finishedAt.toISOString(), results: JSON.stringify(results) })
      .where('id', '=', id)
      .execute();
  }

  async get<R = unknown>(id: string): Promise<HealthRunRow<R> | undefined> {
    const r = await this.db.selectFrom('health_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow<R>(r) : undefined;
  }

  /** The most recent finished run (optionally of one trigger). */
  async latestFinished<R = unknown>(trigger?: RunTrigger): Promise<HealthRunRow<R> | undefined> {
    let q = this.db.selectFrom('health_runs').selectAll().where('finished_at', 'is not', null);
    if (trigger) q = q.where('trigger', '=', trigger);
    const r = await q.orderBy('started_at', 'desc').orderBy('finished_at', 'desc').executeTakeFirst();
    return r ? fromRow<R>(r) : undefined;
  }

  /** Runs finished at or after `sinceIso`, oldest first. */
  async finishedSince<R = unknown>(sinceIso: string): Promise<Array<HealthRunRow<R>>> {
    const rows = await this.db
      .selectFrom('health_runs')
      .selectAll()
      .where('finished_at', '>=', sinceIso)
      .orderBy('finished_at', 'asc')
      .execute();
    return rows.map((r) => fromRow<R>(r));
  }

  /** Newest first. */
  async list<R = unknown>(limit = 20): Promise<Array<HealthRunRow<R>>> {
    const rows = await this.db
      .selectFrom('health_runs')
      .selectAll()
      .orderBy('started_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => fromRow<R>(r));
  }
}
