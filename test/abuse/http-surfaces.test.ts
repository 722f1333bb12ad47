import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { ADMIN_USER, OPS_CHANNEL, TEST_SIGNING_SECRET, startHarness, type Harness } from '../support/app-harness';
import { signWebhook } from '../support/livekit-webhook';
import { signSlackRequest, slashCommand } from '../support/slack-request';

/** Forged, replayed, oversized and malformed requests: each gets a clear error and changes nothing. */
describe('abuse: HTTP surfaces', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${h.base}${path}`, { method: 'POST', headers, body });

  it('rejects Slack requests that are forged, replayed from the past, or unsigned', async () => {
    const body = slashCommand({ command: '/sip-setup', text: 'help', user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const now = Math.floor(Date.now() / 1000);
    expect((await post('/slack/events', body, signSlackRequest('forged-secret-0123456789', body))).status).toBe(401);
    expect((await post('/slack/events', body, signSlackRequest(TEST_SIGNING_SECRET, body, now - 600))).status).toBe(
      401,
    );
    expect((await post('/slack/events', body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(
      401,
    );
    // a valid signature over a different body does not carry over
    const other = signSlackRequest(TEST_SIGNING_SECRET, body.replace('help', 'list'));
    expect((await post('/slack/events', body, other)).status).toBe(401);
    expect(h.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it('answers malformed but correctly signed Slack payloads with 4xx and no side effects', async () => {
    for (const body of ['payload=%7Bnot-json', 'payload=', '{"type":"event_callback"']) {
      const res = await post('/slack/events', body, signSlackRequest(TEST_SIGNING_SECRET, body));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(h.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it('acknowledges signed commands, buttons and modals it has no handler for, and does nothing else', async () => {
    const before = h.slack.calls.length;
    const cmd = await h.client.command({
      command: '/not-ours',
      text: 'x',
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
    });
    expect(cmd.status).toBe(200);
    expect(cmd.body).toMatchObject({ response_type: 'ephemeral', text: 'This app does not handle /not-ours.' });
    const button = await h.client.action({ actionId: 'not_ours', value: 'x', user: ADMIN_USER, channel: OPS_CHANNEL });
    expect(button.status).toBe(200);
    const modal = await h.client.submitView({
      callbackId: 'not_ours',
      values: {},
      privateMetadata: '',
      user: ADMIN_USER,
    });
    expect(modal.status).toBe(200);
    // A block_actions payload without any action is acknowledged too.
    const empty = await h.client.interactive({
      type: 'block_actions',
      user: { id: ADMIN_USER },
      team: { id: 'T0TEST' },
      actions: [],
      trigger_id: '1.2.3',
    });
    expect(empty.status).toBe(200);
    expect(h.slack.calls.slice(before)).toEqual([]);
    // the ack-latency histogram says which payload kind was acknowledged
    const metrics = await (await fetch(`${h.base}/metrics`)).text();
    for (const kind of ['command', 'block_actions', 'view_submission']) {
      expect(metrics).toMatch(new RegExp(`sipops_slack_ack_seconds_count\\{kind="${kind}"\\} [1-9]`));
    }
  });

  it('refuses oversized bodies on both routes', async () => {
    const big = `payload=${'x'.repeat(1024 * 1024 + 10)}`;
    const slack = await post('/slack/events', big, signSlackRequest(TEST_SIGNING_SECRET, big));
    expect(slack.status).toBe(413);
    const lkBody = 'x'.repeat(1024 * 1024 + 10);
    const lk = await post('/livekit/webhook', lkBody, {
      authorization: await signWebhook(lkBody, h.livekit.apiKey, h.livekit.apiSecret),
    });
    expect(lk.status).toBe(413);
    expect((await fetch(`${h.base}/healthz`)).status).toBe(200);
  });

  it('tells a genuine but malformed LiveKit webhook (400) from a forged one (401)', async () => {
    const garbage = '{"event": 42, "room": "not-an-object"';
    const genuine = await post('/livekit/webhook', garbage, {
      authorization: await signWebhook(garbage, h.livekit.apiKey, h.livekit.apiSecret),
    });
    expect(genuine.status).toBe(400);
    expect(await genuine.json()).toEqual({ error: 'webhook body is not a LiveKit webhook event' });
    const forged = await post('/livekit/webhook', garbage, {
      authorization: await signWebhook(garbage, h.livekit.apiKey, 'another-secret-another-secret-another'),
    });
    expect(forged.status).toBe(401);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const sha256 = createHash('sha256').update(garbage).digest('base64');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: h.livekit.apiKey, sha256, exp })}.`;
    const unsigned = await post('/livekit/webhook', garbage, { authorization: algNone });
    expect(unsigned.status).toBe(401);
    const bearer = await post('/livekit/webhook', '{}', {
      authorization: `Bearer ${await signWebhook('{}', h.livekit.apiKey, h.livekit.apiSecret)}`,
    });
    expect(bearer.status).toBe(401);
    const expired = await post('/livekit/webhook', '{}', {
      authorization: await signWebhook(
        '{}',
        h.livekit.apiKey,
        h.livekit.apiSecret,
        Math.floor(Date.now() / 1000) - 3600,
      ),
    });
    expect(expired.status).toBe(401);
  });

  it('answers any method other than POST on /slack/events with 405 and stays up', async () => {
    for (const method of ['GET', 'PUT', 'HEAD', 'DELETE', 'OPTIONS']) {
      const res = await fetch(`${h.base}/slack/events`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
    expect((await fetch(`${h.base}/healthz`)).status).toBe(200);
  });

  it('answers a signed payload=null (and other non-object payloads) with 400 and stays up', async () => {
    for (const body of ['payload=null', 'payload=42', 'payload=%22text%22', 'payload=%5B%5D']) {
      const res = await post(
        '/slack/events',
        body,
        signSlackRequest(TEST_SIGNING_SECRET, body, undefined, 'application/x-www-form-urlencoded'),
      );
      expect(res.status).toBe(400);
    }
    const json = await post(
      '/slack/events',
      'null',
      signSlackRequest(TEST_SIGNING_SECRET, 'null', undefined, 'application/json'),
    );
    expect(json.status).toBe(400);
    expect((await fetch(`${h.base}/healthz`)).status).toBe(200);
    expect(h.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it('refuses Slack requests dated more than 5 minutes in the future', async () => {
    const body = slashCommand({ command: '/sip-setup', text: 'help', user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const now = Math.floor(Date.now() / 1000);
    expect((await post('/slack/events', body, signSlackRequest(TEST_SIGNING_SECRET, body, now + 600))).status).toBe(
      401,
    );
    expect((await post('/slack/events', body, signSlackRequest(TEST_SIGNING_SECRET, body, now + 60))).status).toBe(200);
  });

  it('answers a signed view_submission without a view with 400', async () => {
    const body = new URLSearchParams({
      payload: JSON.stringify({ type: 'view_submission', user: { id: ADMIN_USER }, team: { id: 'T0TEST' } }),
    }).toString();
    const res = await post('/slack/events', body, signSlackRequest(TEST_SIGNING_SECRET, body));
    expect(res.status).toBe(400);
  });

  it('answers HEAD /healthz with 200 and no body', async () => {
    const res = await fetch(`${h.base}/healthz`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('survives arbitrary slash-command text without a 5xx (property-based)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (text) => {
        const res = await h.client.command({
          command: '/sip-setup',
          text,
          user_id: 'UOTHER01',
          channel_id: OPS_CHANNEL,
        });
        expect(res.status).toBe(200);
        const raw = JSON.stringify(res.body);
        // whatever was typed never comes back as a live mention or link
        expect(raw).not.toMatch(/<!(channel|here|everyone)>/);
      }),
      { numRuns: 40 },
    );
    expect((await fetch(`${h.base}/readyz`)).status).toBe(200);
  });
});
