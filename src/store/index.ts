import type { Kysely } from 'kysely';
import { SecretsAtRest } from '../secrets/at-rest';
import { AuditRepo } from './audit-repo';
import { BindingsRepo } from './bindings-repo';
import { CallsRepo } from './calls-repo';
import { memoryCoordination, type Coordination } from './coordination';
import { postgresCoordination } from './coordination-pg';
import type { Store } from './db';
import { HealthRunsRepo } from './health-runs-repo';
import { JournalRepo } from './journal-repo';
import { MetaRepo } from './meta-repo';
import type { Database } from './schema';
import { SlackPressesRepo } from './slack-presses-repo';
import { TestCallGuardsRepo } from './test-call-guards-repo';
import { WebhookEventsRepo } from './webhook-events-repo';

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
  /** Test-call guard state; runs its own transactions, so never call it inside `transaction`. */
  testCallGuards: TestCallGuardsRepo;
  /** Slack button presses already acted on (retries and replays are one press). */
  presses: SlackPressesRepo;
  /** LiveKit webhook deliveries taken in (de-duplication, replay after a crash). */
  webhookEvents: WebhookEventsRepo;
  /** Runs `fn` with repositories bound to one transaction: all of it is written, or none. */
  transaction<T>(fn: (repos: TransactionRepos) => Promise<T>): Promise<T>;
}

export type TransactionRepos = Omit<Repos, 'transaction' | 'coordination'>;

/** Repositories over `db` (the root handle or one transaction); those with their own transactions use `root`. */
function reposOver(
  db: Kysely<Database>,
  root: Kysely<Database>,
  secrets: SecretsAtRest,
  recordable: Store['recordable'],
): TransactionRepos {
  return {
    bindings: new BindingsRepo(db, secrets),
    audit: new AuditRepo(db),
    meta: new MetaRepo(db),
    calls: new CallsRepo(db),
    journal: new JournalRepo(db, recordable),
    healthRuns: new HealthRunsRepo(db),
    testCallGuards: new TestCallGuardsRepo(root),
    presses: new SlackPressesRepo(db),
    webhookEvents: new WebhookEventsRepo(db),
  };
}

/** `secrets` seals digest passwords; without a key (the default) none can be stored. */
export function createRepos(store: Store, secrets: SecretsAtRest = new SecretsAtRest(undefined)): Repos {
  const recordable = () => store.recordable();
  return {
    ...reposOver(store.db, store.db, secrets, recordable),
    coordination: coordinationFor(store),
    transaction: (fn) => store.db.transaction().execute((trx) => fn(reposOver(trx, store.db, secrets, recordable))),
  };
}

/** The coordination of the store's engine (see coordination.ts). */
export function coordinationFor(store: Store): Coordination {
  return store.engine === 'postgres' ? postgresCoordination(store.db) : memoryCoordination();
}
