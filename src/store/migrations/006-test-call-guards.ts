import type { Kysely } from 'kysely';

/**
 * Test-call guard state in the database, so a restart (or another replica) cannot loosen it:
 * admitted calls (the per-user and per-binding windows and the per-EST-domain spacing), the call
 * each binding carries now (with a lease, so a dead process's entry expires), one row per guard
 * key that an admission updates first (the write lock that serialises admissions), and the Slack
 * button presses already acted on.
 */
// Epoch-ms columns are bigint: the same INTEGER affinity on SQLite, 64 bits on PostgreSQL (its integer is 32).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('test_call_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('binding_name', 'text', (c) => c.notNull())
    .addColumn('trunk_domain', 'text', (c) => c.notNull())
    .addColumn('admitted_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('start_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('test_call_attempts_admitted')
    .on('test_call_attempts')
    .columns(['admitted_at_ms'])
    .execute();

  await db.schema
    .createTable('test_call_inflight')
    .addColumn('binding_name', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('since_ms', 'bigint', (c) => c.notNull())
    .addColumn('lease_until_ms', 'bigint', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('test_call_guard_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('admissions', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('slack_action_presses')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('action_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('first_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('slack_action_presses_first')
    .on('slack_action_presses')
    .columns(['first_at_ms'])
    .execute();
}
