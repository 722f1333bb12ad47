import type { Kysely } from 'kysely';

/**
 * Cross-replica coordination state (src/store/coordination.ts): leases (a binding change, a
 * summary slot) and the per-channel Slack pacing. Times are epoch milliseconds of the database's
 * clock on PostgreSQL. Numbered 008 so it never collides with 006/007 of other branches: the
 * runner applies every version it has not recorded, in order, whatever came before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('coordination_leases')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('channel_pacing')
    .addColumn('channel', 'text', (c) => c.primaryKey())
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .execute();
}
