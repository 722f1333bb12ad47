/**
 * Classified failures of the Sinch APIs (EST, Numbers, OAuth), mirroring `src/livekit/errors.ts`: whatever
 * went wrong becomes one of a few kinds the rest of the code can explain. Messages never carry the key
 * secret or a bearer token (`scrubSecrets` runs on every text that comes from the wire).
 */

export type SinchFailureKind =
  | 'bad-key'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'rate-limited'
  | 'unavailable'
  | 'timeout'
  | 'invalid-request'
  | 'provisioning-stuck'
  | 'unexpected';

export interface SinchErrorDetails {
  /** HTTP status when Sinch answered. */
  status?: number;
  /** `status` of the error envelope, e.g. INVALID_ARGUMENT or NO_RESOURCE_FOUND. */
  apiStatus?: string;
  /** Seconds from `Retry-After` on a 429. */
  retryAfterSec?: number;
  /** The operation, e.g. "GET /trunks/{id}". */
  operation?: string;
}

export abstract class SinchError extends Error {
  abstract readonly kind: SinchFailureKind;
  readonly status?: number;
  readonly apiStatus?: string;
  readonly retryAfterSec?: number;
  readonly operation?: string;

  constructor(message: string, details: SinchErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    if (details.status !== undefined) this.status = details.status;
    if (details.apiStatus !== undefined) this.apiStatus = details.apiStatus;
    if (details.retryAfterSec !== undefined) this.retryAfterSec = details.retryAfterSec;
    if (details.operation !== undefined) this.operation = details.operation;
  }
}

/** 401: the access key ID/secret are wrong, revoked, or the token was refused twice. */
export class SinchBadKeyError extends SinchError {
  readonly kind = 'bad-key';
}
/** 403: the key is valid but the project does not allow this (EST not enabled, wrong project). */
export class SinchForbiddenError extends SinchError {
  readonly kind = 'forbidden';
}
export class SinchNotFoundError extends SinchError {
  readonly kind = 'not-found';
}
/** 409 (and the "already exists" family): e.g. a trunk host name taken. */
export class SinchConflictError extends SinchError {
  readonly kind = 'conflict';
}
/** 429 after the bounded retries, or a Retry-After longer than the client will wait. */
export class SinchRateLimitedError extends SinchError {
  readonly kind = 'rate-limited';
}
/** 5xx after the bounded retries, or the host cannot be reached. */
export class SinchUnavailableError extends SinchError {
  readonly kind = 'unavailable';
}
/** No answer before the per-request timeout. */
export class SinchTimeoutError extends SinchError {
  readonly kind = 'timeout';
}
/** 400/422: Sinch refused the request body or query (validation). */
export class SinchInvalidRequestError extends SinchError {
  readonly kind = 'invalid-request';
}
/** A Numbers API assignment still not done (or failed) after the bounded wait. */
export class SinchProvisioningStuckError extends SinchError {
  readonly kind = 'provisioning-stuck';
}
/** Anything else: an unknown status, or a body that does not match the wire schema. */
export class SinchUnexpectedError extends SinchError {
  readonly kind = 'unexpected';
}

/** What each kind means for a person reading the message. */
const KIND_TEXT: Record<SinchFailureKind, string> = {
  'bad-key': 'Sinch rejected the access key (check SINCH_KEY_ID / SINCH_KEY_SECRET)',
  forbidden: 'Sinch refused access for this project (check SINCH_PROJECT_ID and that EST is enabled)',
  'not-found': 'Sinch has no such resource',
  conflict: 'Sinch reports a conflict with an existing resource',
  'rate-limited': 'Sinch is rate limiting the requests',
  unavailable: 'Sinch is unavailable',
  timeout: 'Sinch did not answer before the timeout',
  'invalid-request': 'Sinch refused the request',
  'provisioning-stuck': 'Sinch has not finished provisioning the number',
  unexpected: 'Sinch answered unexpectedly',
};

/** The error class for an HTTP status Sinch answered with. */
export function sinchErrorForStatus(status: number, detail: string, details: SinchErrorDetails): SinchError {
  const d = { ...details, status };
  const text = (kind: SinchFailureKind) =>
    [
      KIND_TEXT[kind],
      details.operation ? `on ${details.operation}` : '',
      `(HTTP ${status}${detail ? `: ${detail}` : ''})`,
    ]
      .filter((s) => s.length > 0)
      .join(' ');
  if (status === 401) return new SinchBadKeyError(text('bad-key'), d);
  if (status === 403) return new SinchForbiddenError(text('forbidden'), d);
  if (status === 404) return new SinchNotFoundError(text('not-found'), d);
  if (status === 409) return new SinchConflictError(text('conflict'), d);
  if (status === 429) return new SinchRateLimitedError(text('rate-limited'), d);
  if (status === 400 || status === 422) return new SinchInvalidRequestError(text('invalid-request'), d);
  if (status >= 500) return new SinchUnavailableError(text('unavailable'), d);
  return new SinchUnexpectedError(text('unexpected'), d);
}

export function sinchTimeoutError(operation: string, timeoutMs: number): SinchTimeoutError {
  return new SinchTimeoutError(`${KIND_TEXT.timeout} (${timeoutMs} ms) on ${operation}`, { operation });
}

export function sinchUnreachableError(operation: string, cause: string): SinchUnavailableError {
  return new SinchUnavailableError(`cannot reach Sinch on ${operation} (${cause})`, { operation });
}

/** Replaces every literal secret (and any bearer token) in `s`; one line, bounded length. */
export function scrubSecrets(s: string, secrets: readonly string[]): string {
  let out = s.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]');
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('[redacted]');
  return out.replace(/\s+/g, ' ').trim().slice(0, 300);
}
