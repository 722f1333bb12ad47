import { sql, type Kysely } from 'kysely';
import type { Engine } from '../db';

/**
 * The order webhook events were stored in, across replicas. livekit-server sends a room's events one at
 * a time, each after the previous one was answered (livekit/protocol `webhook/resource_url_notifier.go`),
 * and a replica answers only once the event is written; so the database's own sequence is the room's
 * event order, whichever replica took each event and whatever its clock says. On PostgreSQL `seq` is a
 * bigserial; SQLite has one replica (one clock), so it orders by `received_at` and leaves `seq` null.
 * The partial index serves the owner's read of a room's events still to apply.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  await db.schema
    .alterTable('webhook_events')
    .addColumn('seq', engine === 'postgres' ? 'bigserial' : 'integer')
    .execute();
  await db.schema
    .createIndex('webhook_events_room_open')
    .on('webhook_events')
    .columns(['room_name', 'seq'])
    .where(sql<boolean>`processed_at is null`)
    .execute();
}
