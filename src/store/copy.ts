import { sql, type Kysely } from 'kysely';
import type { Store } from './db';

type AnyDb = Kysely<Record<string, Record<string, unknown>>>;

/** Tables that describe the database itself or replica state, not data to carry over. */
const SKIPPED = new Set(['schema_migrations', 'coordination_leases', 'channel_pacing']);
const BATCH = 200;

async function tablesOf(store: Store): Promise<string[]> {
  const r =
    store.engine === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(
          store.db,
        )
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema() order by 1`.execute(
          store.db,
        );
  return r.rows.map((x) => x.name).filter((n) => !SKIPPED.has(n));
}

async function versionsOf(store: Store): Promise<string> {
  const rows = await store.db.selectFrom('schema_migrations').select('version').orderBy('version').execute();
  return rows.map((r) => r.version).join(',');
}

/**
 * Copies every data table of `from` (a SQLite database) into `to` (a PostgreSQL database at the
 * same migration versions, with no data yet), in one transaction: all of it arrives, or nothing.
 * Returns the rows copied per table.
 */
export async function copyDatabase(from: Store, to: Store): Promise<Record<string, number>> {
  const [vf, vt] = await Promise.all([versionsOf(from), versionsOf(to)]);
  if (vf !== vt)
    throw new Error(
      `the two databases are at different migration versions (${vf} vs ${vt}); start the same SIP Ops version on both first`,
    );
  const tables = await tablesOf(from);
  const targetTables = new Set(await tablesOf(to));
  const missing = tables.filter((t) => !targetTables.has(t));
  if (missing.length) throw new Error(`the target has no table ${missing.join(', ')}`);
  const src = from.db as unknown as AnyDb;
  for (const t of tables) {
    const r = await (to.db as unknown as AnyDb)
      .selectFrom(t)
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    if (Number(r.n) > 0)
      throw new Error(`the target is not empty (table ${t} has ${Number(r.n)} rows); copy into a fresh database`);
  }
  const copied: Record<string, number> = {};
  await to.db.transaction().execute(async (trx) => {
    const dst = trx as unknown as AnyDb;
    for (const t of tables) {
      const rows = await src.selectFrom(t).selectAll().execute();
      for (let i = 0; i < rows.length; i += BATCH)
        await dst
          .insertInto(t)
          .values(rows.slice(i, i + BATCH))
          .execute();
      copied[t] = rows.length;
    }
  });
  return copied;
}
