/**
 * A failed LiveKit API call, classified. The gateway turns SDK errors into this
 * (see livekit-sip-api.md §1, §6, §12); diagnosis and messages work from it.
 */
export type LiveKitFailure =
  /** The call reached a SIP peer that answered with a final status ≥ 300 (`SipCallError`). */
  | { kind: 'sip-status'; sipStatus: number; reason: string; twirpCode?: string; httpStatus: number; message: string }
  /** No answer before the ringing timeout: a plain ServerError 408 `canceled` with no SIP meta. */
  | { kind: 'ringing-timeout'; message: string }
  /** The HTTP request to LiveKit itself timed out on our side (DOMException TimeoutError). */
  | { kind: 'request-timeout'; message: string }
  /** LiveKit could not be reached at all (connection refused, DNS, reset). */
  | { kind: 'unreachable'; message: string }
  /** 401: bad key/secret or token (`bad-credentials`), or a token without the needed grant (`missing-grant`). */
  | { kind: 'auth'; reason: 'bad-credentials' | 'missing-grant'; message: string }
  /** 404 `not_found`: trunk, rule or room does not exist. */
  | { kind: 'not-found'; message: string }
  /** 400 `invalid_argument`: validation or conflict (the message names the conflict). */
  | { kind: 'invalid-argument'; message: string }
  /** 503 `unavailable`: no livekit-sip answered the RPC, livekit-sip is out of CPU, or it hit a network error before the INVITE. */
  | { kind: 'no-sip-service'; message: string }
  /** 412 `failed_precondition` without SIP meta (e.g. digest required but no credentials on the trunk). */
  | { kind: 'failed-precondition'; message: string }
  /** 404 `bad_route`: the server does not serve this API (too old, or not LiveKit). */
  | { kind: 'unsupported'; message: string }
  /** Anything else. */
  | { kind: 'server'; httpStatus?: number; twirpCode?: string; message: string };

export type LiveKitResult<T> = { ok: true; value: T } | { ok: false; failure: LiveKitFailure };

export function describeFailure(f: LiveKitFailure): string {
  switch (f.kind) {
    case 'sip-status':
      return `SIP ${f.sipStatus} ${f.reason}`.trim();
    case 'ringing-timeout':
      return 'no answer before the ringing timeout';
    case 'request-timeout':
      return 'LiveKit did not answer in time';
    case 'unreachable':
      return 'LiveKit is unreachable';
    case 'auth':
      return f.reason === 'missing-grant'
        ? 'LiveKit token lacks the needed grant'
        : 'LiveKit rejected the API key/secret';
    default:
      return f.message;
  }
}
