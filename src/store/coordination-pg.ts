/**
 * The coordination of replicas on one PostgreSQL database, with PostgreSQL's own tools: leases and
 * slot claims are rows under a primary key updated by one conditional upsert (`insert … on conflict
 * do update … where expired`), a channel's Slack calls take turns under its advisory lock, spaced from the
 * previous call's end by a `channel_pacing` row. Times come from the database's clock, so replicas on
 * machines whose clocks differ still agree.
 */
import { sql, type Kysely } from 'kysely';
import { leaseRowKey, type ChannelPacer, type Coordination, type Leases, type SlotClaims } from './coordination';
import { PG_NOW_MS as NOW_MS } from './pg-time';
import type { Database } from './schema';

/**
 * The take-over rule of every lease upsert (`insert into coordination_leases … ` followed by this): the
 * row becomes the inserting holder's when it is not done and its lease ran out or is that holder's already.
 */
export const LEASE_TAKE_OVER = sql`on conflict (key) do update set holder = excluded.holder, expires_at = excluded.expires_at
      where coordination_leases.done = 0
        and (coordination_leases.expires_at < ${NOW_MS} or coordination_leases.holder = excluded.holder)`;

/** Lease keys of `lease:` rows returned by a statement. */
const leaseKeysOf = (rows: ReadonlyArray<{ key: string }>): Set<string> =>
  new Set(rows.map((row) => row.key.slice(leaseRowKey('').length)));

/** Conditional take-over of a lease row; returns the holder after the statement. */
async function takeRow(db: Kysely<Database>, key: string, holder: string, ttlMs: number): Promise<string> {
  const r = await sql<{ holder: string }>`
    insert into coordination_leases (key, holder, expires_at, done) values (${key}, ${holder}, ${NOW_MS} + ${ttlMs}, 0)
    ${LEASE_TAKE_OVER}
    returning holder`.execute(db);
  if (r.rows[0]) return r.rows[0].holder;
  const row = await db
    .selectFrom('coordination_leases')
    .select(['holder', 'done'])
    .where('key', '=', key)
    .executeTakeFirst();
  return row && row.done === 0 ? row.holder : '';
}

function pgLeases(db: Kysely<Database>): Leases {
  return {
    async acquire(key, holder, ttlMs) {
      const now = await takeRow(db, leaseRowKey(key), holder, ttlMs);
      return now === holder ? { ok: true } : { ok: false, holder: now };
    },
    async release(key, holder) {
      await db
        .deleteFrom('coordination_leases')
        .where('key', '=', leaseRowKey(key))
        .where('holder', '=', holder)
        .execute();
    },
    async renewAll(keys, holder, ttlMs) {
      if (keys.length === 0) return new Set();
      // A lease that ran out but nobody took is still this holder's row: renewed, as acquire would.
      // Rows are locked in key order (as recordNewWithEarlier's room claims take them), so two
      // multi-row lease statements never deadlock.
      const r = await sql<{ key: string }>`
        update coordination_leases set expires_at = ${NOW_MS} + ${ttlMs}
        where key in (select key from coordination_leases
          where key = any(${keys.map(leaseRowKey)}) and holder = ${holder} and done = 0
          order by key for update)
        returning key`.execute(db);
      return leaseKeysOf(r.rows);
    },
    async acquireAll(keys, holder, ttlMs) {
      if (keys.length === 0) return new Set();
      // As acquire, for many keys in one statement, taken in key order (no deadlock with renewAll or
      // the room claims of recordNewWithEarlier).
      const r = await sql<{ key: string }>`
        insert into coordination_leases (key, holder, expires_at, done)
        select k, ${holder}, ${NOW_MS} + ${ttlMs}, 0 from unnest(${[...new Set(keys.map(leaseRowKey))]}::text[]) as k
        order by k
        ${LEASE_TAKE_OVER}
        returning key`.execute(db);
      return leaseKeysOf(r.rows);
    },
    async releaseAll(keys, holder) {
      if (keys.length === 0) return;
      await sql`
        delete from coordination_leases
        where key in (select key from coordination_leases
          where key = any(${keys.map(leaseRowKey)}) and holder = ${holder}
          order by key for update)`.execute(db);
    },
  };
}

function pgSlots(db: Kysely<Database>): SlotClaims {
  return {
    claim: async (slot, owner, leaseMs) => (await takeRow(db, `slot:${slot}`, owner, leaseMs)) === owner,
    async complete(slot, owner) {
      await db
        .updateTable('coordination_leases')
        .set({ done: 1 })
        .where('key', '=', `slot:${slot}`)
        .where('holder', '=', owner)
        .execute();
    },
  };
}

function pgPacer(db: Kysely<Database>, pollMs = 20): ChannelPacer {
  return {
    async paced(channel, intervalMs, call) {
      // Under the channel's advisory lock (held only while the call runs, never while waiting): wait until
      // `next_at`, make the call, then set `next_at` to its end plus the interval. A call that arrives at Slack
      // before it ends is therefore at least the interval before the next one leaves.
      for (;;) {
        const r = await db.transaction().execute(async (trx) => {
          const lock = await sql<{
            got: boolean;
          }>`select pg_try_advisory_xact_lock(hashtext(${`pace:${channel}`})) as got`.execute(trx);
          if (!lock.rows[0]?.got) return { kind: 'busy' as const, waitMs: pollMs };
          const next = await sql<{ wait: string }>`
            select greatest(0, next_at - ${NOW_MS}) as wait from channel_pacing where channel = ${channel}`.execute(
            trx,
          );
          const waitMs = Number(next.rows[0]?.wait ?? 0);
          if (waitMs > 0) return { kind: 'busy' as const, waitMs };
          let outcome: { ok: true; value: Awaited<ReturnType<typeof call>> } | { ok: false; err: unknown };
          try {
            outcome = { ok: true, value: await call() };
          } catch (err) {
            outcome = { ok: false, err };
          }
          await sql`
            insert into channel_pacing (channel, next_at) values (${channel}, ${NOW_MS} + ${intervalMs})
            on conflict (channel) do update set next_at = greatest(channel_pacing.next_at, ${NOW_MS} + ${intervalMs})`.execute(
            trx,
          );
          return { kind: 'done' as const, outcome };
        });
        if (r.kind === 'done') {
          if (r.outcome.ok) return r.outcome.value;
          throw r.outcome.err;
        }
        await sleep(Math.max(pollMs, r.waitMs));
      }
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function postgresCoordination(db: Kysely<Database>): Coordination {
  return {
    shared: true,
    leases: pgLeases(db),
    slots: pgSlots(db),
    pacer: pgPacer(db),
  };
}
