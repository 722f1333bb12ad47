import type { Store } from './db';
import { AuditRepo } from './audit-repo';
import { BindingsRepo } from './bindings-repo';
import { MetaRepo } from './meta-repo';

export { openStore, type Store } from './db';

/** The repositories the features use, over one open store. */
export interface Repos {
  bindings: BindingsRepo;
  audit: AuditRepo;
  meta: MetaRepo;
}

export function createRepos(store: Store): Repos {
  return { bindings: new BindingsRepo(store.db), audit: new AuditRepo(store.db), meta: new MetaRepo(store.db) };
}
