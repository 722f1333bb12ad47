import type { Store } from './db';
import { AuditRepo } from './audit-repo';
import { BindingsRepo } from './bindings-repo';
import { CallsRepo } from './calls-repo';
import { MetaRepo } from './meta-repo';

export { openStore, type Store } from './db';

/** The repositories the features use, over one open store. */
export interface Repos {
  bindings: BindingsRepo;
  audit: AuditRepo;
  meta: MetaRepo;
  calls: CallsRepo;
}

export function createRepos(store: Store): Repos {
  return { bindings: new BindingsRepo(store.db), audit: new AuditRepo(store.db), meta: new MetaRepo(store.db), calls: new CallsRepo(store.db) };
}
