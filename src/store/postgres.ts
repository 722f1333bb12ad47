import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { PgSslMode } from '../config';
import { DEFAULT_RETRY, retryingPool, type RetryPolicy } from './pg-retry';
import type { Database } from './schema';
import type { OpenedDatabase } from './sqlite';

export interface PostgresOptions {
  /** postgres://user:password@host:5432/db?sslmode=require — `sslmode` selects TLS. */
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** TLS as libpq's sslmode says (config.ts resolves it from the URL or PGSSLMODE); unset: node-postgres reads the URL. */
  sslMode?: PgSslMode;
  retry?: RetryPolicy;
  /** Errors of idle pooled connections (the pool drops them; the next query reconnects). */
  onIdleError?(err: Error): void;
}

/** bigint (int8) columns hold epoch milliseconds and counts: well inside Number's exact range. */
const BIGINT_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === BIGINT_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * node-postgres's `ssl` for a libpq sslmode: `require` encrypts without checking the certificate (as
 * libpq does without a root certificate), `verify-ca` checks the chain, `verify-full` also the host name.
 */
export function pgTlsOption(
  mode: PgSslMode,
): false | { rejectUnauthorized: boolean; checkServerIdentity?: () => undefined } {
  switch (mode) {
    case 'disable':
      return false;
    case 'no-verify':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

/** The pool's connection settings: with a resolved sslMode, the URL's own `sslmode` is taken out so it cannot override it. */
export function pgConnection(o: Pick<PostgresOptions, 'url' | 'sslMode'>): pg.PoolConfig {
  if (!o.sslMode) return { connectionString: o.url };
  const u = new URL(o.url);
  u.searchParams.delete('sslmode');
  return { connectionString: u.toString(), ssl: pgTlsOption(o.sslMode) };
}

/**
 * A Kysely handle over a `pg` pool; a lost connection is retried (see pg-retry.ts). A change
 * lasts once the server has it, so `recordable` only asks whether the server answers.
 */
export function openPostgres(o: PostgresOptions): OpenedDatabase {
  const pool = new pg.Pool({
    ...pgConnection(o),
    max: o.poolSize ?? 10,
    statement_timeout: o.statementTimeoutMs ?? 10_000,
    connectionTimeoutMillis: 10_000,
    application_name: 'sip-ops',
    types,
  });
  // An idle client whose backend goes away emits 'error' on the pool; unhandled it would end the process.
  pool.on('error', (err) => o.onIdleError?.(err));
  // A client can also hear its backend's termination while checked out between queries or just after
  // being released for destruction (the FATAL message arrives after the query already failed): every
  // client keeps one listener for its whole life, so no such 'error' event is ever unheard.
  pool.on('connect', (client) => client.on('error', (err) => o.onIdleError?.(err)));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: retryingPool(pool, o.retry ?? DEFAULT_RETRY) }),
  });
  return {
    db,
    async recordable() {
      try {
        await sql`select 1`.execute(db);
        return { ok: true };
      } catch (err) {
        return { ok: false, reason: `the PostgreSQL database does not answer (${(err as Error).message})` };
      }
    },
  };
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
