import { accessSync, constants as fsConstants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import type { Database } from './schema';
import { MIGRATIONS, type Migration } from './migrations';

export interface Store {
  db: Kysely<Database>;
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

/**
 * Opens the SQLite database file (creating its directory), applies pending migrations
 * in one transaction each, and returns the Kysely handle. `:memory:` works for tests.
 */
export async function openStore(path: string, migrations: Migration[] = MIGRATIONS): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path, { timeout: 5000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Deleted and overwritten content (e.g. a password before it was sealed) is zeroed, not left in free pages.
  sqlite.pragma('secure_delete = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await migrate(db, migrations);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  let closed = false;
  const opened = path === ':memory:' ? undefined : statSync(path);
  return {
    db,
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
      if (opened) {
        const problem = fileProblem(path, opened);
        if (problem) return { ok: false, reason: problem };
      }
      try {
        sqlite.exec('BEGIN IMMEDIATE');
        sqlite.exec('ROLLBACK');
        return { ok: true };
      } catch (err) {
        return { ok: false, reason: `the database at ${path} cannot be written (${(err as Error).message})` };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** Why the file at `path` is no longer the database opened as `opened`, or undefined. */
function fileProblem(path: string, opened: { dev: number; ino: number }): string | undefined {
  let now: { dev: number; ino: number };
  try {
    now = statSync(path);
  } catch {
    return `the database file ${path} was deleted or moved while SIP Ops was running; restart SIP Ops (changes made now would be lost)`;
  }
  if (now.dev !== opened.dev || now.ino !== opened.ino) {
    return `the database file ${path} was replaced while SIP Ops was running; restart SIP Ops (changes made now would be lost)`;
  }
  try {
    accessSync(path, fsConstants.W_OK);
  } catch {
    return `the database file ${path} is not writable`;
  }
  return undefined;
}

/** Most prepared statements kept per database (a multi-row insert has one text per row count). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query it runs; compiling the same SQL again is a measurable share of the
 * webhook intake's CPU. This keeps the prepared statements of data queries by their text (least
 * recently used out first). Kysely only runs `all`/`run` on them, which finish before the next
 * query starts (one connection, serialised by Kysely), so a cached statement is never busy;
 * statements that change the schema are not kept.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      const hit = cache.get(text);
      if (hit) {
        cache.delete(text);
        cache.set(text, hit);
        return hit;
      }
      const stmt = sqlite.prepare(text);
      if (/^\s*(select|insert|update|delete|with)\b/i.test(text)) {
        cache.set(text, stmt);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}

export async function migrate(db: Kysely<Database>, migrations: Migration[]): Promise<number[]> {
  await db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
  const done = new Set((await db.selectFrom('schema_migrations').select('version').execute()).map((r) => r.version));
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    await db.transaction().execute(async (trx) => {
      await m.up(trx as unknown as Kysely<unknown>);
      await trx
        .insertInto('schema_migrations')
        .values({ version: m.version, name: m.name, applied_at: new Date().toISOString() })
        .execute();
    });
    applied.push(m.version);
  }
  return applied;
}
