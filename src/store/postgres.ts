import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';
import { retryingPool, type RetryPolicy, DEFAULT_RETRY } from './pg-retry';

export interface PostgresOptions {
  /** postgres://user:password@host:5432/db?sslmode=require — `sslmode` selects TLS. */
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  retry?: RetryPolicy;
  /** Errors of idle pooled connections (the pool drops them; the next query reconnects). */
  onIdleError?(err: Error): void;
}

/** A Kysely handle over a `pg` pool; a lost connection is retried (see pg-retry.ts). */
export function openPostgres(o: PostgresOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.poolSize ?? 10,
    statement_timeout: o.statementTimeoutMs ?? 10_000,
    connectionTimeoutMillis: 10_000,
    application_name: 'sip-ops',
  });
  // An idle client whose backend goes away emits 'error' on the pool; unhandled it would end the process.
  pool.on('error', (err) => o.onIdleError?.(err));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: retryingPool(pool, o.retry ?? DEFAULT_RETRY) }) });
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
