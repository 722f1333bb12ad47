import { ErrorCode, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { classifySlackError, isChannelAccess, isSlackAnswer, slackErrorCode } from '../../../src/slack/errors';
import { SlackStandIn } from '../../support/slack-standin';

describe('classifySlackError', () => {
  it('reads Retry-After (seconds) of a rejected rate-limited call', () => {
    expect(
      classifySlackError(
        Object.assign(new Error('A rate limit was exceeded'), { code: ErrorCode.RateLimitedError, retryAfter: 7 }),
      ),
    ).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 7000,
      code: 'ratelimited',
    });
    expect(classifySlackError({ code: ErrorCode.RateLimitedError })).toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 1000,
    });
    expect(classifySlackError({ code: ErrorCode.PlatformError, data: { error: 'ratelimited' } })).toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 1000,
    });
  });

  it('treats network failures and 5xx as transient, other HTTP statuses as final', () => {
    expect(classifySlackError({ code: ErrorCode.RequestError, original: new Error('ECONNRESET') })).toEqual({
      kind: 'transient',
      code: 'network',
    });
    expect(classifySlackError({ code: ErrorCode.HTTPError, statusCode: 503 })).toEqual({
      kind: 'transient',
      code: 'http_503',
    });
    expect(classifySlackError({ code: ErrorCode.HTTPError, statusCode: 404 })).toEqual({
      kind: 'unexpected',
      code: 'http_404',
    });
  });

  it('names the channel-access errors an operator fixes by inviting the bot', () => {
    const notIn = classifySlackError({ code: ErrorCode.PlatformError, data: { ok: false, error: 'not_in_channel' } });
    const notFound = classifySlackError({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'channel_not_found' },
    });
    const other = classifySlackError({ code: ErrorCode.PlatformError, data: { ok: false, error: 'invalid_blocks' } });
    expect([notIn.kind, notFound.kind, other.kind]).toEqual(['not-in-channel', 'channel-not-found', 'platform']);
    expect([isChannelAccess(notIn), isChannelAccess(notFound), isChannelAccess(other)]).toEqual([true, true, false]);
    expect([notIn, other, classifySlackError({ code: ErrorCode.RequestError })].map(isSlackAnswer)).toEqual([
      true,
      true,
      false,
    ]);
    expect(slackErrorCode({ code: ErrorCode.PlatformError, data: { error: 'invalid_blocks' } })).toBe('invalid_blocks');
  });

  it('keeps the message of something that is no Web API error', () => {
    expect(classifySlackError(new Error('boom'))).toEqual({ kind: 'unexpected', code: 'boom' });
    expect(classifySlackError('odd')).toEqual({ kind: 'unexpected', code: 'odd' });
  });

  describe('against what @slack/web-api throws for the stand-in', () => {
    let slack: SlackStandIn;
    let web: WebClient;
    beforeAll(async () => {
      slack = await SlackStandIn.start();
      web = new WebClient('xoxb-test', {
        slackApiUrl: slack.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      });
    });
    afterAll(() => slack.stop());

    it('classifies a 429 with Retry-After and an ok:false answer', async () => {
      slack.script('chat.postMessage', { status: 429, retryAfter: 3 }, 1);
      const limited = await web.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e);
      expect(classifySlackError(limited)).toEqual({ kind: 'rate-limited', retryAfterMs: 3000, code: 'ratelimited' });
      slack.script('chat.postMessage', { ok: false, error: 'not_in_channel' }, 1);
      const notIn = (await web.chat
        .postMessage({ channel: 'C1', text: 'x' })
        .catch((e: unknown) => e)) as WebAPIPlatformError;
      expect(classifySlackError(notIn)).toEqual({ kind: 'not-in-channel', code: 'not_in_channel' });
    });
  });
});
