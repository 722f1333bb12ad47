import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Database } from './schema';

/** Opens (creating its directory) the SQLite file in WAL mode. `:memory:` works for tests. */
export function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path, { timeout: 5000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
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
