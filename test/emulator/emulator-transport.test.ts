import { AccessToken, RoomServiceClient, ServerError, SipClient } from 'livekit-server-sdk';
import { LiveKitEmulator, serverError } from '../support/livekit-emulator/index';

/** Transport, auth, routing and fault injection, through the real livekit-server-sdk. */
describe('LiveKit emulator: transport and auth', () => {
  let lk: LiveKitEmulator;
  let sip: SipClient;
  beforeAll(async () => {
    lk = await LiveKitEmulator.start();
    sip = new SipClient(lk.url, lk.apiKey, lk.apiSecret);
  });
  afterEach(() => lk.reset());
  afterAll(async () => lk.stop());

  it('listens on 127.0.0.1 with the default dev credentials', () => {
    expect(lk.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lk.apiKey).toBe('devkey');
    expect(lk.apiSecret).toBe('devsecretdevsecretdevsecretdevsec');
  });

  it('rejects a bad secret with a plain-text 401: ServerError without a Twirp code', async () => {
    const e = await serverError(
      new SipClient(lk.url, lk.apiKey, 'wrong-secret-wrong-secret-wrong-secret').listSipInboundTrunk(),
    );
    expect(e.status).toBe(401);
    expect(e.code).toBeUndefined();
    expect(e.message).toBe('invalid authorization token: go-jose/go-jose: error in cryptographic primitive');
  });

  it('rejects an unknown API key and accepts extra keys', async () => {
    const e = await serverError(new SipClient(lk.url, 'nokey', lk.apiSecret).listSipInboundTrunk());
    expect(e).toMatchObject({ status: 401, code: undefined, message: 'invalid API key' });
    const lk2 = await LiveKitEmulator.start({
      apiKey: 'k1',
      apiSecret: 's'.repeat(32),
      extraKeys: { k2: 't'.repeat(32) },
    });
    try {
      await expect(new SipClient(lk2.url, 'k2', 't'.repeat(32)).listSipInboundTrunk()).resolves.toEqual([]);
      await expect(new SipClient(lk2.url, 'k1', 's'.repeat(32)).listSipInboundTrunk()).resolves.toEqual([]);
    } finally {
      await lk2.stop();
      await lk2.stop(); // idempotent
    }
  });

  it('answers a valid token lacking the grant with Twirp unauthenticated (401 JSON, not 403)', async () => {
    const at = new AccessToken(lk.apiKey, lk.apiSecret, { ttl: '5m' });
    at.addGrant({ roomList: true, roomCreate: true });
    const client = new SipClient(lk.url, undefined, undefined, { token: await at.toJwt() });
    const e = await serverError(client.listSipInboundTrunk());
    expect(e).toMatchObject({ status: 401, code: 'unauthenticated', message: 'permissions denied' });
    // sip.admin is not sip.call
    const admin = new AccessToken(lk.apiKey, lk.apiSecret);
    admin.addSIPGrant({ admin: true });
    const e2 = await serverError(
      new SipClient(lk.url, undefined, undefined, { token: await admin.toJwt() }).createSipParticipant(
        'ST_x',
        '+15550100',
        'r',
      ),
    );
    expect(e2.code).toBe('unauthenticated');
  });

  it('checks roomAdmin against the requested room', async () => {
    const at = new AccessToken(lk.apiKey, lk.apiSecret);
    at.addGrant({ roomAdmin: true, room: 'other-room' });
    const rooms = new RoomServiceClient(lk.url, undefined, undefined, { token: await at.toJwt() });
    await expect(rooms.listParticipants('my-room')).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    await expect(rooms.listParticipants('other-room')).resolves.toEqual([]);
    await expect(rooms.listRooms()).rejects.toMatchObject({ code: 'unauthenticated' }); // needs roomList
  });

  it('answers plain text for a non-Bearer header and Twirp unauthenticated without any header', async () => {
    const bad = await fetch(`${lk.url}/twirp/livekit.SIP/ListSIPInboundTrunk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Token abc' },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await bad.text()).toBe('invalid authorization header. Must start with Bearer ');
    const none = await fetch(`${lk.url}/twirp/livekit.SIP/ListSIPInboundTrunk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/json');
    expect(await none.json()).toEqual({ code: 'unauthenticated', msg: 'permissions denied' });
  });

  it('routes the removed CreateSIPTrunk, unknown methods, GETs and bad content types to bad_route', async () => {
    const e = await serverError(sip.createSipTrunk('+15550100'));
    expect(e).toMatchObject({
      status: 404,
      code: 'bad_route',
      message: 'no handler for path "/twirp/livekit.SIP/CreateSIPTrunk"',
    });
    expect(e.metadata).toEqual({ twirp_invalid_route: 'POST /twirp/livekit.SIP/CreateSIPTrunk' });
    await expect(sip.listSipTrunk()).resolves.toEqual([]);
    const get = await fetch(`${lk.url}/twirp/livekit.SIP/ListSIPInboundTrunk`);
    expect(get.status).toBe(404);
    expect(((await get.json()) as { code: string }).code).toBe('bad_route');
    const txt = await fetch(`${lk.url}/twirp/livekit.SIP/ListSIPInboundTrunk`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(await txt.json()).toMatchObject({ code: 'bad_route', msg: 'unexpected Content-Type: "text/plain"' });
  });

  it('answers snake_case JSON with all defaults, and exact application/json errors', async () => {
    await sip.createSipInboundTrunk('raw', ['+15550100']);
    const token = await (async () => {
      const at = new AccessToken(lk.apiKey, lk.apiSecret);
      at.addSIPGrant({ admin: true });
      return at.toJwt();
    })();
    const res = await fetch(`${lk.url}/twirp/livekit.SIP/ListSIPInboundTrunk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json;charset=UTF-8', Authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { items: Array<Record<string, unknown>> };
    expect(body.items[0]).toMatchObject({
      name: 'raw',
      numbers: ['+15550100'],
      allowed_addresses: [],
      auth_username: '',
      headers: {},
      include_headers: 'SIP_NO_HEADERS',
      krisp_enabled: false,
      ringing_timeout: null,
      media: null,
    });
    const malformed = await fetch(`${lk.url}/twirp/livekit.SIP/ListSIPInboundTrunk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: '{not json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toBe('application/json');
    expect(await malformed.json()).toEqual({ code: 'malformed', msg: 'the json request could not be decoded' });
  });

  it('records every Twirp call after auth', async () => {
    await sip.listSipInboundTrunk({ numbers: ['+15550100'] });
    await sip.listSipOutboundTrunk();
    await serverError(new SipClient(lk.url, lk.apiKey, 'bad-secret-bad-secret-bad-secret-xx').listSipOutboundTrunk());
    expect(lk.countCalls()).toBe(2);
    expect(lk.countCalls('ListSIPInboundTrunk')).toBe(1);
    expect(lk.requests[0]).toMatchObject({
      service: 'SIP',
      method: 'ListSIPInboundTrunk',
      body: { numbers: ['+15550100'] },
    });
    expect(typeof lk.requests[0]!.at).toBe('number');
  });
});

describe('LiveKit emulator: fault injection, latency and availability', () => {
  let lk: LiveKitEmulator;
  let sip: SipClient;
  beforeEach(async () => {
    lk = await LiveKitEmulator.start();
    sip = new SipClient(lk.url, lk.apiKey, lk.apiSecret);
  });
  afterEach(async () => lk.stop());

  it('fails the next calls of one method with the scripted Twirp error and HTTP status', async () => {
    lk.failNext('CreateSIPDispatchRule', { code: 'resource_exhausted', msg: 'slow down' }, 2);
    lk.failNext('ListSIPInboundTrunk', { code: 'internal', msg: 'redis down' });
    for (let i = 0; i < 2; i++) {
      const e = await serverError(sip.createSipDispatchRule({ type: 'direct', roomName: 'r' }));
      expect(e).toMatchObject({ status: 429, code: 'resource_exhausted', message: 'slow down' });
    }
    await expect(sip.createSipDispatchRule({ type: 'direct', roomName: 'r' })).resolves.toMatchObject({
      sipDispatchRuleId: expect.stringMatching(/^SDR_/),
    });
    expect(await serverError(sip.listSipInboundTrunk())).toMatchObject({
      status: 500,
      code: 'internal',
      message: 'redis down',
    });
    await expect(sip.listSipInboundTrunk()).resolves.toEqual([]);
    expect(lk.countCalls('CreateSIPDispatchRule')).toBe(3);
  });

  it('can hang a call past the client timeout, or reset the connection', async () => {
    lk.failNext('ListSIPInboundTrunk', 'hang');
    const quick = new SipClient(lk.url, lk.apiKey, lk.apiSecret, { requestTimeout: 1 });
    await expect(quick.listSipInboundTrunk()).rejects.toMatchObject({ name: 'TimeoutError' });
    lk.failNext('ListSIPOutboundTrunk', 'reset');
    const reset = await sip.listSipOutboundTrunk().then(
      () => undefined,
      (e: unknown) => e,
    );
    // fetch's TypeError comes from another realm under jest: compare by name
    expect(reset).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(reset).not.toBeInstanceOf(ServerError);
    await expect(sip.listSipOutboundTrunk()).resolves.toEqual([]);
  });

  it('adds latency to every response', async () => {
    lk.setLatency(2000);
    let t = Date.now();
    await sip.listSipInboundTrunk();
    expect(Date.now() - t).toBeGreaterThanOrEqual(1990);
    lk.setLatency(0);
    t = Date.now();
    await sip.listSipInboundTrunk();
    // Without the latency: well under it, even on a busy machine.
    expect(Date.now() - t).toBeLessThan(1500);
    const slow = await LiveKitEmulator.start({ latencyMs: 150 });
    try {
      t = Date.now();
      await serverError(new SipClient(slow.url, 'x', 'y').listSipInboundTrunk());
      expect(Date.now() - t).toBeGreaterThanOrEqual(140);
    } finally {
      await slow.stop();
    }
  });

  it('refuses connections while unavailable and comes back on the same port', async () => {
    await sip.createSipInboundTrunk('kept', ['+15550100']);
    const url = lk.url;
    await lk.setAvailable(false);
    const down = await sip.listSipInboundTrunk().then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(down).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(down?.cause?.code).toBe('ECONNREFUSED');
    await lk.setAvailable(true);
    expect(lk.url).toBe(url);
    expect((await sip.listSipInboundTrunk()).map((t) => t.name)).toEqual(['kept']);
  });
});
