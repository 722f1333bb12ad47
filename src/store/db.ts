import { sql, type Kysely } from 'kysely';
import type { DatabaseConfig } from '../config';
import { MIGRATIONS, type Migration } from './migrations';
import { openPostgres, redactUrl, type PostgresOptions } from './postgres';
import type { Database } from './schema';
import { openSqlite } from './sqlite';

export type Engine = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  /** True while the database answers a trivial query. */
  ping(): Promise<boolean>;
  /**
   * Whether a change written now would last: the file at the configured path is still the one
   * opened (same device and inode: not deleted, moved or replaced) and it takes a write lock.
   * `reason` says what is wrong, in words for an operator.
   */
  recordable(): Promise<{ ok: true } | { ok: false; reason: string }>;
  close(): Promise<void>;
}

/** A SQLite path (`:memory:` for tests), a postgres:// URL, or a parsed DATABASE_URL. */
export type StoreTarget = string | DatabaseConfig | ({ engine: 'postgres' } & PostgresOptions);

function resolve(target: StoreTarget): DatabaseConfig | ({ engine: 'postgres' } & PostgresOptions) {
  if (typeof target !== 'string') return target;
  return /^postgres(ql)?:\/\//.test(target) ? { engine: 'postgres', url: target } : { engine: 'sqlite', path: target };
}

/** What the logs say about where the data is (never the password). */
export function describeTarget(target: StoreTarget): string {
  const t = resolve(target);
  return t.engine === 'sqlite' ? `sqlite:${t.path}` : redactUrl(t.url);
}

/**
 * Opens the database (SQLite file, created with its directory, or a PostgreSQL server), applies
 * pending migrations and returns the Kysely handle.
 */
export async function openStore(target: StoreTarget, migrations: Migration[] = MIGRATIONS): Promise<Store> {
  const t = resolve(target);
  const opened = t.engine === 'sqlite' ? openSqlite(t.path) : openPostgres(t);
  const { db } = opened;
  try {
    await migrate(db, migrations, t.engine);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  let closed = false;
  return {
    db,
    engine: t.engine,
    async ping() {
      if (closed) return false;
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async recordable() {
      if (closed) return { ok: false, reason: 'the database is not open' };
      return opened.recordable();
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** Any fixed number: the advisory lock replicas take while one of them migrates. */
const MIGRATION_LOCK = 7_465_001;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction.
 * On PostgreSQL, replicas starting together take turns (a transaction-scoped advisory lock), so
 * each migration runs once; SQLite has one writer anyway.
 */
export async function migrate(
  db: Kysely<Database>,
  migrations: Migration[],
  engine: Engine = 'sqlite',
): Promise<number[]> {
  const applied: number[] = [];
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  const lock = async (trx: Kysely<Database>) => {
    if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
  };
  await db.transaction().execute(async (trx) => {
    await lock(trx);
    await trx.schema
      .createTable('schema_migrations')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute();
  });
  for (const m of ordered) {
    await db.transaction().execute(async (trx) => {
      await lock(trx);
      const done = await trx
        .selectFrom('schema_migrations')
        .select('version')
        .where('version', '=', m.version)
        .executeTakeFirst();
      if (done) return;
      await m.up(trx as unknown as Kysely<unknown>, engine);
      await trx
        .insertInto('schema_migrations')
        .values({ version: m.version, name: m.name, applied_at: new Date().toISOString() })
        .execute();
      applied.push(m.version);
    });
  }
  return applied;
}
