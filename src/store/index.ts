import type { Kysely } from 'kysely';
import type { Store } from './db';
import type { Database } from './schema';
import { AuditRepo } from './audit-repo';
import { BindingsRepo } from './bindings-repo';
import { CallsRepo } from './calls-repo';
import { JournalRepo } from './journal-repo';
import { MetaRepo } from './meta-repo';

export { openStore, type Store } from './db';

/** The repositories the features use, over one open store. */
export interface Repos {
  bindings: BindingsRepo;
  audit: AuditRepo;
  meta: MetaRepo;
  calls: CallsRepo;
  journal: JournalRepo;
  /** Runs `fn` with repositories bound to one transaction: all of it is written, or none. */
  transaction<T>(fn: (repos: Omit<Repos, 'transaction'>) => Promise<T>): Promise<T>;
}

function reposOver(db: Kysely<Database>, recordable: Store['recordable']): Omit<Repos, 'transaction'> {
  return {
    bindings: new BindingsRepo(db),
    audit: new AuditRepo(db),
    meta: new MetaRepo(db),
    calls: new CallsRepo(db),
    journal: new JournalRepo(db, recordable),
  };
}

export function createRepos(store: Store): Repos {
  const recordable = () => store.recordable();
  return {
    ...reposOver(store.db, recordable),
    transaction: (fn) => store.db.transaction().execute((trx) => fn(reposOver(trx, recordable))),
  };
}
