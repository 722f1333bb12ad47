import { ServerError, SipCallError } from 'livekit-server-sdk';
import type { LiveKitFailure } from '../domain/livekit-failure';

/**
 * Turns whatever the SDK threw into a `LiveKitFailure` the rest of the code can explain
 * (livekit-sip-api.md §1 "SDK error decoding", §6 table, §12 pitfalls 2 and 11).
 */
export function classifyLiveKitError(err: unknown): LiveKitFailure {
  if (err instanceof SipCallError && err.sipStatusCode !== undefined && !Number.isNaN(err.sipStatusCode)) {
    return {
      kind: 'sip-status',
      sipStatus: err.sipStatusCode,
      reason: err.sipStatus ?? '',
      ...(err.code ? { twirpCode: err.code } : {}),
      httpStatus: err.status,
      message: err.message,
    };
  }
  if (err instanceof ServerError) {
    const message = oneLine(err.message);
    const meta = err.metadata ?? {};
    if (meta.sip_status_code !== undefined) {
      const code = Number(meta.sip_status_code);
      if (!Number.isNaN(code)) {
        return {
          kind: 'sip-status',
          sipStatus: code,
          reason: meta.sip_status ?? '',
          ...(err.code ? { twirpCode: err.code } : {}),
          httpStatus: err.status,
          message,
        };
      }
    }
    if (err.status === 401) {
      // Twirp `unauthenticated` JSON = token accepted but lacking the grant; plain text = bad key/secret/token.
      return err.code === 'unauthenticated'
        ? { kind: 'auth', reason: 'missing-grant', message }
        : { kind: 'auth', reason: 'bad-credentials', message };
    }
    switch (err.code) {
      case 'canceled':
        return { kind: 'ringing-timeout', message };
      case 'not_found':
        return { kind: 'not-found', message };
      case 'bad_route':
        return { kind: 'unsupported', message };
      case 'invalid_argument':
      case 'malformed':
      case 'out_of_range':
        return { kind: 'invalid-argument', message };
      case 'unavailable':
        return { kind: 'no-sip-service', message };
      case 'failed_precondition':
        return { kind: 'failed-precondition', message };
      case 'deadline_exceeded':
        return { kind: 'request-timeout', message };
      default:
        return {
          kind: 'server',
          httpStatus: err.status,
          ...(err.code ? { twirpCode: err.code } : {}),
          message: message || `HTTP ${err.status}`,
        };
    }
  }
  if (isTimeout(err)) return { kind: 'request-timeout', message: 'LiveKit did not answer before the request timeout' };
  const net = networkCode(err);
  if (net) return { kind: 'unreachable', message: `cannot reach LiveKit (${net})` };
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'server', message: oneLine(message) };
}

function isTimeout(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'name' in err &&
    ((err as { name: unknown }).name === 'TimeoutError' || (err as { name: unknown }).name === 'AbortError')
  );
}

const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NET_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) return 'fetch failed';
  return undefined;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 500);
}
