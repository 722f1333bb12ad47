import type { Kysely } from 'kysely';
import type { Store } from './db';
import type { Database } from './schema';
import { AuditRepo } from './audit-repo';
import { BindingsRepo } from './bindings-repo';
import { CallsRepo } from './calls-repo';
import { HealthRunsRepo } from './health-runs-repo';
import { JournalRepo } from './journal-repo';
import { MetaRepo } from './meta-repo';
import { memoryCoordination, type Coordination } from './coordination';
import { postgresCoordination } from './coordination-pg';

export { openStore, type Store } from './db';

/** The repositories the features use, over one open store. */
export interface Repos {
  bindings: BindingsRepo;
  audit: AuditRepo;
  meta: MetaRepo;
  calls: CallsRepo;
  journal: JournalRepo;
  healthRuns: HealthRunsRepo;
  /** What replicas agree on (leases, slots, pacing, room locks); in memory on SQLite (one replica). */
  coordination: Coordination;
  /** Runs `fn` with repositories bound to one transaction: all of it is written, or none. */
  transaction<T>(fn: (repos: TransactionRepos) => Promise<T>): Promise<T>;
}

export type TransactionRepos = Omit<Repos, 'transaction' | 'coordination'>;

function reposOver(db: Kysely<Database>): TransactionRepos {
  return { bindings: new BindingsRepo(db), audit: new AuditRepo(db), meta: new MetaRepo(db), calls: new CallsRepo(db), journal: new JournalRepo(db), healthRuns: new HealthRunsRepo(db) };
}

export function createRepos(store: Store): Repos {
  return {
    ...reposOver(store.db),
    coordination: coordinationFor(store),
    transaction: (fn) => store.db.transaction().execute((trx) => fn(reposOver(trx))),
  };
}

/** The coordination of the store's engine (see coordination.ts). */
export function coordinationFor(store: Store): Coordination {
  return store.engine === 'postgres' ? postgresCoordination(store.db) : memoryCoordination();
}
