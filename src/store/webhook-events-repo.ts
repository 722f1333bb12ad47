import { sql, type Kysely } from 'kysely';
import { LEASE_TAKE_OVER } from './coordination-pg';
import { PG_NOW_MS } from './pg-time';
import type { Database } from './schema';

/** An event to record: with its payload it waits to be processed; without, it is recorded processed. */
export interface NewWebhookEvent {
  id: string;
  event: string;
  roomName: string | null;
  payload?: string;
  receivedAt?: Date;
}

/**
 * The rows of a batch in ID order: replicas inserting overlapping batches take the unique index's
 * locks in one order, so PostgreSQL never finds them deadlocked.
 */
function rowsInIdOrder(events: readonly NewWebhookEvent[], now: Date) {
  const at = now.toISOString();
  return [...events]
    .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    .map((e) => ({
      id: e.id,
      event: e.event,
      room_name: e.roomName,
      received_at: e.receivedAt?.toISOString() ?? at,
      payload: e.payload ?? null,
      processed_at: e.payload === undefined ? at : null,
    }));
}

/** A webhook event stored but not processed yet (its verified JSON). */
export interface StoredWebhookEvent {
  id: string;
  payload: string;
  receivedAt: string;
  roomName: string | null;
}

/** Whose room leases `recordNewWithEarlier` takes: the lease row key is `keyPrefix` + room name. */
export interface RoomClaim {
  keyPrefix: string;
  holder: string;
  ttlMs: number;
}

export interface RecordedWithEarlier {
  /** The room's events stored before it and not processed yet, oldest first. */
  earlier: string[];
  /** With a claim: true when the claim's holder has the event's room now. */
  mine?: boolean;
}

/** The upsert that takes the rooms' leases (an `ins` CTE holds the new events), in key order. */
function claimLeasesOfRooms(c: RoomClaim) {
  // Parenthesised here: Kysely writes a raw CTE body as it is.
  return sql<{ key: string }>`(
    insert into coordination_leases (key, holder, expires_at, done)
    select k, ${c.holder}, ${PG_NOW_MS} + ${c.ttlMs}, 0
    from (select distinct ${c.keyPrefix} || room_name as k from ins where room_name is not null) rooms
    order by k
    ${LEASE_TAKE_OVER}
    returning key)`;
}

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
  async recordNew(events: readonly NewWebhookEvent[], now: Date): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows = await this.db
      .insertInto('webhook_events')
      .values(rowsInIdOrder(events, now))
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /**
   * PostgreSQL (replicas): `recordNew`, and for each new event the IDs of its room's events stored
   * before it and not processed yet, in stored order, from the same statement (a data-modifying CTE:
   * the select sees the table as it was before the insert). The room's owner can then put the event
   * straight on its queue when it has queued all of those, without reading the room again.
   *
   * With `claim`, the same statement also takes the lease of each new event's room for `claim.holder`
   * (as `Leases.acquire` would: when nobody holds it, its holder's lease ran out, or it is the holder's
   * already) and says per event whether the holder has its room now, so a replica learns whether it
   * owns a room without a query of its own. The lease rows are taken in key order, as every multi-row
   * lease statement takes them (coordination-pg.ts), so concurrent statements never deadlock.
   */
  async recordNewWithEarlier(
    events: readonly NewWebhookEvent[],
    now: Date,
    claim?: RoomClaim,
  ): Promise<Map<string, RecordedWithEarlier>> {
    if (events.length === 0) return new Map();
    const earlier = sql<string[] | null>`(select array_agg(w.id order by w.seq) from webhook_events w
          where w.room_name = ins.room_name and w.processed_at is null and w.payload is not null)`;
    const inserted = this.db.with('ins', (qb) =>
      qb
        .insertInto('webhook_events')
        .values(rowsInIdOrder(events, now))
        .onConflict((oc) => oc.column('id').doNothing())
        .returning(['id', 'room_name']),
    );
    if (!claim) {
      const rows = await inserted
        .selectFrom('ins')
        .select(['ins.id', earlier.as('earlier')])
        .execute();
      return new Map(rows.map((r) => [r.id, { earlier: r.earlier ?? [] }]));
    }
    const rows = await inserted
      .with('claimed', () => claimLeasesOfRooms(claim))
      .selectFrom('ins')
      .select([
        'ins.id',
        earlier.as('earlier'),
        sql<boolean>`exists (select 1 from claimed c where c.key = ${claim.keyPrefix} || ins.room_name)`.as('mine'),
      ])
      .execute();
    return new Map(rows.map((r) => [r.id, { earlier: r.earlier ?? [], mine: r.mine }]));
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
      .orderBy('seq')
      .orderBy('received_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, payload: r.payload ?? '', receivedAt: r.received_at }));
  }

  /**
   * The stored, unprocessed events of these rooms, in the order they were stored (`seq`, the database's
   * sequence, on PostgreSQL: replicas' clocks may differ; `received_at` on SQLite's one replica).
   */
  async unprocessedOfRooms(rooms: readonly string[]): Promise<StoredWebhookEvent[]> {
    if (rooms.length === 0) return [];
    const rows = await this.db
      .selectFrom('webhook_events')
      .select(['id', 'payload', 'received_at', 'room_name'])
      .where('room_name', 'in', rooms)
      .where('processed_at', 'is', null)
      .where('payload', 'is not', null)
      .orderBy('seq')
      .orderBy('received_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, payload: r.payload ?? '', receivedAt: r.received_at, roomName: r.room_name }));
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
