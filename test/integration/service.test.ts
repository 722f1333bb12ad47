import { AccessToken } from 'livekit-server-sdk';
import { createHash } from 'node:crypto';
import {
  ADMIN_USER,
  OPS_CHANNEL,
  TEST_SIGNING_SECRET,
  eventually,
  startHarness,
  type Harness,
} from '../support/app-harness';
import { signSlackRequest, slashCommand } from '../support/slack-request';

describe('the service over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('answers /healthz, /readyz and /metrics', async () => {
    const health = await fetch(`${h.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${h.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', livekit: 'ok' } });
    const metrics = await fetch(`${h.base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/sipops_http_requests_total\{route="\/readyz",status="200"\} 1/);
    expect(text).toMatch(/sipops_livekit_call_seconds_count\{method="ListRooms",outcome="ok"\} 1/);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('answers a signed /sip-setup help with an ephemeral help text', async () => {
    const res = await h.client.command({
      command: '/sip-setup',
      text: 'help',
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
    });
    expect(res.status).toBe(200);
    const body = res.body as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('/sip-setup');
    expect(body.text).toContain('/sip-test-call');
    const metrics = await (await fetch(`${h.base}/metrics`)).text();
    expect(metrics).toMatch(/sipops_slack_ack_seconds_count\{kind="command"\} [1-9]/);
  });

  it('rejects a slash command with a wrong signature or a stale timestamp with 401', async () => {
    const body = slashCommand({ command: '/sip-setup', text: 'help', user_id: ADMIN_USER, channel_id: OPS_CHANNEL });
    const wrong = await fetch(`${h.base}/slack/events`, {
      method: 'POST',
      headers: signSlackRequest('not-the-secret', body),
      body,
    });
    expect(wrong.status).toBe(401);
    const stale = await fetch(`${h.base}/slack/events`, {
      method: 'POST',
      headers: signSlackRequest(TEST_SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 301),
      body,
    });
    expect(stale.status).toBe(401);
    const good = await fetch(`${h.base}/slack/events`, {
      method: 'POST',
      headers: signSlackRequest(TEST_SIGNING_SECRET, body),
      body,
    });
    expect(good.status).toBe(200);
  });

  it('rejects forged and tampered LiveKit webhooks with 401 and oversized ones with 413', async () => {
    const body = JSON.stringify({
      event: 'room_started',
      id: 'EV_forged00001',
      room: { name: 'x' },
      createdAt: '1700000000',
    });
    // signed with the wrong secret
    const forged = new AccessToken(h.livekit.apiKey, 'wrong-secret-wrong-secret-wrong-secret');
    forged.sha256 = createHash('sha256').update(body).digest('base64');
    const r1 = await fetch(`${h.base}/livekit/webhook`, {
      method: 'POST',
      headers: { authorization: await forged.toJwt(), 'content-type': 'application/webhook+json' },
      body,
    });
    expect(r1.status).toBe(401);
    // right key, but the body was changed after signing
    const at = new AccessToken(h.livekit.apiKey, h.livekit.apiSecret);
    at.sha256 = createHash('sha256').update(body).digest('base64');
    const jwt = await at.toJwt();
    const r2 = await fetch(`${h.base}/livekit/webhook`, {
      method: 'POST',
      headers: { authorization: jwt, 'content-type': 'application/webhook+json' },
      body: body.replace('"x"', '"y"'),
    });
    expect(r2.status).toBe(401);
    const r3 = await fetch(`${h.base}/livekit/webhook`, { method: 'POST', body });
    expect(r3.status).toBe(401);
    const r4 = await fetch(`${h.base}/livekit/webhook`, {
      method: 'POST',
      headers: { authorization: jwt },
      body: 'x'.repeat(1024 * 1024 + 1),
    });
    expect(r4.status).toBe(413);
    const ok = await fetch(`${h.base}/livekit/webhook`, {
      method: 'POST',
      headers: { authorization: jwt, 'content-type': 'application/webhook+json' },
      body,
    });
    expect(ok.status).toBe(200);
  });

  it('stays ready while LiveKit is down, reporting it in the body and in sipops_dependency_up, and clears it after', async () => {
    await h.livekit.setAvailable(false);
    try {
      const body = await eventually(
        async () => {
          const r = await fetch(`${h.base}/readyz`);
          const b = (await r.json()) as { status: string; degraded?: string[] };
          return r.status === 200 && b.degraded ? b : undefined;
        },
        5000,
        '/readyz reporting LiveKit down',
      );
      expect(body.degraded).toEqual([expect.stringMatching(/^livekit: LiveKit is unreachable/)]);
      const metrics = await (await fetch(`${h.base}/metrics`)).text();
      expect(metrics).toMatch(/sipops_dependency_up\{dependency="livekit"\} 0/);
      expect(metrics).toMatch(/sipops_dependency_up\{dependency="database"\} 1/);
    } finally {
      await h.livekit.setAvailable(true);
    }
    await eventually(
      async () => ((await (await fetch(`${h.base}/readyz`)).json()) as { degraded?: string[] }).degraded === undefined,
      5000,
      'LiveKit back',
    );
  });

  it('bounds the LiveKit probe: a hung LiveKit makes /readyz answer with a timeout note, not wait for the SDK', async () => {
    // A service of its own: no cached probe result from earlier tests; the SDK's own timeout stays at 10 s.
    const own = await startHarness();
    try {
      own.livekit.failNext('ListRooms', 'hang');
      const r = await fetch(`${own.base}/readyz`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { degraded: string[] }).degraded).toEqual([
        'livekit: LiveKit did not answer within 2 s',
      ]);
    } finally {
      await own.stop();
    }
  });

  it('answers 404 for unknown paths and 405 for a wrong method', async () => {
    expect((await fetch(`${h.base}/nope`)).status).toBe(404);
    expect((await fetch(`${h.base}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, closes the database and reports not ready while stopping', async () => {
    const h = await startHarness();
    try {
      expect((await fetch(`${h.base}/readyz`)).status).toBe(200);
      await h.stopService();
      expect(await h.deps.store.ping()).toBe(false);
      await expect(fetch(`${h.base}/healthz`)).rejects.toThrow();
    } finally {
      await h.stop();
    }
  });
});
