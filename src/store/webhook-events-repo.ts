import type { Kysely } from 'kysely';
import type { Database } from './schema';

/**
 * LiveKit webhook event IDs already taken in (livekit-server retries a delivery, so the same
 * event can arrive again, also after our restart). The first insert of an ID wins.
 */
export class WebhookEventsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records the event; false when its ID was seen before (a duplicate delivery). */
  async recordIfNew(e: { id: string; event: string; roomName: string | null }, now: Date): Promise<boolean> {
    const res = await this.db
      .insertInto('webhook_events')
      .values({ id: e.id, event: e.event, room_name: e.roomName, received_at: now.toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Records a batch in one statement; returns the IDs that were new (the others were seen before). */
  async recordNew(
    events: ReadonlyArray<{ id: string; event: string; roomName: string | null; payload?: string; receivedAt?: Date }>,
    now: Date,
  ): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const at = now.toISOString();
    // In ID order: replicas inserting overlapping batches take the unique index's locks in one
    // order, so PostgreSQL never finds them deadlocked.
    const ordered = [...events].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    const rows = await this.db
      .insertInto('webhook_events')
      .values(
        ordered.map((e) => ({
          id: e.id,
          event: e.event,
          room_name: e.roomName,
          received_at: e.receivedAt?.toISOString() ?? at,
          payload: e.payload ?? null,
          processed_at: e.payload === undefined ? at : null,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** Of `ids`, those stored but not processed yet. */
  async unprocessedAmong(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('webhook_events')
      .select('id')
      .where('id', 'in', ids)
      .where('processed_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** IDs received at or after `sinceIso`, newest first, at most `limit`. */
  async idsSince(sinceIso: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('webhook_events')
      .select('id')
      .where('received_at', '>=', sinceIso)
      .orderBy('received_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Marks events handled: their payload is dropped. */
  async markProcessed(ids: readonly string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('webhook_events')
      .set({ processed_at: now.toISOString(), payload: null })
      .where('id', 'in', ids)
      .execute();
  }

  /** Events taken in but not processed (a crash came between), oldest first. */
  async unprocessed(limit = 100_000): Promise<Array<{ id: string; payload: string; receivedAt: string }>> {
    const rows = await this.db
      .selectFrom('webhook_events')
      .select(['id', 'payload', 'received_at'])
      .where('processed_at', 'is', null)
      .where('payload', 'is not', null)
      .orderBy('received_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, payload: r.payload ?? '', receivedAt: r.received_at }));
  }

  /** The stored, unprocessed events of these rooms, in the order they were received. */
  async unprocessedOfRooms(
    rooms: readonly string[],
  ): Promise<Array<{ id: string; payload: string; receivedAt: string }>> {
    if (rooms.length === 0) return [];
    const rows = await this.db
      .selectFrom('webhook_events')
      .select(['id', 'payload', 'received_at'])
      .where('room_name', 'in', rooms)
      .where('processed_at', 'is', null)
      .where('payload', 'is not', null)
      .orderBy('received_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, payload: r.payload ?? '', receivedAt: r.received_at }));
  }

  /** Rooms with stored events not processed yet. */
  async unprocessedRooms(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('webhook_events')
      .select('room_name')
      .distinct()
      .where('processed_at', 'is', null)
      .where('payload', 'is not', null)
      .where('room_name', 'is not', null)
      .execute();
    return rows.flatMap((r) => (r.room_name ? [r.room_name] : []));
  }

  /** When the oldest event still waiting to be processed was received (ISO); undefined when none waits. */
  async oldestUnprocessedAt(): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('webhook_events')
      .select('received_at')
      .where('processed_at', 'is', null)
      .where('payload', 'is not', null)
      .orderBy('received_at')
      .limit(1)
      .executeTakeFirst();
    return r?.received_at;
  }

  async has(id: string): Promise<boolean> {
    const r = await this.db.selectFrom('webhook_events').select('id').where('id', '=', id).executeTakeFirst();
    return r !== undefined;
  }

  /** Forgets IDs received before `beforeIso` (livekit-server stops retrying long before). */
  async prune(beforeIso: string): Promise<number> {
    const res = await this.db.deleteFrom('webhook_events').where('received_at', '<', beforeIso).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
