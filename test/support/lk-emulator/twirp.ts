import type { ServerResponse } from 'node:http';

/** Twirp error codes → HTTP status ([twirp] ServerHTTPStatusFromErrorCode). */
export const TWIRP_STATUS: Record<string, number> = {
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

export class TwirpError extends Error {
  constructor(
    readonly code: string,
    msg: string,
    readonly meta: Record<string, string> = {},
  ) {
    super(msg);
  }
}

export const invalid = (msg: string) => new TwirpError('invalid_argument', msg);

/** `{code,msg,meta?}` with Content-Type exactly `application/json` (no charset: the SDK needs it exact). */
export function writeTwirpError(res: ServerResponse, err: TwirpError): void {
  const body: Record<string, unknown> = { code: err.code, msg: err.message };
  if (Object.keys(err.meta).length) body.meta = err.meta;
  const text = JSON.stringify(body);
  res.writeHead(TWIRP_STATUS[err.code] ?? 500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function writeJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Auth failures from livekit-server are plain text, not Twirp JSON. */
export function writePlain401(res: ServerResponse, text: string): void {
  res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
