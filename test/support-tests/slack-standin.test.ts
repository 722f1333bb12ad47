import { App, LogLevel, isValidSlackRequest, verifySlackRequest } from '@slack/bolt';
import {
  ErrorCode,
  WebClient,
  WebClientEvent,
  LogLevel as WebLogLevel,
  type WebAPIHTTPError,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
} from '@slack/web-api';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SlackClient,
  appHomeOpened,
  conversationsSelect,
  radioButtons,
  signSlackRequest,
  slashCommand,
  staticSelect,
  viewSubmission,
} from '../support/slack-request';
import { SlackStandIn, decodeArgs } from '../support/slack-standin';

const TOKEN = 'xoxb-standin-test-token';
const SECRET = 'standin-test-signing-secret';

let slack: SlackStandIn;

beforeAll(async () => {
  slack = await SlackStandIn.start();
});
afterAll(async () => {
  await slack.stop();
});
beforeEach(() => slack.reset());

const client = (opts: ConstructorParameters<typeof WebClient>[1] = {}) =>
  new WebClient(TOKEN, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: WebLogLevel.ERROR,
    ...opts,
  });

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the call to fail');
}

describe('SlackStandIn with the real WebClient', () => {
  it('serves under url/api/ and records decoded arguments and the bearer token', async () => {
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(slack.apiUrl).toBe(`${slack.url}api/`);
    const before = Date.now();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Test call* to +14155550123' } }];
    const res = await client().chat.postMessage({
      channel: 'COPS0001',
      text: '[info] {not json}',
      blocks,
      unfurl_links: false,
    });
    expect(res.ok).toBe(true);
    expect(res.channel).toBe('COPS0001');
    expect(res.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(res.message?.text).toBe('[info] {not json}');

    const [call] = slack.callsTo('chat.postMessage');
    expect(call).toBeDefined();
    expect(call!.token).toBe(TOKEN);
    expect(call!.at).toBeGreaterThanOrEqual(before);
    expect(call!.args).toEqual({ channel: 'COPS0001', text: '[info] {not json}', blocks, unfurl_links: 'false' });
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
  });

  it('gives unique, increasing ts values and realistic default answers', async () => {
    const web = client();
    const a = await web.chat.postMessage({ channel: 'C1', text: 'a' });
    const b = await web.chat.postMessage({ channel: 'C1', text: 'b' });
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect((await web.auth.test()).user_id).toBe('UBOT0001');
    expect((await web.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' })).message_ts).toMatch(
      /^\d+\.\d{6}$/,
    );
    const info = await web.conversations.info({ channel: 'CSUPPORT1' });
    expect(info.channel).toMatchObject({ id: 'CSUPPORT1', is_member: true, is_private: false });
    expect((await web.conversations.join({ channel: 'CSUPPORT1' })).channel?.id).toBe('CSUPPORT1');
    expect((await web.reactions.add({ channel: 'C1', timestamp: a.ts!, name: 'white_check_mark' })).ok).toBe(true);
    // chat.update of a message that does not exist fails like Slack
    const err = await rejection(web.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }));
    expect((err as WebAPIPlatformError).data.error).toBe('message_not_found');
  });

  it('answers not_authed without a token', async () => {
    const err = await rejection(
      new WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }).auth.test(),
    );
    expect(err.code).toBe(ErrorCode.PlatformError);
    expect((err as WebAPIPlatformError).data.error).toBe('not_authed');
  });

  it('opens, updates and publishes views with V… ids and hashes; a stale hash conflicts', async () => {
    const web = client();
    const view = {
      type: 'modal' as const,
      callback_id: 'sip_setup',
      title: { type: 'plain_text' as const, text: 'SIP setup' },
      blocks: [],
      private_metadata: '{"c":"C1"}',
    };
    const opened = await web.views.open({ trigger_id: '123.456.abc', view });
    expect(opened.view?.id).toMatch(/^V[A-Z0-9]+$/);
    expect(opened.view?.hash).toEqual(expect.any(String));
    expect(opened.view?.private_metadata).toBe('{"c":"C1"}');
    expect(slack.callsTo('views.open')[0]!.args.view).toEqual(view);

    const updated = await web.views.update({
      view_id: opened.view!.id!,
      hash: opened.view!.hash!,
      view: { ...view, blocks: [{ type: 'divider' }] },
    });
    expect(updated.view?.id).toBe(opened.view!.id);
    expect(updated.view?.hash).not.toBe(opened.view!.hash);
    const conflict = await rejection(web.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view }));
    expect((conflict as WebAPIPlatformError).data.error).toBe('hash_conflict');

    const pushed = await web.views.push({ trigger_id: '123.456.def', view });
    expect(pushed.view?.id).not.toBe(opened.view!.id);

    const home = await web.views.publish({ user_id: 'UADMIN01', view: { type: 'home', blocks: [] } });
    expect(home.view?.id).toMatch(/^V/);
    expect(slack.homeView('UADMIN01')?.view).toEqual({ type: 'home', blocks: [] });
  });

  it('surfaces a scripted not_in_channel as a platform error, only as often as scripted', async () => {
    const web = client();
    slack.script('chat.postMessage', { ok: false, error: 'not_in_channel' }, 1);
    const err = await rejection(web.chat.postMessage({ channel: 'CPRIVATE1', text: 'hi' }));
    expect(err.code).toBe(ErrorCode.PlatformError);
    expect((err as WebAPIPlatformError).data.error).toBe('not_in_channel');
    expect(slack.messages('CPRIVATE1')).toEqual([]);
    // next call gets the default answer again
    expect((await web.chat.postMessage({ channel: 'CPRIVATE1', text: 'hi' })).ok).toBe(true);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('scripts by arguments, and expired_trigger_id on views.open', async () => {
    const web = client();
    slack.script('chat.postMessage', (args) =>
      args.channel === 'GPRIV0001' ? { ok: false, error: 'channel_not_found' } : undefined,
    );
    slack.script('views.open', { ok: false, error: 'expired_trigger_id' });
    await expect(web.chat.postMessage({ channel: 'GPRIV0001', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(web.chat.postMessage({ channel: 'COPS0001', text: 'x' })).resolves.toMatchObject({ ok: true });
    await expect(
      web.views.open({
        trigger_id: 't',
        view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }),
    ).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'expired_trigger_id' },
    });
  });

  it('merges an ok:true script over the default answer', async () => {
    slack.script('chat.postMessage', { ok: true, ts: '1700000123.000777' }, 1);
    const res = await client().chat.postMessage({ channel: 'C1', text: 'pinned ts' });
    expect(res).toMatchObject({ ok: true, channel: 'C1', ts: '1700000123.000777' });
    expect(slack.thread('C1', '1700000123.000777').parent?.text).toBe('pinned ts');
  });

  it('rejects a 429 with Retry-After as WebAPIRateLimitedError when rejectRateLimitedCalls is set', async () => {
    slack.script('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
    const err = await rejection(
      client({ rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'C1', text: 'x' }),
    );
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect((err as WebAPIRateLimitedError).retryAfter).toBe(1);
  });

  it('lets the WebClient wait Retry-After and retry a 429 otherwise', async () => {
    slack.script('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
    const web = client({ retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 } });
    let rateLimited: number | undefined;
    web.on(WebClientEvent.RATE_LIMITED, (sec: number) => (rateLimited = sec));
    const started = Date.now();
    const res = await web.chat.postMessage({ channel: 'C1', text: 'eventually' });
    expect(res.ok).toBe(true);
    expect(rateLimited).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const calls = slack.callsTo('chat.postMessage');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(slack.messages('C1').map((m) => m.text)).toEqual(['eventually']);
  });

  it('answers HTTP 500 (WebAPIHTTPError), delays and dropped connections', async () => {
    const web = client();
    slack.script('chat.update', { status: 500 }, 1);
    const err = await rejection(web.chat.update({ channel: 'C1', ts: '1.1', text: 'x' }));
    expect(err.code).toBe(ErrorCode.HTTPError);
    expect((err as WebAPIHTTPError).statusCode).toBe(500);

    slack.script('auth.test', { delayMs: 150, then: { ok: false, error: 'invalid_auth' } }, 1);
    const started = Date.now();
    await expect(web.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    slack.script('auth.test', { hangUp: true }, 1);
    await expect(web.auth.test()).rejects.toMatchObject({ code: ErrorCode.RequestError });
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('models one parent message, its edits and its thread', async () => {
    const web = client();
    const parent = await web.chat.postMessage({ channel: 'CSUPPORT1', text: 'Test call to +14155550123: dialing' });
    const r1 = await web.chat.postMessage({ channel: 'CSUPPORT1', thread_ts: parent.ts!, text: 'ringing' });
    await web.chat.postMessage({ channel: 'COTHER001', text: 'unrelated' });
    const r2 = await web.chat.postMessage({ channel: 'CSUPPORT1', thread_ts: parent.ts!, text: 'answered' });
    await web.chat.update({
      channel: 'CSUPPORT1',
      ts: parent.ts!,
      text: 'Test call to +14155550123: answered in 3 s',
      blocks: [{ type: 'divider' }],
    });

    const t = slack.thread('CSUPPORT1', parent.ts!);
    expect(t.parent).toMatchObject({
      text: 'Test call to +14155550123: answered in 3 s',
      edits: 1,
      blocks: [{ type: 'divider' }],
    });
    expect(t.parent!.versions.map((v) => v.text)).toEqual([
      'Test call to +14155550123: dialing',
      'Test call to +14155550123: answered in 3 s',
    ]);
    expect(t.replies.map((m) => [m.ts, m.text])).toEqual([
      [r1.ts, 'ringing'],
      [r2.ts, 'answered'],
    ]);
    expect(slack.topLevel('CSUPPORT1').map((m) => m.ts)).toEqual([parent.ts]);
    expect(slack.messages('CSUPPORT1').map((m) => m.thread_ts)).toEqual([undefined, parent.ts, parent.ts]);
    expect(slack.messages()).toHaveLength(4);

    await web.chat.delete({ channel: 'CSUPPORT1', ts: r1.ts! });
    expect(slack.thread('CSUPPORT1', parent.ts!).replies.map((m) => m.text)).toEqual(['answered']);
  });

  it('waits for a call that happens later, and times out with the calls seen', async () => {
    const web = client();
    setTimeout(() => void web.chat.postMessage({ channel: 'C1', thread_ts: '1.000001', text: 'later' }), 50);
    const call = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === '1.000001', 2000);
    expect(call.args.text).toBe('later');
    slack.minWaitMs = 0; // the timeout path itself, with a short bound
    try {
      await expect(slack.waitFor('views.open', 100)).rejects.toThrow(/timed out after 100 ms.*chat\.postMessage/);
    } finally {
      slack.minWaitMs = 20_000;
    }
  });

  it('accepts JSON bodies and records response_url posts', async () => {
    const res = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: 'C9', text: 'json', blocks: [{ type: 'divider' }] }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C9' });
    expect(slack.callsTo('chat.postMessage')[0]).toMatchObject({
      token: TOKEN,
      args: { channel: 'C9', blocks: [{ type: 'divider' }] },
    });

    const url = slack.responseUrl('cmd-1');
    expect(url).toBe(`${slack.url}response_url/cmd-1`);
    const post = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'Dialing…' }),
    });
    expect(post.status).toBe(200);
    expect(slack.responseUrlPosts('cmd-1')).toEqual([{ response_type: 'ephemeral', text: 'Dialing…' }]);
    expect(slack.responseUrlPosts()).toEqual([]);
    slack.script('response_url:gone', { status: 404, body: 'expired_url' });
    expect((await fetch(slack.responseUrl('gone'), { method: 'POST', body: '{}' })).status).toBe(404);

    slack.reset();
    expect(slack.calls).toEqual([]);
    expect(slack.responseUrlPosts('cmd-1')).toEqual([]);
    expect(slack.messages()).toEqual([]);
  });

  it('decodes form fields the way WebClient encodes them', () => {
    const raw = new URLSearchParams({
      channel: 'C1',
      text: '{"looks":"like json"}',
      blocks: '[{"type":"divider"}]',
      view: '{"type":"modal"}',
      n: '3',
    }).toString();
    expect(decodeArgs(raw, 'application/x-www-form-urlencoded')).toEqual({
      channel: 'C1',
      text: '{"looks":"like json"}',
      blocks: [{ type: 'divider' }],
      view: { type: 'modal' },
      n: '3',
    });
  });
});

