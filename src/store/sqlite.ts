import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import { accessSync, constants as fsConstants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from './schema';

export type Recordable = { ok: true } | { ok: false; reason: string };

/** A Kysely handle and whether a change written now would last (see Store.recordable). */
export interface OpenedDatabase {
  db: Kysely<Database>;
  recordable(): Promise<Recordable>;
}

/** Opens (creating its directory) the SQLite file in WAL mode. `:memory:` works for tests. */
export function openSqlite(path: string): OpenedDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path, { timeout: 5000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Deleted and overwritten content (e.g. a password before it was sealed) is zeroed, not left in free pages.
  sqlite.pragma('secure_delete = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const opened = path === ':memory:' ? undefined : statSync(path);
  return {
    db,
    async recordable() {
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
