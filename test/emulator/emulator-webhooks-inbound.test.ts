import { DisconnectReason, ParticipantInfo_Kind, SIPTransport } from '@livekit/protocol';
import {
  RoomAgentDispatch,
  RoomConfiguration,
  RoomServiceClient,
  SipClient,
  WebhookReceiver,
} from 'livekit-server-sdk';
import { LiveKitEmulator, WebhookCollector, type InboundCallResult } from '../support/livekit-emulator/index';
import { postWebhook, signWebhook } from '../support/livekit-webhook';

function routed(r: InboundCallResult): Extract<InboundCallResult, { routed: true }> {
  if (!r.routed) throw new Error(`not routed: ${r.reason}`);
  return r;
}

/** Webhooks accepted by the SDK's WebhookReceiver, and inbound call simulation (§7, §9). */
describe('LiveKit emulator: webhooks and inbound calls', () => {
  let lk: LiveKitEmulator;
  let sip: SipClient;
  let hooks: WebhookCollector;
  beforeAll(async () => {
    lk = await LiveKitEmulator.start();
    sip = new SipClient(lk.url, lk.apiKey, lk.apiSecret);
    hooks = await WebhookCollector.start(lk.apiKey, lk.apiSecret);
  });
  beforeEach(() => {
    lk.reset();
    lk.setWebhookUrl(hooks.url);
    hooks.clear();
  });
  afterAll(async () => {
    await lk.stop();
    await hooks.stop();
  });

  describe('signing', () => {
    it('signs like livekit-server: bare HS256 JWT {iss,nbf,iat,exp:+300,sha256}', async () => {
      const body = JSON.stringify({ event: 'room_started', id: 'EV_x', createdAt: '1700000000' });
      const jwt = await signWebhook(body, lk.apiKey, lk.apiSecret, 1_700_000_000);
      const [h, p] = jwt
        .split('.')
        .slice(0, 2)
        .map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()) as Record<string, unknown>);
      expect(h).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(p).toEqual({
        sha256: expect.any(String),
        iss: lk.apiKey,
        nbf: 1_700_000_000,
        iat: 1_700_000_000,
        exp: 1_700_000_300,
      });
      const fresh = await signWebhook(body, lk.apiKey, lk.apiSecret);
      const receiver = new WebhookReceiver(lk.apiKey, lk.apiSecret);
      await expect(receiver.receive(body, fresh)).resolves.toMatchObject({
        event: 'room_started',
        id: 'EV_x',
        createdAt: 1_700_000_000n,
      });
    });

    it('a tampered body, a Bearer prefix or the wrong secret are rejected by the SDK receiver', async () => {
      const body = JSON.stringify({ event: 'room_started', id: 'EV_x' });
      const auth = await signWebhook(body, lk.apiKey, lk.apiSecret);
      const receiver = new WebhookReceiver(lk.apiKey, lk.apiSecret);
      await expect(receiver.receive(body.replace('room_started', 'room_finished'), auth)).rejects.toThrow(
        'sha256 checksum of body does not match',
      );
      await expect(receiver.receive(body, `Bearer ${auth}`)).rejects.toThrow();
      await expect(
        receiver.receive(body, await signWebhook(body, lk.apiKey, 'another-secret-another-secret-xx')),
      ).rejects.toThrow();
      // over HTTP too
      const res = await postWebhook(hooks.url, body.replace('room_started', 'room_finished'), lk.apiKey, lk.apiSecret, {
        authorization: auth,
      });
      expect(res.status).toBe(401);
      expect(hooks.rejected).toEqual(['sha256 checksum of body does not match']);
      const ok = await postWebhook(
        hooks.url,
        { event: 'participant_joined', participant: { identity: 'p', kind: 'SIP' } },
        lk.apiKey,
        lk.apiSecret,
      );
      expect(ok.status).toBe(200);
      expect(hooks.received[0]!.participant?.kind).toBe(ParticipantInfo_Kind.SIP);
    });

    it('emitWebhook fills id and createdAt, posts camelCase proto-JSON and awaits delivery', async () => {
      await lk.emitWebhook({
        event: 'room_started',
        room: { name: 'manual', sid: 'RM_manual', creationTime: '1700000000' },
      });
      expect(hooks.received).toHaveLength(1);
      const ev = hooks.received[0]!;
      expect(ev.id).toMatch(/^EV_[2-9A-HJ-NP-Za-km-z]{12}$/);
      expect(Number(ev.createdAt)).toBeGreaterThan(1_700_000_000);
      expect(ev.room).toMatchObject({ name: 'manual', creationTime: 1_700_000_000n });
      expect(lk.webhooksSent[0]).toMatchObject({
        event: 'room_started',
        room: { name: 'manual', sid: 'RM_manual', creationTime: '1700000000' },
      });
      expect(lk.webhooksSent[0]!.createdAt).toMatch(/^\d+$/);
    });
  });

  it('delivers the events of an outbound call in order, signed', async () => {
    const t = await sip.createSipOutboundTrunk('o', 'acme.pstn.sinch.com', ['+15550100'], {
      transport: SIPTransport.SIP_TRANSPORT_UDP,
    });
    await sip.createSipParticipant(t.sipTrunkId, '+15551234', 'room-w', {
      participantIdentity: 'w',
      waitUntilAnswered: true,
    });
    await new RoomServiceClient(lk.url, lk.apiKey, lk.apiSecret).deleteRoom('room-w');
    await lk.flushWebhooks();
    expect(hooks.rejected).toEqual([]);
    expect(hooks.names()).toEqual(['room_started', 'participant_joined', 'participant_left', 'room_finished']);
    const [started, joined, left] = hooks.received;
    expect(started!.room).toMatchObject({ name: 'room-w', emptyTimeout: 300, departureTimeout: 20 });
    expect(joined!.participant).toMatchObject({ identity: 'w', kind: ParticipantInfo_Kind.SIP, state: 2 });
    expect(joined!.participant?.attributes['sip.trunkID']).toBe(t.sipTrunkId);
    expect(left!.participant?.disconnectReason).toBe(DisconnectReason.ROOM_DELETED);
    expect(hooks.received.every((e) => e.id.startsWith('EV_'))).toBe(true);
    expect(typeof hooks.received[0]!.createdAt).toBe('bigint');
  });

  describe('inbound calls', () => {
    it('routes a DID through trunk + individual rule into est-inbound-_<caller>_<12 chars>, with agent', async () => {
      const t = await sip.createSipInboundTrunk('in', ['+15550100']);
      const rule = await sip.createSipDispatchRule(
        { type: 'individual', roomPrefix: 'est-inbound-' },
        {
          trunkIds: [t.sipTrunkId],
          metadata: 'rule-meta',
          attributes: { team: 'support' },
          roomConfig: new RoomConfiguration({ agents: [new RoomAgentDispatch({ agentName: 'inbound-agent' })] }),
        },
      );
      const res = routed(
        await lk.simulateInboundCall({
          from: '+15557777',
          to: '+1 555 0100',
          agent: { identity: 'agent-1', joinAfterMs: 5 },
          durationMs: 10,
        }),
      );
      expect(res.roomName).toMatch(/^est-inbound-_\+15557777_[2-9A-HJ-NP-Za-km-z]{12}$/);
      expect(res).toMatchObject({
        trunkId: t.sipTrunkId,
        ruleId: rule.sipDispatchRuleId,
        participantIdentity: 'sip_+15557777',
      });
      expect(res.callId).toMatch(/^SCL_/);
      expect(hooks.rejected).toEqual([]);
      expect(hooks.names()).toEqual([
        'room_started',
        'participant_joined',
        'participant_joined',
        'participant_left',
        'participant_left',
        'room_finished',
      ]);
      expect(res.events.map((e) => e.event)).toEqual(hooks.names());
      const caller = hooks.received[1]!.participant!;
      expect(caller).toMatchObject({
        identity: 'sip_+15557777',
        name: 'Phone +15557777',
        kind: ParticipantInfo_Kind.SIP,
        metadata: 'rule-meta',
      });
      expect(caller.attributes).toEqual({
        team: 'support',
        'sip.callID': res.callId,
        'sip.trunkID': t.sipTrunkId,
        'sip.ruleID': rule.sipDispatchRuleId,
        'sip.phoneNumber': '+15557777',
        'sip.hostname': 'pstn.example',
        'sip.trunkPhoneNumber': '+1 555 0100',
        'sip.callStatus': 'ringing',
      });
      expect(hooks.received[2]!.participant).toMatchObject({ identity: 'agent-1', kind: ParticipantInfo_Kind.AGENT });
      expect(hooks.received[3]!.participant).toMatchObject({
        identity: 'sip_+15557777',
        disconnectReason: DisconnectReason.CLIENT_INITIATED,
      });
      expect(hooks.received[3]!.participant?.attributes['sip.callStatus']).toBe('hangup');
      expect(hooks.received[5]!.room?.name).toBe(res.roomName);
      expect(lk.rooms()).toEqual([]);
    });

    it('returns the events even without a webhook URL, and no agent joins without roomConfig agents', async () => {
      lk.setWebhookUrl(undefined);
      await sip.createSipInboundTrunk('in', ['+15550100']);
      await sip.createSipDispatchRule({ type: 'direct', roomName: 'hotline' });
      const res = routed(
        await lk.simulateInboundCall({
          from: '+15557777',
          to: '+15550100',
          agent: { joinAfterMs: 1 },
          durationMs: 5,
          hangupReason: 'USER_UNAVAILABLE',
        }),
      );
      expect(res.roomName).toBe('hotline');
      expect(res.events.map((e) => e.event)).toEqual([
        'room_started',
        'participant_joined',
        'participant_left',
        'room_finished',
      ]);
      expect(res.events[2]!.participant).toMatchObject({ kind: 'SIP', disconnectReason: 'USER_UNAVAILABLE' });
      expect(hooks.received).toEqual([]);
    });

    it('prefers the trunk-specific rule over a wildcard one, and callee rules name rooms after the DID', async () => {
      const a = await sip.createSipInboundTrunk('a', ['+15550100']);
      await sip.createSipInboundTrunk('b', ['+15550200']);
      await sip.createSipDispatchRule({ type: 'callee', roomPrefix: 'desk', randomize: false }, { name: 'wild' });
      const specific = await sip.createSipDispatchRule(
        { type: 'individual', roomPrefix: 'a' },
        { trunkIds: [a.sipTrunkId] },
      );
      expect(routed(await lk.simulateInboundCall({ from: '+15557777', to: '+15550100', durationMs: 1 })).ruleId).toBe(
        specific.sipDispatchRuleId,
      );
      expect(routed(await lk.simulateInboundCall({ from: '+15557777', to: '+15550200', durationMs: 1 })).roomName).toBe(
        'desk_+15550200',
      );
    });

    it('honours allowedNumbers and allowedAddresses on trunks, and PIN rules', async () => {
      const t = await sip.createSipInboundTrunk('in', ['+15550100'], {
        allowedNumbers: ['+15557777'],
        allowedAddresses: ['203.0.113.0/24'],
      });
      await sip.createSipDispatchRule({ type: 'direct', roomName: 'vip', pin: '4321' }, { trunkIds: [t.sipTrunkId] });
      expect(await lk.simulateInboundCall({ from: '+15550001', to: '+15550100' })).toMatchObject({
        routed: false,
        reason: 'No SIP Dispatch Rules defined',
      });
      expect(
        (await lk.simulateInboundCall({ from: '+15557777', to: '+15550100', sourceIp: '198.51.100.7' })).routed,
      ).toBe(false);
      const needPin = await lk.simulateInboundCall({ from: '+15557777', to: '+15550100', sourceIp: '203.0.113.9' });
      expect(needPin).toMatchObject({
        routed: false,
        trunkId: t.sipTrunkId,
        reason: expect.stringMatching(/^PIN required/),
      });
      const withPin = routed(
        await lk.simulateInboundCall({
          from: '+15557777',
          to: '+15550100',
          sourceIp: '203.0.113.9',
          pin: '4321',
          durationMs: 1,
        }),
      );
      expect(withPin.roomName).toBe('vip');
    });

    // livekit/sip pkg/sip/participant.go (CallStatus), pkg/sip/inbound.go; livekit/livekit pkg/rtc/signalling/signalhandler.go.
    it('leaves as the real SIP participant does: only a hangup sets sip.callStatus "hangup"; unlisted reasons become CLIENT_INITIATED', async () => {
      await sip.createSipInboundTrunk('in', ['+15550100']);
      await sip.createSipDispatchRule({ type: 'individual', roomPrefix: 'r' });
      const left = async (hangupReason: string) => {
        const res = routed(
          await lk.simulateInboundCall({ from: '+15557777', to: '+15550100', durationMs: 1, hangupReason }),
        );
        const p = res.events.find((e) => e.event === 'participant_left')!.participant!;
        return [p.disconnectReason, (p.attributes as Record<string, string> | undefined)?.['sip.callStatus']];
      };
      expect(await left('CLIENT_INITIATED')).toEqual(['CLIENT_INITIATED', 'hangup']);
      expect(await left('rtp-timeout')).toEqual(['CLIENT_INITIATED', 'hangup']);
      expect(await left('dropped')).toEqual(['CLIENT_INITIATED', 'ringing']);
      expect(await left('MEDIA_FAILURE')).toEqual(['CLIENT_INITIATED', 'ringing']);
      expect(await left('USER_REJECTED')).toEqual(['USER_REJECTED', 'ringing']);
    });

    // protocol sip/sip_test.go "Default rules should work even if no trunk is defined"; livekit/livekit
    // pkg/service/ioservice_sip.go (no trunk → nil, not an error); livekit/sip pkg/service/psrpc.go.
    it('lets a rule without trunk IDs take a call to a number no trunk lists, with no trunk at all', async () => {
      await sip.createSipInboundTrunk('in', ['+15550100']);
      const wild = await sip.createSipDispatchRule({ type: 'individual', roomPrefix: 'any' }, { name: 'any' });
      const r = routed(await lk.simulateInboundCall({ from: '+15557777', to: '+15550999', durationMs: 1 }));
      expect(r).toMatchObject({ ruleId: wild.sipDispatchRuleId, trunkId: '' });
    });

    it('reports drop reasons: unknown DID, no rules, several wildcard trunks', async () => {
      expect(await lk.simulateInboundCall({ from: '+15557777', to: '+15550100' })).toMatchObject({
        routed: false,
        reason: 'No SIP Dispatch Rules defined',
      });
      const t = await sip.createSipInboundTrunk('in', ['+15550100']);
      await sip.createSipDispatchRule({ type: 'individual', roomPrefix: 'est-inbound-' }, { trunkIds: [t.sipTrunkId] });
      // protocol sip/sip.go MatchDispatchRuleIter: "defined" is the wording whenever nothing matched.
      expect(await lk.simulateInboundCall({ from: '+15557777', to: '+15550999' })).toMatchObject({
        routed: false,
        reason: 'No SIP Dispatch Rules defined',
        events: [],
      });
      await sip.createSipInboundTrunk('w1', [], {
        allowedNumbers: ['+15557777'],
        authUsername: 'u',
        authPassword: 'p',
      });
      await sip.createSipInboundTrunk('w2', [], {
        allowedNumbers: ['+15556666'],
        authUsername: 'u',
        authPassword: 'p',
      });
      await sip.createSipInboundTrunk('w3', [], { authUsername: 'u', authPassword: 'p' });
      expect(await lk.simulateInboundCall({ from: '+15557777', to: '+15550999' })).toMatchObject({
        routed: false,
        reason: 'Multiple default SIP Trunks matched for "+15550999"',
      });
      expect(hooks.received).toEqual([]);
    });
  });
});
