import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListUpdate, SIPTransport } from '@livekit/protocol';
import {
  AccessToken,
  RoomAgentDispatch,
  RoomConfiguration,
  RoomServiceClient,
  ServerError,
  SipCallError,
  SipClient,
  WebhookReceiver,
  type WebhookEvent,
} from 'livekit-server-sdk';
import { LiveKitEmulator } from '../support/livekit-emulator';
import { signWebhook } from '../support/livekit-webhook';

/** Everything here goes through the real livekit-server-sdk, as SIP Ops does. */

async function rejection(p: Promise<unknown>): Promise<ServerError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ServerError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('LiveKit SIP emulator through the real SDK', () => {
  let lk: LiveKitEmulator;
  let sip: SipClient;
  beforeEach(async () => {
    lk = await LiveKitEmulator.start();
    sip = new SipClient(lk.url, lk.apiKey, lk.apiSecret);
  });
  afterEach(async () => lk.stop());

  describe('auth', () => {
    it('rejects a bad secret with a plain-text 401 (no Twirp code)', async () => {
      const bad = new SipClient(lk.url, lk.apiKey, 'wrong-secret-wrong-secret-wrong-secret');
      const e = await rejection(bad.listSipInboundTrunk());
      expect(e.status).toBe(401);
      expect(e.code).toBeUndefined();
      expect(e.message).toMatch(/invalid authorization token/);
    });

    it('rejects an unknown key', async () => {
      const e = await rejection(new SipClient(lk.url, 'nokey', lk.apiSecret).listSipInboundTrunk());
      expect(e.status).toBe(401);
      expect(e.message).toBe('invalid API key');
    });

    it('answers a token without the SIP grant with Twirp unauthenticated', async () => {
      const at = new AccessToken(lk.apiKey, lk.apiSecret, { ttl: '5m' });
      at.addGrant({ roomList: true });
      const client = new SipClient(lk.url, undefined, undefined, { token: await at.toJwt() });
      const e = await rejection(client.listSipInboundTrunk());
      expect(e.status).toBe(401);
      expect(e.code).toBe('unauthenticated');
      expect(e.message).toBe('permissions denied');
    });

    it('routes unknown methods and the removed CreateSIPTrunk to bad_route', async () => {
      const e = await rejection(sip.createSipTrunk('+15550100'));
      expect(e.status).toBe(404);
      expect(e.code).toBe('bad_route');
    });
  });

  describe('inbound trunks', () => {
    it('rejects a trunk that has neither numbers, addresses nor auth', async () => {
      const e = await rejection(sip.createSipInboundTrunk('open', []));
      expect(e.code).toBe('invalid_argument');
      expect(e.message).toMatch(/for security, one of the fields must be set/);
    });

    it('enforces number conflicts after normalization, unless allowedNumbers disambiguate', async () => {
      const a = await sip.createSipInboundTrunk('a', ['+15550100']);
      expect(a.sipTrunkId).toMatch(/^ST_[2-9A-HJ-NP-Za-km-z]{12}$/);
      const e = await rejection(sip.createSipInboundTrunk('b', ['+1 (555) 0100']));
      expect(e.status).toBe(400);
      expect(e.message).toContain(`Conflicting inbound SIP Trunks: "<new>" and "${a.sipTrunkId}"`);
      expect(e.message).toContain('without AllowedNumbers set');
      // a caller filter on one side keeps them apart
      await sip.createSipInboundTrunk('c', ['15550100'], { allowedNumbers: ['+15559999'] });
      const e2 = await rejection(sip.createSipInboundTrunk('d', ['+15550100'], { allowedNumbers: ['+15559999'] }));
      expect(e2.message).toMatch(/and AllowedNumber "\+15559999"/);
    });

    it('lets only one wildcard trunk exist without allowedNumbers', async () => {
      await sip.createSipInboundTrunk('w1', [], { authUsername: 'u', authPassword: 'p' });
      const e = await rejection(sip.createSipInboundTrunk('w2', [], { allowedAddresses: ['1.2.3.4/32'] }));
      expect(e.message).toMatch(/Conflicting inbound SIP Trunks/);
    });

    it('applies ListUpdate semantics and re-validates on update', async () => {
      const t = await sip.createSipInboundTrunk('t', ['+15550100', '+15550101']);
      let u = await sip.updateSipInboundTrunkFields(t.sipTrunkId, { numbers: new ListUpdate({ add: ['+15550102'], remove: ['+15550100'] }) });
      expect(u.numbers).toEqual(['+15550101', '+15550102']);
      u = await sip.updateSipInboundTrunkFields(t.sipTrunkId, { numbers: new ListUpdate({ set: ['+15550200'] }), name: 'renamed' });
      expect(u.numbers).toEqual(['+15550200']);
      expect(u.name).toBe('renamed');
      const bad = await rejection(
        sip.updateSipInboundTrunkFields(t.sipTrunkId, { numbers: new ListUpdate({ set: ['+1'], add: ['+2'] }) }),
      );
      expect(bad.message).toBe('cannot set and change the list at the same time');
      const empty = await rejection(sip.updateSipInboundTrunkFields(t.sipTrunkId, { numbers: new ListUpdate({ set: [] }) }));
      expect(empty.message).toBe('unsupported list update operation');
      // clearing the only field that made it acceptable fails the security rule
      const cleared = await rejection(sip.updateSipInboundTrunkFields(t.sipTrunkId, { numbers: new ListUpdate({ clear: true }) }));
      expect(cleared.message).toMatch(/for security/);
      const missing = await rejection(sip.updateSipInboundTrunkFields('ST_doesnotexist', { name: 'x' }));
      expect(missing.status).toBe(404);
      expect(missing.code).toBe('not_found');
    });

    it('lists sorted by ID, filters by number (incl. wildcards) and by ID', async () => {
      const a = await sip.createSipInboundTrunk('a', ['+15550100']);
      const b = await sip.createSipInboundTrunk('b', ['+15550101']);
      const w = await sip.createSipInboundTrunk('w', [], { authUsername: 'u', authPassword: 'p' });
      const all = await sip.listSipInboundTrunk();
      expect(all.map((t) => t.sipTrunkId)).toEqual([a, b, w].map((t) => t.sipTrunkId).sort());
      const byNumber = await sip.listSipInboundTrunk({ numbers: ['+1 555 0100'] });
      expect(byNumber.map((t) => t.name).sort()).toEqual(['a', 'w']);
      const byId = await sip.listSipInboundTrunk({ trunkIds: [b.sipTrunkId, 'ST_missing'] });
      expect(byId.map((t) => t.name)).toEqual(['b']);
    });
  });

  describe('outbound trunks', () => {
    it('validates numbers and address', async () => {
      expect((await rejection(sip.createSipOutboundTrunk('o', 'sip.example.com', [], { transport: SIPTransport.SIP_TRANSPORT_UDP }))).message).toBe(
        'no trunk numbers specified',
      );
      expect(
        (await rejection(sip.createSipOutboundTrunk('o', 'sip:acme.pstn.sinch.com', ['+15550100'], { transport: SIPTransport.SIP_TRANSPORT_UDP })))
          .message,
      ).toBe('trunk address should be a hostname or IP, not SIP URI');
      expect(
        (await rejection(sip.createSipOutboundTrunk('o', 'acme.pstn.sinch.com;transport=tcp', ['+15550100'], { transport: SIPTransport.SIP_TRANSPORT_UDP })))
          .message,
      ).toBe('trunk address should not contain transport parameter');
      const ok = await sip.createSipOutboundTrunk('o', 'acme.pstn.sinch.com', ['+15550100'], {
        transport: SIPTransport.SIP_TRANSPORT_TCP,
        authUsername: 'u',
        authPassword: 'p',
      });
      expect(ok.transport).toBe(SIPTransport.SIP_TRANSPORT_TCP);
      expect(ok.address).toBe('acme.pstn.sinch.com');
      // removing the last number fails re-validation
      const e = await rejection(sip.updateSipOutboundTrunkFields(ok.sipTrunkId, { numbers: new ListUpdate({ remove: ['+15550100'] }) }));
      expect(e.message).toBe('no trunk numbers specified');
    });

    it('deletes an unknown trunk ID successfully (as OSS livekit-server does)', async () => {
      const r = await sip.deleteSipTrunk('ST_unknown12345');
      expect(r.sipTrunkId).toBe('ST_unknown12345');
      const e = await rejection(sip.deleteSipTrunk(''));
      expect(e.message).toBe('trunk ID is required');
    });
  });

  describe('dispatch rules', () => {
    it('accepts the SDK (deprecated top-level) form and echoes trunk IDs and room config', async () => {
      const t = await sip.createSipInboundTrunk('t', ['+15550100']);
      const r = await sip.createSipDispatchRule(
        { type: 'individual', roomPrefix: 'est-inbound-' },
        { name: 'r', trunkIds: [t.sipTrunkId], roomConfig: new RoomConfiguration({ agents: [new RoomAgentDispatch({ agentName: 'inbound-agent' })] }) },
      );
      expect(r.sipDispatchRuleId).toMatch(/^SDR_/);
      expect(r.trunkIds).toEqual([t.sipTrunkId]);
      expect(r.roomConfig?.agents.map((a) => a.agentName)).toEqual(['inbound-agent']);
      expect(r.rule?.rule.case).toBe('dispatchRuleIndividual');
    });

    it('enforces rule conflicts on (pin, trunk, numbers)', async () => {
      await sip.createSipDispatchRule({ type: 'direct', roomName: 'a' });
      const e = await rejection(sip.createSipDispatchRule({ type: 'direct', roomName: 'b' }));
      expect(e.message).toMatch(/^Dispatch rule for the same trunk, inbound number, number, and PIN combination already exists in dispatch rule "SDR_/);
      // a trunk-specific rule does not conflict with the wildcard one
      await sip.createSipDispatchRule({ type: 'direct', roomName: 'c' }, { trunkIds: ['ST_a'] });
      const e2 = await rejection(sip.createSipDispatchRule({ type: 'direct', roomName: 'd' }, { trunkIds: ['ST_a', 'ST_b'] }));
      expect(e2.status).toBe(400);
      // a different PIN is a different key
      await sip.createSipDispatchRule({ type: 'direct', roomName: 'e', pin: '1234' });
    });

    it('404s an unknown rule on update and delete, and returns the deleted rule', async () => {
      expect((await rejection(sip.deleteSipDispatchRule('SDR_missing'))).status).toBe(404);
      expect((await rejection(sip.updateSipDispatchRuleFields('SDR_missing', { name: 'x' }))).code).toBe('not_found');
      const r = await sip.createSipDispatchRule({ type: 'direct', roomName: 'a' }, { name: 'n' });
      const deleted = await sip.deleteSipDispatchRule(r.sipDispatchRuleId);
      expect(deleted.name).toBe('n');
      expect(await sip.listSipDispatchRule()).toEqual([]);
    });

    it('applies field updates including attribute map diffs', async () => {
      const r = await sip.createSipDispatchRule({ type: 'direct', roomName: 'a' }, { attributes: { a: '1', b: '2' } });
      const u = await sip.updateSipDispatchRuleFields(r.sipDispatchRuleId, {
        trunkIds: new ListUpdate({ set: ['ST_x'] }),
        attributes: { a: '', c: '3' },
      });
      expect(u.trunkIds).toEqual(['ST_x']);
      expect(u.attributes).toEqual({ b: '2', c: '3' });
    });
  });

  describe('outbound calls', () => {
    let trunkId: string;
    beforeEach(async () => {
      trunkId = (await sip.createSipOutboundTrunk('o', 'acme.pstn.sinch.com', ['+15550100'], { transport: SIPTransport.SIP_TRANSPORT_UDP }))
        .sipTrunkId;
    });

    it('answers with waitUntilAnswered and creates the room', async () => {
      const info = await sip.createSipParticipant(trunkId, '+15551234', 'room-1', { participantIdentity: 'probe-1', waitUntilAnswered: true });
      expect(info).toMatchObject({ participantIdentity: 'probe-1', roomName: 'room-1' });
      expect(info.sipCallId).toMatch(/^SCL_/);
      expect(info.participantId).toMatch(/^PA_/);
      const rooms = new RoomServiceClient(lk.url, lk.apiKey, lk.apiSecret);
      const listed = await rooms.listRooms();
      expect(listed.map((r) => r.name)).toEqual(['room-1']);
      const parts = await rooms.listParticipants('room-1');
      expect(parts[0]!.attributes['sip.callStatus']).toBe('active');
      await rooms.deleteRoom('room-1');
      expect(await rooms.listRooms()).toEqual([]);
      await expect(rooms.deleteRoom('room-1')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    });

    it.each([
      [403, 'permission_denied', 403],
      [404, 'not_found', 404],
      [408, 'deadline_exceeded', 408],
      [480, 'resource_exhausted', 429],
      [486, 'resource_exhausted', 429],
      [488, 'invalid_argument', 400],
      [503, 'failed_precondition', 412],
      [603, 'permission_denied', 403],
    ])('delivers SIP %i as SipCallError (%s, HTTP %i)', async (sipStatus, code, http) => {
      lk.setCallOutcome('+15551234', { kind: 'reject', sipStatus });
      const e = await rejection(sip.createSipParticipant(trunkId, '+15551234', 'room-x', { participantIdentity: 'p', waitUntilAnswered: true }));
      expect(e).toBeInstanceOf(SipCallError);
      const s = e as SipCallError;
      expect(s.sipStatusCode).toBe(sipStatus);
      expect(s.code).toBe(code);
      expect(s.status).toBe(http);
      expect(s.sipStatus).toBeTruthy();
    });

    it('delivers a ringing timeout as a plain ServerError 408 canceled', async () => {
      lk.setCallOutcome('*', { kind: 'no-answer' });
      const e = await rejection(sip.createSipParticipant(trunkId, '+15559999', 'room-y', { waitUntilAnswered: true, ringingTimeout: 5 }));
      expect(e).not.toBeInstanceOf(SipCallError);
      expect(e.status).toBe(408);
      expect(e.code).toBe('canceled');
      expect(e.message).toBe('sip request timed out');
    });

    it('answers 503 unavailable when no SIP service is running', async () => {
      lk.setCallOutcome('*', { kind: 'no-sip-service' });
      const e = await rejection(sip.createSipParticipant(trunkId, '+15559999', 'room-z', { waitUntilAnswered: true }));
      expect(e.status).toBe(503);
      expect(e.code).toBe('unavailable');
    });

    it('rejects an inbound trunk ID and a SIP URI callee', async () => {
      const inbound = await sip.createSipInboundTrunk('i', ['+15550300']);
      const e = await rejection(sip.createSipParticipant(inbound.sipTrunkId, '+15551234', 'r', { waitUntilAnswered: true }));
      expect(e.status).toBe(404);
      expect(e.message).toBe('requested sip trunk does not exist');
      const e2 = await rejection(sip.createSipParticipant(trunkId, 'sip:bob@example.com', 'r'));
      expect(e2.message).toMatch(/not a full SIP URI/);
    });
  });

  describe('fault injection', () => {
    it('fails the next call with a scripted error, then behaves', async () => {
      lk.failNext('ListSIPInboundTrunk', { code: 'internal', msg: 'redis down' });
      const e = await rejection(sip.listSipInboundTrunk());
      expect(e.status).toBe(500);
      expect(e.code).toBe('internal');
      expect(await sip.listSipInboundTrunk()).toEqual([]);
    });

    it('can hang a call past the client timeout and refuse connections', async () => {
      lk.failNext('ListSIPInboundTrunk', 'hang');
      const quick = new SipClient(lk.url, lk.apiKey, lk.apiSecret, { requestTimeout: 1 });
      await expect(quick.listSipInboundTrunk()).rejects.toMatchObject({ name: 'TimeoutError' });
      await lk.setAvailable(false);
      await expect(sip.listSipInboundTrunk()).rejects.toThrow(/fetch failed/);
      await lk.setAvailable(true);
      expect(await sip.listSipInboundTrunk()).toEqual([]);
    });
  });

  describe('webhooks', () => {
    let receiver: Server;
    const received: WebhookEvent[] = [];
    const rejected: string[] = [];
    let url = '';
    beforeEach(async () => {
      received.length = 0;
      rejected.length = 0;
      const verifier = new WebhookReceiver(lk.apiKey, lk.apiSecret);
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          verifier
            .receive(body, req.headers.authorization)
            .then((ev) => {
              received.push(ev);
              res.writeHead(200).end();
            })
            .catch((err: Error) => {
              rejected.push(err.message);
              res.writeHead(401).end();
            });
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
      lk.setWebhookUrl(url);
    });
    afterEach(async () => new Promise<void>((r) => receiver.close(() => r())));

    it('signs outbound call events so the SDK receiver accepts them', async () => {
      const t = await sip.createSipOutboundTrunk('o', 'acme.pstn.sinch.com', ['+15550100'], { transport: SIPTransport.SIP_TRANSPORT_UDP });
      await sip.createSipParticipant(t.sipTrunkId, '+15551234', 'room-w', { participantIdentity: 'w', waitUntilAnswered: true });
      await new RoomServiceClient(lk.url, lk.apiKey, lk.apiSecret).deleteRoom('room-w');
      await lk.emitWebhook({});
      expect(rejected).toEqual([]);
      expect(received.map((e) => e.event)).toEqual(['room_started', 'participant_joined', 'participant_left', 'room_finished', '']);
      expect(received[1]!.participant?.kind).toBe(3); // SIP
      expect(received[2]!.participant?.disconnectReason).toBe(5); // ROOM_DELETED
      expect(received.every((e) => e.id.startsWith('EV_'))).toBe(true);
    });

    it('simulates an inbound call through trunk and rule matching', async () => {
      const t = await sip.createSipInboundTrunk('in', ['+15550100']);
      const rule = await sip.createSipDispatchRule(
        { type: 'individual', roomPrefix: 'est-inbound-' },
        { trunkIds: [t.sipTrunkId], roomConfig: new RoomConfiguration({ agents: [new RoomAgentDispatch({ agentName: 'inbound-agent' })] }) },
      );
      const res = await lk.simulateInboundCall({ from: '+15557777', to: '+1 555 0100', agent: { joinAfterMs: 5 }, durationMs: 10 });
      if (!res.routed) throw new Error(res.reason);
      expect(res.roomName).toMatch(/^est-inbound-_\+15557777_[2-9A-HJ-NP-Za-km-z]{12}$/);
      expect(res.ruleId).toBe(rule.sipDispatchRuleId);
      expect(received.map((e) => e.event)).toEqual([
        'room_started',
        'participant_joined',
        'participant_joined',
        'participant_left',
        'participant_left',
        'room_finished',
      ]);
      expect(received[1]!.participant?.attributes).toMatchObject({
        'sip.trunkID': t.sipTrunkId,
        'sip.ruleID': rule.sipDispatchRuleId,
        'sip.phoneNumber': '+15557777',
        'sip.trunkPhoneNumber': '+15550100',
        'sip.callStatus': 'ringing',
      });
      expect(received[2]!.participant?.kind).toBe(4); // AGENT
      const dropped = await lk.simulateInboundCall({ from: '+15557777', to: '+15550999' });
      expect(dropped).toMatchObject({ routed: false, reason: 'No SIP Trunk or Dispatch Rules matched for "+15550999"' });
    });

    it('lets the SDK receiver reject a tampered body', async () => {
      const body = JSON.stringify({ event: 'room_started', id: 'EV_x' });
      const auth = await signWebhook(body, lk.apiKey, lk.apiSecret);
      const verifier = new WebhookReceiver(lk.apiKey, lk.apiSecret);
      await expect(verifier.receive(body, auth)).resolves.toMatchObject({ event: 'room_started' });
      await expect(verifier.receive(body.replace('room_started', 'room_finished'), auth)).rejects.toThrow(/sha256 checksum/);
    });
  });
});
