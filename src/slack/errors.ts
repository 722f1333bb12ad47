/**
 * Turns whatever `@slack/web-api` threw into a `SlackFailure` the rest of the code can act on, the way
 * `src/livekit/errors.ts` does for LiveKit. The error codes are `@slack/web-api`'s `ErrorCode`
 * (`src/errors.ts` of slackapi/node-slack-sdk): a 429 becomes `slack_webapi_rate_limited_error` with
 * `retryAfter` in seconds (when the client rejects rate-limited calls), an `ok: false` answer becomes
 * `slack_webapi_platform_error` with Slack's code in `data.error`, a transport failure
 * `slack_webapi_request_error`, another non-200 answer `slack_webapi_http_error` with `statusCode`.
 */
export type SlackFailure =
  /** HTTP 429 (or a `ratelimited` answer): wait `retryAfterMs`, then try again. */
  | { kind: 'rate-limited'; retryAfterMs: number; code: string }
  /** The network or a 5xx: worth another try. */
  | { kind: 'transient'; code: string }
  /** The bot is not a member of the channel (`not_in_channel`): invite it. */
  | { kind: 'not-in-channel'; code: string }
  /** No such channel, or one the bot cannot see (`channel_not_found`). */
  | { kind: 'channel-not-found'; code: string }
  /** Any other answer Slack gave (`invalid_blocks`, `msg_too_long`, `not_authed`, …): not retried. */
  | { kind: 'platform'; code: string }
  /** No answer of Slack's: another HTTP status (`http_404`) or something that is no Web API error (its message). */
  | { kind: 'unexpected'; code: string };

interface WebApiErrorShape {
  code?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  data?: { error?: unknown };
  message?: unknown;
}

/** Slack's error code for a log line or a notice: `not_in_channel`, `http_503`, `network`, … */
export function slackErrorCode(err: unknown): string {
  return classifySlackError(err).code;
}

export function classifySlackError(err: unknown): SlackFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as WebApiErrorShape;
  const platformCode = typeof e.data?.error === 'string' ? e.data.error : undefined;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = typeof e.retryAfter === 'number' && e.retryAfter >= 0 ? e.retryAfter : 1;
      return { kind: 'rate-limited', retryAfterMs: seconds * 1000, code: 'ratelimited' };
    }
    case 'slack_webapi_request_error':
      return { kind: 'transient', code: 'network' };
    case 'slack_webapi_http_error': {
      const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
      if (status === 429) return { kind: 'rate-limited', retryAfterMs: 1000, code: 'ratelimited' };
      return status >= 500
        ? { kind: 'transient', code: `http_${status}` }
        : { kind: 'unexpected', code: `http_${status}` };
    }
    default:
      break;
  }
  if (platformCode !== undefined) return fromPlatformCode(platformCode);
  const message = err instanceof Error ? err.message : typeof e.message === 'string' ? e.message : String(err);
  return { kind: 'unexpected', code: message };
}

function fromPlatformCode(code: string): SlackFailure {
  switch (code) {
    case 'ratelimited':
    case 'rate_limited':
      return { kind: 'rate-limited', retryAfterMs: 1000, code };
    case 'not_in_channel':
      return { kind: 'not-in-channel', code };
    case 'channel_not_found':
      return { kind: 'channel-not-found', code };
    default:
      return { kind: 'platform', code };
  }
}

/** Slack answered (`ok: false`): the request arrived and was refused for a reason Slack named. */
export function isSlackAnswer(f: SlackFailure): boolean {
  return f.kind === 'platform' || f.kind === 'not-in-channel' || f.kind === 'channel-not-found';
}

/** The bot cannot post in that channel (not a member, or cannot see it): an operator must invite it. */
export function isChannelAccess(f: SlackFailure): boolean {
  return f.kind === 'not-in-channel' || f.kind === 'channel-not-found';
}
