import {
  SinchError,
  SinchUnexpectedError,
  scrubSecrets,
  sinchErrorForStatus,
  sinchTimeoutError,
  sinchUnreachableError,
} from './errors';
import { TokenResponse } from './wire';

/**
 * OAuth2 client-credentials token for a Sinch project Access Key (sinch-est-api.md §1.2; SDK
 * `packages/sdk-client/src/plugins/oauth2/oauth2-api.ts`): `POST {auth}/oauth2/token`, form body
 * `grant_type=client_credentials`, HTTP Basic `keyId:keySecret`. One token is cached per process and
 * renewed `renewBeforeSec` before it expires (the SDK renews 60 s early); concurrent callers share one
 * request. The secret appears only in the Authorization header of that request.
 */
export interface TokenSourceOptions {
  authUrl: string;
  keyId: string;
  keySecret: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** Milliseconds since the epoch; injectable so tests move time without waiting. */
  now: () => number;
  renewBeforeSec?: number;
}

interface Cached {
  value: string;
  renewAt: number;
}

export class SinchTokenSource {
  private cached: Cached | undefined;
  private inflight: Promise<string> | undefined;
  /** How many tokens were fetched (for tests and metrics). */
  fetchCount = 0;

  constructor(private readonly opts: TokenSourceOptions) {}

  async token(): Promise<string> {
    const c = this.cached;
    if (c && this.opts.now() < c.renewAt) return c.value;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Drops the cached token if it is still `value` (a 401 on it); a newer one is kept. */
  invalidate(value: string): void {
    if (this.cached?.value === value) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const operation = 'POST /oauth2/token';
    const basic = Buffer.from(`${this.opts.keyId}:${this.opts.keySecret}`).toString('base64');
    let res: Response;
    try {
      res = await this.opts.fetch(`${this.opts.authUrl}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw fetchFailure(err, operation, this.opts.timeoutMs);
    }
    this.fetchCount++;
    const text = await res.text();
    if (!res.ok) {
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), this.opts.now());
      throw sinchErrorForStatus(res.status, scrubSecrets(text, [this.opts.keySecret, basic]).slice(0, 200), {
        operation,
        ...(retryAfter !== undefined ? { retryAfterSec: retryAfter } : {}),
      });
    }
    const parsed = TokenResponse.safeParse(safeJson(text));
    if (!parsed.success)
      throw new SinchUnexpectedError(`Sinch's token endpoint answered without a usable token`, { operation });
    const renewBefore = Math.min(this.opts.renewBeforeSec ?? 60, parsed.data.expires_in / 2);
    this.cached = {
      value: parsed.data.access_token,
      renewAt: this.opts.now() + (parsed.data.expires_in - renewBefore) * 1000,
    };
    return parsed.data.access_token;
  }
}

export function safeJson(text: string): unknown {
  try {
    return text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` as whole seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** A thrown fetch (abort on timeout, refused connection, DNS) as a classified error. */
export function fetchFailure(err: unknown, operation: string, timeoutMs: number): SinchError {
  const name = typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : '';
  if (name === 'TimeoutError' || name === 'AbortError') return sinchTimeoutError(operation, timeoutMs);
  return sinchUnreachableError(operation, networkCode(err) ?? 'network error');
}

function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
