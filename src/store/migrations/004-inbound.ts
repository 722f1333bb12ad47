import type { Kysely } from 'kysely';

/**
 * Webhook events are kept until processed: the verified event (JSON) is written before LiveKit
 * gets its 200, and marked processed once its room queue has handled it. A start replays what a
 * crash left unprocessed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_events').addColumn('payload', 'text').execute();
  await db.schema.alterTable('webhook_events').addColumn('processed_at', 'text').execute();
  await db.schema
    .createIndex('webhook_events_unprocessed')
    .on('webhook_events')
    .columns(['processed_at', 'received_at'])
    .execute();
}