describe('signed Slack requests', () => {
  const verify = (headers: Record<string, string>, body: string) => ({
    signingSecret: SECRET,
    body,
    headers: {
      'x-slack-signature': headers['x-slack-signature']!,
      'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
    },
  });

  it('passes Bolt verifySlackRequest / isValidSlackRequest, and a stale or forged one fails', () => {
    const body = slashCommand({ command: '/sip-test-call', text: 'acme +14155550123' });
    const headers = signSlackRequest(SECRET, body);
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(() => verifySlackRequest(verify(headers, body))).not.toThrow();
    expect(isValidSlackRequest(verify(headers, body))).toBe(true);

    const stale = signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000) - 301);
    expect(isValidSlackRequest(verify(stale, body))).toBe(false);
    expect(() => verifySlackRequest(verify(stale, body))).toThrow(/stale/);
    expect(isValidSlackRequest(verify(signSlackRequest('other-secret', body), body))).toBe(false);
    expect(isValidSlackRequest(verify(headers, `${body}&x=1`))).toBe(false);

    const event = JSON.stringify(appHomeOpened('UADMIN01'));
    expect(signSlackRequest(SECRET, event)['content-type']).toBe('application/json');
  });

  it('builds payloads the real Bolt app routes: command, view submission, block action, event', async () => {
    const seen: Record<string, unknown> = {};
    const app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      botId: 'BBOT0001',
      botUserId: 'UBOT0001',
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/sip-setup', async ({ ack, command, client: web }) => {
      await ack();
      seen.command = command;
      await web.views.open({
        trigger_id: command.trigger_id,
        view: { type: 'modal', callback_id: 'sip_setup', title: { type: 'plain_text', text: 'SIP setup' }, blocks: [] },
      });
    });
    app.view('sip_setup', async ({ ack, view }) => {
      seen.values = view.state.values;
      seen.privateMetadata = view.private_metadata;
      await ack({ response_action: 'errors', errors: { name: 'Taken' } });
    });
    app.action('retry_call', async ({ ack, respond, body }) => {
      await ack();
      seen.actionUser = body.user.id;
      await respond({ replace_original: false, text: 'Retrying' });
    });
    app.event('app_home_opened', async ({ event, client: web }) => {
      await web.views.publish({ user_id: event.user, view: { type: 'home', blocks: [] } });
    });
    const server = (await app.start(0)) as Server;
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const sc = new SlackClient(base, SECRET, { responseUrl: (id) => slack.responseUrl(id) });

      // signature problems
      expect((await sc.command('/sip-setup', '', {}, { badSignature: true })).status).toBe(401);
      expect((await sc.command('/sip-setup', '', {}, { stale: true })).status).toBe(401);
      expect(
        (
          await sc.command(
            { command: '/sip-setup' },
            { contentType: 'application/x-www-form-urlencoded; charset=utf-8' },
          )
        ).status,
      ).toBe(400);
      expect(slack.calls).toEqual([]);

      // command → views.open with the trigger
      const cmd = await sc.command('/sip-setup', 'acme', { user_id: 'UADMIN01' });
      expect(cmd.status).toBe(200);
      const open = await slack.waitFor('views.open');
      expect(open.args.trigger_id).toBe((seen.command as { trigger_id: string }).trigger_id);
      expect(seen.command).toMatchObject({
        command: '/sip-setup',
        text: 'acme',
        user_id: 'UADMIN01',
        response_url: slack.responseUrl('default'),
      });

      // view submission: element value shapes
      const sub = await sc.submitView({
        callbackId: 'sip_setup',
        privateMetadata: '{"channel":"COPS0001"}',
        values: {
          name: { name: 'acme' },
          transport: { transport: staticSelect('udp') },
          dispatch: { dispatch: radioButtons('individual') },
          report: { report: conversationsSelect('COPS0001') },
        },
      });
      expect(sub).toMatchObject({ status: 200, body: { response_action: 'errors', errors: { name: 'Taken' } } });
      expect(seen.privateMetadata).toBe('{"channel":"COPS0001"}');
      expect(seen.values).toEqual({
        name: { name: { type: 'plain_text_input', value: 'acme' } },
        transport: {
          transport: {
            type: 'static_select',
            selected_option: { text: { type: 'plain_text', text: 'udp', emoji: true }, value: 'udp' },
          },
        },
        dispatch: {
          dispatch: {
            type: 'radio_buttons',
            selected_option: { text: { type: 'plain_text', text: 'individual', emoji: true }, value: 'individual' },
          },
        },
        report: { report: { type: 'conversations_select', selected_conversation: 'COPS0001' } },
      });

      // block action → respond() to the response_url sink
      const act = await sc.action({
        actionId: 'retry_call',
        value: 'call-1',
        user: 'USUPPORT1',
        responseUrl: slack.responseUrl('act-1'),
      });
      expect(act.status).toBe(200);
      await slack.waitForResponseUrlPost('act-1');
      expect(slack.responseUrlPosts('act-1')).toEqual([{ replace_original: false, text: 'Retrying' }]);
      expect(seen.actionUser).toBe('USUPPORT1');

      // Events API envelope
      const ev = await sc.event(appHomeOpened('UADMIN01'));
      expect(ev.status).toBe(200);
      await slack.waitFor('views.publish');
      expect(slack.homeView('UADMIN01')).toBeDefined();
      expect(slack.calls.every((c) => c.token === TOKEN)).toBe(true);
    } finally {
      await app.stop();
    }
  });

  it('gives every view submission a realistic envelope', () => {
    const p = viewSubmission({ callbackId: 'cb', values: { a: { a: null } }, user: 'U2', viewId: 'V123' }) as {
      type: string;
      user: { id: string };
      view: { id: string; callback_id: string; state: { values: unknown }; blocks: Array<{ block_id: string }> };
      trigger_id: string;
    };
    expect(p.type).toBe('view_submission');
    expect(p.user.id).toBe('U2');
    expect(p.view).toMatchObject({
      id: 'V123',
      callback_id: 'cb',
      state: { values: { a: { a: { type: 'plain_text_input', value: null } } } },
    });
    expect(p.view.blocks.map((b) => b.block_id)).toEqual(['a']);
    expect(p.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
  });
});
