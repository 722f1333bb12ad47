import type { ServerResponse } from 'node:http';

/** Twirp error code → HTTP status ([twirp] `ServerHTTPStatusFromErrorCode`). */
export const TWIRP_HTTP_STATUS: Readonly<Record<string, number>> = {
  canceled: 408,
  deadline_exceeded: 408,
  unknown: 500,
  internal: 500,
  data_loss: 500,
  invalid_argument: 400,
  malformed: 400,
  out_of_range: 400,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  aborted: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  unimplemented: 501,
  unavailable: 503,
};

export function httpStatusForTwirpCode(code: string): number {
  return TWIRP_HTTP_STATUS[code] ?? 500;
}

/** A Twirp error as livekit-server writes it: `{code, msg, meta?}`. */
export class TwirpError extends Error {
  constructor(
    readonly code: string,
    msg: string,
    readonly meta: Record<string, string> = {},
  ) {
    super(msg);
    this.name = 'TwirpError';
  }
}

export const invalidArgument = (msg: string): TwirpError => new TwirpError('invalid_argument', msg);
export const notFound = (msg: string): TwirpError => new TwirpError('not_found', msg);
/** Plain Go errors returned by a handler pass `xtwirp.ToError` as `unknown` (HTTP 500). */
export const unknownError = (msg: string): TwirpError => new TwirpError('unknown', msg);
export const permissionsDenied = (): TwirpError => new TwirpError('unauthenticated', 'permissions denied');

export function badRoute(msg: string, method: string, path: string): TwirpError {
  return new TwirpError('bad_route', msg, { twirp_invalid_route: `${method} ${path}` });
}

/** Error body `{code,msg,meta?}`; Content-Type exactly `application/json` (the SDK compares it verbatim). */
export function writeTwirpError(res: ServerResponse, err: TwirpError): void {
  const body: { code: string; msg: string; meta?: Record<string, string> } = { code: err.code, msg: err.message };
  if (Object.keys(err.meta).length > 0) body.meta = err.meta;
  const text = JSON.stringify(body);
  res.writeHead(httpStatusForTwirpCode(err.code), {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function writeBody(res: ServerResponse, contentType: string, body: string | Uint8Array): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': buf.length });
  res.end(buf);
}

/** livekit-server's auth middleware failures: `HandleError` writes `err.Error()` as plain text. */
export function writePlainError(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
