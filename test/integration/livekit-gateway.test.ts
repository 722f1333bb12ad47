import { managedTag, parseManagedTag } from '../../src/domain/livekit-model';
import { diagnose } from '../../src/domain/sip-diagnosis';
import { placeCallTimeoutSec, SdkLiveKitGateway } from '../../src/livekit/gateway';
import { LiveKitEmulator } from '../support/livekit-emulator';

describe('LiveKit gateway against the emulator', () => {
  let lk: LiveKitEmulator;
  let gw: SdkLiveKitGateway;
  const observed: Array<{ method: string; failure?: string }> = [];
  beforeEach(async () => {
    lk = await LiveKitEmulator.start();
    observed.length = 0;
    gw = new SdkLiveKitGateway({
      url: lk.url,
      apiKey: lk.apiKey,
      apiSecret: lk.apiSecret,
      requestTimeoutSec: 1,
      observe: (method, _ms, f) => observed.push({ method, ...(f ? { failure: f.kind } : {}) }),
    });
  });
  afterEach(async () => lk.stop());

  it('creates, reads and updates the three binding resources in SDK-free shapes', async () => {
    const inbound = await gw.createInboundTrunk({
      name: 'acme-inbound',
      metadata: managedTag('acme'),
      numbers: ['+14155550100'],
      mediaEncryption: 'require',
    });
    if (!inbound.ok) throw new Error(inbound.failure.message);
    expect(inbound.value).toMatchObject({
      name: 'acme-inbound',
      numbers: ['+14155550100'],
      mediaEncryption: 'require',
      hasAuth: false,
    });
    expect(parseManagedTag(inbound.value.metadata)).toEqual({ managedBy: 'sip-ops', binding: 'acme' });

    const rule = await gw.createDispatchRule({
      name: 'acme-dispatch',
      metadata: '',
      trunkIds: [inbound.value.id],
      rule: { kind: 'individual', roomPrefix: 'est-inbound-', pin: '', noRandomness: false },
      agents: ['inbound-agent'],
    });
    if (!rule.ok) throw new Error(rule.failure.message);
    expect(rule.value).toMatchObject({
      trunkIds: [inbound.value.id],
      agents: ['inbound-agent'],
      rule: { kind: 'individual', roomPrefix: 'est-inbound-' },
    });

    const outbound = await gw.createOutboundTrunk({
      name: 'acme-outbound',
      metadata: '',
      address: 'acme.pstn.sinch.com',
      transport: 'tls',
      numbers: ['+14155550100'],
      authUsername: 'acme',
      authPassword: 'pw',
      mediaEncryption: 'require',
    });
    if (!outbound.ok) throw new Error(outbound.failure.message);
    expect(outbound.value).toMatchObject({
      transport: 'tls',
      authUsername: 'acme',
      hasAuthPassword: true,
      mediaEncryption: 'require',
    });

    // one update call per changed resource; other fields kept
    const before = lk.countCalls('UpdateSIPOutboundTrunk');
    const moved = await gw.updateOutboundTrunk(outbound.value.id, { transport: 'tcp', mediaEncryption: 'disable' });
    if (!moved.ok) throw new Error(moved.failure.message);
    expect(moved.value).toMatchObject({
      transport: 'tcp',
      address: 'acme.pstn.sinch.com',
      authUsername: 'acme',
      hasAuthPassword: true,
      mediaEncryption: 'disable',
    });
    expect(lk.countCalls('UpdateSIPOutboundTrunk')).toBe(before + 1);

    const agentless = await gw.updateDispatchRule(rule.value.id, { agents: [] });
    if (!agentless.ok) throw new Error(agentless.failure.message);
    expect(agentless.value.agents).toEqual([]);
    expect(agentless.value.trunkIds).toEqual([inbound.value.id]);

    const dids = await gw.updateInboundTrunk(inbound.value.id, { numbers: ['+14155550100', '+14155550101'] });
    if (!dids.ok) throw new Error(dids.failure.message);
    expect(dids.value.numbers).toEqual(['+14155550100', '+14155550101']);

    const snap = await gw.snapshot();
    if (!snap.ok) throw new Error(snap.failure.message);
    expect([
      snap.value.inboundTrunks.length,
      snap.value.outboundTrunks.length,
      snap.value.dispatchRules.length,
    ]).toEqual([1, 1, 1]);

    expect((await gw.deleteDispatchRule(rule.value.id)).ok).toBe(true);
    expect(await gw.deleteDispatchRule(rule.value.id)).toMatchObject({ ok: false, failure: { kind: 'not-found' } });
    expect((await gw.deleteTrunk(inbound.value.id)).ok).toBe(true);
    expect((await gw.deleteTrunk(inbound.value.id)).ok).toBe(true); // unknown trunk delete succeeds
  });

  it('turns inbound SRTP from require to disable even after an earlier field update set media.encryption', async () => {
    const inbound = await gw.createInboundTrunk({
      name: 'srtp',
      metadata: '',
      numbers: ['+14155550177'],
      mediaEncryption: 'require',
    });
    if (!inbound.ok) throw new Error(inbound.failure.message);
    // Any field update (here a rename) makes the server copy media_encryption into media.encryption.
    const renamed = await gw.updateInboundTrunk(inbound.value.id, { name: 'srtp-renamed' });
    if (!renamed.ok) throw new Error(renamed.failure.message);
    const off = await gw.updateInboundTrunk(inbound.value.id, { mediaEncryption: 'disable' });
    if (!off.ok) throw new Error(off.failure.message);
    expect(off.value.mediaEncryption).toBe('disable');
    expect(lk.inboundTrunks()[0]!.media?.encryption).toBe(0);
  });

  it('pings readiness with one ListRooms for a single name, not a SIP list that walks every trunk', async () => {
    const before = { rooms: lk.countCalls('ListRooms'), sip: lk.countCalls('ListSIPInboundTrunk') };
    expect((await gw.ping()).ok).toBe(true);
    expect(lk.countCalls('ListRooms')).toBe(before.rooms + 1);
    expect(lk.countCalls('ListSIPInboundTrunk')).toBe(before.sip);
  });

  it('names the right one of the three causes of a 503 unavailable from CreateSIPParticipant', async () => {
    const out = await gw.createOutboundTrunk({
      name: 'u',
      metadata: '',
      address: 'acme.pstn.sinch.com',
      transport: 'udp',
      numbers: ['+14155550100'],
      authUsername: '',
      authPassword: '',
      mediaEncryption: 'disable',
    });
    if (!out.ok) throw new Error(out.failure.message);
    const call = (to: string) =>
      gw.placeCall({
        outboundTrunkId: out.value.id,
        to,
        roomName: `u-${to}`,
        participantIdentity: `u-${to}`,
        ringingTimeoutSec: 5,
        waitUntilAnswered: true,
      });
    lk.setCallOutcome('+14155550011', { kind: 'no-sip-service' });
    lk.setCallOutcome('+14155550012', { kind: 'sip-cpu-exhausted' });
    lk.setCallOutcome('+14155550013', { kind: 'network-error' });
    const headlines: string[] = [];
    for (const to of ['+14155550011', '+14155550012', '+14155550013']) {
      const r = await call(to);
      if (r.ok) throw new Error('expected a failure');
      expect(r.failure.kind).toBe('no-sip-service');
      const d = diagnose(r.failure, { bindingName: 'acme-us', trunkDomain: 'acme.pstn.sinch.com' });
      expect(d.cause).toMatch(/no livekit-sip instance picked up.*out of CPU.*network error before its INVITE/);
      headlines.push(d.headline);
    }
    expect(headlines).toEqual([
      'No LiveKit SIP service answered',
      'LiveKit SIP is out of CPU',
      'Network error before the INVITE left LiveKit SIP',
    ]);
  });

  it('waits for a late answer or no-answer: livekit-sip joins the room before it starts ringing', async () => {
    const out = await gw.createOutboundTrunk({
      name: 'late',
      metadata: '',
      address: 'acme.pstn.sinch.com',
      transport: 'udp',
      numbers: ['+14155550100'],
      authUsername: '',
      authPassword: '',
      mediaEncryption: 'disable',
    });
    if (!out.ok) throw new Error(out.failure.message);
    // Real seconds: a 2.5 s room join, then 1 s of ringing; the SDK alone would give up after 1 + 2 s.
    lk.setSipTiming({ joinMs: 2500, msPerSecond: 1000 });
    lk.setCallOutcome('+14155550021', { kind: 'answer', afterMs: 1000 });
    lk.setCallOutcome('+14155550022', { kind: 'no-answer' });
    const call = (to: string) =>
      gw.placeCall({
        outboundTrunkId: out.value.id,
        to,
        roomName: `late-${to}`,
        participantIdentity: `late-${to}`,
        ringingTimeoutSec: 1,
        waitUntilAnswered: true,
      });
    const [answered, unanswered] = await Promise.all([call('+14155550021'), call('+14155550022')]);
    expect(answered).toMatchObject({ ok: true, value: { roomName: 'late-+14155550021' } });
    expect(unanswered).toMatchObject({ ok: false, failure: { kind: 'ringing-timeout' } });
    expect(placeCallTimeoutSec(1)).toBe(26);
    expect(placeCallTimeoutSec(75)).toBe(85);
  });

  it('classifies failures the way the diagnosis expects', async () => {
    const out = await gw.createOutboundTrunk({
      name: 'o',
      metadata: '',
      address: 'acme.pstn.sinch.com',
      transport: 'udp',
      numbers: ['+14155550100'],
      authUsername: '',
      authPassword: '',
      mediaEncryption: 'disable',
    });
    if (!out.ok) throw new Error(out.failure.message);
    const call = (to: string) =>
      gw.placeCall({
        outboundTrunkId: out.value.id,
        to,
        roomName: `r-${to}`,
        participantIdentity: `p-${to}`,
        ringingTimeoutSec: 5,
        waitUntilAnswered: true,
      });

    lk.setCallOutcome('+14155550001', { kind: 'reject', sipStatus: 486 });
    expect(await call('+14155550001')).toMatchObject({
      ok: false,
      failure: {
        kind: 'sip-status',
        sipStatus: 486,
        reason: 'Busy Here',
        twirpCode: 'resource_exhausted',
        httpStatus: 429,
      },
    });
    lk.setCallOutcome('+14155550002', { kind: 'no-answer' });
    expect(await call('+14155550002')).toMatchObject({ ok: false, failure: { kind: 'ringing-timeout' } });
    lk.setCallOutcome('+14155550003', { kind: 'no-sip-service' });
    expect(await call('+14155550003')).toMatchObject({ ok: false, failure: { kind: 'no-sip-service' } });
    const answered = await call('+14155550004');
    expect(answered).toMatchObject({
      ok: true,
      value: { participantIdentity: 'p-+14155550004', roomName: 'r-+14155550004' },
    });

    const bad = new SdkLiveKitGateway({
      url: lk.url,
      apiKey: lk.apiKey,
      apiSecret: 'wrong-wrong-wrong-wrong-wrong-wrong',
    });
    expect(await bad.ping()).toMatchObject({ ok: false, failure: { kind: 'auth', reason: 'bad-credentials' } });

    expect(await gw.updateInboundTrunk('ST_missing', { name: 'x' })).toMatchObject({
      ok: false,
      failure: { kind: 'not-found' },
    });
    expect(
      await gw.createInboundTrunk({ name: 'dup', metadata: '', numbers: [], mediaEncryption: 'disable' }),
    ).toMatchObject({
      ok: false,
      failure: { kind: 'invalid-argument', message: expect.stringMatching(/for security/) },
    });

    lk.failNext('ListRooms', 'hang');
    expect(await gw.ping()).toMatchObject({ ok: false, failure: { kind: 'request-timeout' } });
    await lk.setAvailable(false);
    expect(await gw.ping()).toMatchObject({ ok: false, failure: { kind: 'unreachable' } });
    await lk.setAvailable(true);
    expect((await gw.ping()).ok).toBe(true);
    expect(observed.filter((o) => o.failure).map((o) => o.failure)).toEqual([
      'sip-status',
      'ringing-timeout',
      'no-sip-service',
      'not-found',
      'invalid-argument',
      'request-timeout',
      'unreachable',
    ]);
  });
});
