import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type { Pool, PoolClient, QueryResult } from 'pg';

/** SQLSTATEs and socket errors that mean "this connection is gone", not "this statement is wrong". */
const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);
const LOST_SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

export function isConnectionLost(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (LOST_SQLSTATES.has(code) || LOST_SOCKET_CODES.has(code))) return true;
  const message = (err as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection is closed|Client has encountered a connection error/i.test(message)
  );
}

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** Delay before retry n (0-based). */
  delayMs(n: number): number;
  onRetry?(err: unknown, attempt: number): void;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, delayMs: (n) => Math.min(2000, 50 * 2 ** n) };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A pool client for Kysely that survives a lost connection: a statement outside a transaction
 * whose connection died (server restart, `pg_terminate_backend`, a dropped socket) runs again on a
 * fresh connection. Inside a transaction the error goes to the caller (the transaction is gone;
 * replaying half of it would be wrong), and the dead connection is discarded on release.
 */
class RetryingClient implements PostgresPoolClient {
  private inTransaction = false;
  private broken = false;
  /** A checked-out client whose socket dies emits 'error'; unheard it would end the process. */
  private readonly onClientError = () => {
    this.broken = true;
  };

  constructor(
    private client: PoolClient,
    private readonly pool: Pool,
    private readonly policy: RetryPolicy,
  ) {
    client.on('error', this.onClientError);
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query(cursor: never): never;
  query<R>(sql: string, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    return this.run<R>(sql, parameters ?? []);
  }

  private async run<R>(text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const opening = /^\s*(begin|start transaction)\b/i.test(text);
    const closing = /^\s*(commit|rollback|end)\b/i.test(text);
    for (let attempt = 0; ; attempt++) {
      try {
        const r: QueryResult = await this.client.query(text, [...parameters]);
        if (opening) this.inTransaction = true;
        if (closing) this.inTransaction = false;
        return r as unknown as PostgresQueryResult<R>;
      } catch (err) {
        if (!isConnectionLost(err)) throw err;
        this.broken = true;
        if (closing) this.inTransaction = false;
        if (this.inTransaction || opening || closing || attempt >= this.policy.retries) throw err;
        this.policy.onRetry?.(err, attempt + 1);
        await sleep(this.policy.delayMs(attempt));
        await this.replaceClient();
      }
    }
  }

  private async replaceClient(): Promise<void> {
    this.client.off('error', this.onClientError);
    this.client.release(true);
    this.client = await connectWithRetry(this.pool, this.policy);
    this.client.on('error', this.onClientError);
    this.broken = false;
  }

  release(destroy?: boolean): void {
    this.client.off('error', this.onClientError);
    this.client.release(destroy === true || this.broken);
  }
}

async function connectWithRetry(pool: Pool, policy: RetryPolicy): Promise<PoolClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await pool.connect();
    } catch (err) {
      if (!isConnectionLost(err) || attempt >= policy.retries) throw err;
      policy.onRetry?.(err, attempt + 1);
      await sleep(policy.delayMs(attempt));
    }
  }
}

/** The pool Kysely's PostgresDialect uses: `pg`'s pool, with lost connections retried. */
export function retryingPool(pool: Pool, policy: RetryPolicy = DEFAULT_RETRY): PostgresPool {
  return {
    connect: async () => new RetryingClient(await connectWithRetry(pool, policy), pool, policy),
    end: () => pool.end(),
  };
}
