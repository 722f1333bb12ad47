import type { z } from 'zod';
import { SinchError, SinchUnexpectedError, scrubSecrets, sinchErrorForStatus } from './errors';
import { fetchFailure, parseRetryAfter, safeJson, type SinchTokenSource } from './token';
import { ErrorEnvelope } from './wire';

/**
 * One authenticated JSON request to a Sinch API with the client's policies:
 * - a per-request timeout (AbortSignal), a hang becomes `SinchTimeoutError`;
 * - 401 on a cached token: the token is dropped and the request sent once more with a new one (the SDK's
 *   `api-fetch-client.ts` does this for `WWW-Authenticate: …expired`); a second 401 is a bad key;
 * - 429: waits `Retry-After` (or the backoff when absent), at most `max429Retries` times and never longer
 *   than `maxRetryAfterSec`; then `SinchRateLimitedError` carrying the server's Retry-After;
 * - 5xx: retried with exponential backoff at most `max5xxRetries` times, only for methods that are safe to
 *   repeat (POST creates are not repeated: a 500 after a create may have created it);
 * - every other failure classified (errors.ts); no secret or token in any message.
 */
export interface SinchHttpOptions {
  fetch: typeof fetch;
  tokens: SinchTokenSource;
  timeoutMs: number;
  max5xxRetries: number;
  max429Retries: number;
  maxRetryAfterSec: number;
  backoffBaseMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Literal values scrubbed from every error text. */
  secrets: readonly string[];
  /** Called once per HTTP exchange (retries included), for metrics and API-call budgets. */
  onExchange?: (e: SinchExchange) => void;
}

/** One HTTP exchange with Sinch: the operation (IDs hidden) and the status, or the failure kind when none came. */
export interface SinchExchange {
  operation: string;
  status?: number;
  failure?: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SinchRequest<T> {
  method: HttpMethod;
  /** Absolute URL. */
  url: string;
  /** Shown in errors, e.g. "GET /trunks/{id}". */
  operation: string;
  body?: unknown;
  /** Parses the 2xx body; omitted for requests answered with no content. */
  schema?: z.ZodType<T>;
}

const REPEATABLE = new Set<HttpMethod>(['GET', 'PUT', 'PATCH', 'DELETE']);

export class SinchHttp {
  constructor(private readonly opts: SinchHttpOptions) {}

  async request<T>(req: SinchRequest<T>): Promise<T> {
    let tokenRetried = false;
    let rateRetries = 0;
    let serverRetries = 0;
    for (;;) {
      const token = await this.opts.tokens.token();
      const res = await this.send(req, token).catch((err: unknown) => {
        this.opts.onExchange?.({
          operation: req.operation,
          failure: err instanceof SinchError ? err.kind : 'unexpected',
        });
        throw err;
      });
      this.opts.onExchange?.({ operation: req.operation, status: res.status });
      if (res.ok) return this.parse(req, await res.text());
      const text = await res.text();
      if (res.status === 401 && !tokenRetried) {
        tokenRetried = true;
        this.opts.tokens.invalidate(token);
        continue;
      }
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), this.opts.now());
      if (
        res.status === 429 &&
        rateRetries < this.opts.max429Retries &&
        (retryAfter ?? 0) <= this.opts.maxRetryAfterSec
      ) {
        await this.opts.sleep(retryAfter !== undefined ? retryAfter * 1000 : this.backoff(rateRetries));
        rateRetries++;
        continue;
      }
      if (res.status >= 500 && REPEATABLE.has(req.method) && serverRetries < this.opts.max5xxRetries) {
        await this.opts.sleep(this.backoff(serverRetries));
        serverRetries++;
        continue;
      }
      throw this.failure(req, res.status, text, retryAfter);
    }
  }

  private async send<T>(req: SinchRequest<T>, token: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.opts.fetch(req.url, {
        method: req.method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw fetchFailure(err, req.operation, this.opts.timeoutMs);
    }
  }

  private parse<T>(req: SinchRequest<T>, text: string): T {
    if (!req.schema) return undefined as T;
    const parsed = req.schema.safeParse(safeJson(text));
    if (parsed.success) return parsed.data;
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new SinchUnexpectedError(
      `Sinch answered ${req.operation} with an unexpected body${where ? ` (at ${where})` : ''}`,
      {
        operation: req.operation,
      },
    );
  }

  private failure<T>(req: SinchRequest<T>, status: number, text: string, retryAfter: number | undefined): SinchError {
    const env = ErrorEnvelope.safeParse(safeJson(text));
    const apiStatus = env.success ? env.data.status : undefined;
    const detail = scrubSecrets(
      env.success ? [env.data.status, env.data.message].filter(Boolean).join(' ') : '',
      this.opts.secrets,
    );
    return sinchErrorForStatus(status, detail, {
      operation: req.operation,
      ...(apiStatus ? { apiStatus } : {}),
      ...(retryAfter !== undefined ? { retryAfterSec: retryAfter } : {}),
    });
  }

  /** Exponential backoff: base, 2·base, 4·base … */
  private backoff(attempt: number): number {
    return this.opts.backoffBaseMs * 2 ** attempt;
  }
}
