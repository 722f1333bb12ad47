import { DisconnectReason, ParticipantInfo_Kind, SIPTransport } from '@livekit/protocol';
import { AgentDispatchClient, RoomServiceClient, SipCallError, SipClient } from 'livekit-server-sdk';
import { LiveKitEmulator, WebhookCollector, serverError } from '../support/livekit-emulator/index';

/** Outbound calls (CreateSIPParticipant), rooms, agent dispatch and transfers (§3, §6, §7). */
describe('LiveKit emulator: outbound calls and rooms', () => {
  let lk: LiveKitEmulator;
  let sip: SipClient;
  let rooms: RoomServiceClient;
  let hooks: WebhookCollector;
  let trunkId: string;
  beforeAll(async () => {
    lk = await LiveKitEmulator.start({ emptyRoomCloseMs: 50 });
    sip = new SipClient(lk.url, lk.apiKey, lk.apiSecret);
    rooms = new RoomServiceClient(lk.url, lk.apiKey, lk.apiSecret);
    hooks = await WebhookCollector.start(lk.apiKey, lk.apiSecret);
  });
  beforeEach(async () => {
    lk.reset();
    lk.setWebhookUrl(hooks.url);
    hooks.clear();
    trunkId = (
      await sip.createSipOutboundTrunk('o', 'acme.pstn.sinch.com', ['+15550100'], {
        transport: SIPTransport.SIP_TRANSPORT_UDP,
      })
    ).sipTrunkId;
  });
  afterAll(async () => {
    await lk.stop();
    await hooks.stop();
  });

  // livekit/livekit pkg/service/sip.go: 80 s cap on waitUntilAnswered, room join included.
  it('caps waitUntilAnswered at 80 s counted from the start, room join included', async () => {
    lk.setSipTiming({ joinMs: 50, msPerSecond: 10 });
    lk.setCallOutcome('*', { kind: 'no-answer' });
    // 79 s of ringing + the join > 80 s: the server stops waiting first (deadline_exceeded), not livekit-sip.
    const capped = await serverError(
      sip.createSipParticipant(trunkId, '+15551234', 'cap-1', { waitUntilAnswered: true, ringingTimeout: 79 }),
    );
    expect(capped).toMatchObject({ code: 'deadline_exceeded', message: 'request timed out' });
    // 30 s fits: the no-answer comes from livekit-sip (canceled "sip request timed out").
    const fits = await serverError(
      sip.createSipParticipant(trunkId, '+15551235', 'cap-2', { waitUntilAnswered: true, ringingTimeout: 30 }),
    );
    expect(fits).toMatchObject({ code: 'canceled', message: 'sip request timed out' });
  });

  // livekit/sip pkg/sip/outbound.go: the room join comes before the ringing timer.
  it("joins the room before ringing, so the SDK's ringing + 2 s HTTP timeout gives up before livekit-sip does", async () => {
    lk.setSipTiming({ joinMs: 2500, msPerSecond: 1000 });
    lk.setCallOutcome('*', { kind: 'no-answer' });
    const sdkGaveUp = await sip
      .createSipParticipant(trunkId, '+15551236', 'race-1', { waitUntilAnswered: true, ringingTimeout: 1 })
      .then(
        () => 'answered',
        (e: unknown) => (e as { name?: string }).name,
      );
    expect(sdkGaveUp).toBe('TimeoutError');
  });

  it('waitUntilAnswered: creates the room, joins the SIP participant and answers (callStatus active)', async () => {
    const info = await sip.createSipParticipant(trunkId, '+15551234', 'room-1', {
      participantIdentity: 'probe-1',
      participantName: 'Probe',
      participantAttributes: { 'my.key': 'v' },
      waitUntilAnswered: true,
    });
    expect(info).toMatchObject({ participantIdentity: 'probe-1', roomName: 'room-1' });
    expect(info.sipCallId).toMatch(/^SCL_[2-9A-HJ-NP-Za-km-z]{12}$/);
    expect(info.participantId).toMatch(/^PA_/);
    expect((await rooms.listRooms()).map((r) => r.name)).toEqual(['room-1']);
    const [p] = await rooms.listParticipants('room-1');
    expect(p!.kind).toBe(ParticipantInfo_Kind.SIP);
    expect(p!.attributes).toEqual({
      'my.key': 'v',
      'sip.callID': info.sipCallId,
      'sip.trunkID': trunkId,
      'sip.phoneNumber': '+15551234',
      'sip.hostname': 'acme.pstn.sinch.com',
      'sip.trunkPhoneNumber': '+15550100',
      'sip.callStatus': 'active',
    });
    expect(lk.rooms()[0]!.participants[0]).toMatchObject({ identity: 'probe-1', kind: 'SIP', name: 'Probe' });
    await lk.flushWebhooks();
    expect(hooks.names()).toEqual(['room_started', 'participant_joined']);
    expect(hooks.received[1]!.participant?.attributes['sip.callStatus']).toBe('dialing');
  });

  it('without waitUntilAnswered returns at once (dialing) and answers later', async () => {
    lk.setCallOutcome('+15551234', { kind: 'answer', afterMs: 150 });
    const info = await sip.createSipParticipant(trunkId, '+15551234', 'room-2');
    expect(info.participantIdentity).toBe('sip-participant'); // the SDK's default identity
    expect((await rooms.listParticipants('room-2'))[0]!.attributes['sip.callStatus']).toBe('dialing');
    await new Promise((r) => setTimeout(r, 250));
    expect((await rooms.listParticipants('room-2'))[0]!.attributes['sip.callStatus']).toBe('active');
  });

  it.each([
    [403, 'permission_denied', 403, 'Forbidden'],
    [404, 'not_found', 404, 'Not Found'],
    [408, 'deadline_exceeded', 408, 'Request Timeout'],
    [480, 'resource_exhausted', 429, 'Temporarily Unavailable'],
    [486, 'resource_exhausted', 429, 'Busy Here'],
    [488, 'invalid_argument', 400, 'Not Acceptable Here'],
    [503, 'failed_precondition', 412, 'Service Unavailable'],
    [603, 'permission_denied', 403, 'Decline'],
  ])('SIP %i arrives as SipCallError (%s, HTTP %i)', async (sipStatus, code, http, reason) => {
    lk.setCallOutcome('+15551234', { kind: 'reject', sipStatus, afterMs: 5 });
    const e = await serverError(
      sip.createSipParticipant(trunkId, '+15551234', `room-${sipStatus}`, {
        participantIdentity: 'p',
        waitUntilAnswered: true,
      }),
    );
    expect(e).toBeInstanceOf(SipCallError);
    const s = e as SipCallError;
    expect(s.sipStatusCode).toBe(sipStatus);
    expect(s.sipStatus).toBe(reason);
    expect(s.code).toBe(code);
    expect(s.status).toBe(http);
    expect(s.message).toBe(`SIP call failed: ${sipStatus} ${reason} (${code})`);
    expect(s.metadata?.error_details).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('keeps a scripted reason phrase', async () => {
    lk.setCallOutcome('*', { kind: 'reject', sipStatus: 486, reason: 'User Busy', afterMs: 5 });
    const e = (await serverError(
      sip.createSipParticipant(trunkId, '+15559999', 'r', { waitUntilAnswered: true }),
    )) as SipCallError;
    expect([e.sipStatusCode, e.sipStatus]).toEqual([486, 'User Busy']);
  });

  it('a ringing timeout is a plain ServerError 408 canceled, not a SipCallError', async () => {
    lk.setCallOutcome('*', { kind: 'no-answer' });
    const e = await serverError(sip.createSipParticipant(trunkId, '+15559999', 'room-y', { waitUntilAnswered: true }));
    expect(e).not.toBeInstanceOf(SipCallError);
    expect(e).toMatchObject({ status: 408, code: 'canceled', message: 'sip request timed out' });
    expect(e.metadata).toBeUndefined();
  });

  it('no SIP service: 503 unavailable, nothing joins', async () => {
    lk.setCallOutcome('*', { kind: 'no-sip-service' });
    const e = await serverError(sip.createSipParticipant(trunkId, '+15559999', 'room-z', { waitUntilAnswered: true }));
    expect(e).not.toBeInstanceOf(SipCallError);
    expect(e).toMatchObject({ status: 503, code: 'unavailable', message: 'no response from servers' });
    expect(lk.rooms()).toEqual([]);
  });

  it('validates the request and resolves only outbound trunks', async () => {
    const inbound = await sip.createSipInboundTrunk('i', ['+15550300']);
    const e = await serverError(
      sip.createSipParticipant(inbound.sipTrunkId, '+15551234', 'r', { waitUntilAnswered: true }),
    );
    expect(e).toMatchObject({ status: 404, code: 'not_found', message: 'requested sip trunk does not exist' });
    const uri = await serverError(sip.createSipParticipant(trunkId, 'bob@example.com', 'r'));
    expect(uri).toMatchObject({
      status: 400,
      message: 'SipCallTo should be a phone number or SIP user, not a full SIP URI',
    });
    expect((await serverError(sip.createSipParticipant(trunkId, '+15551234', ''))).message).toBe('missing room name');
    expect((await serverError(sip.createSipParticipant('', '+15551234', 'r'))).message).toBe(
      'missing sip trunk id and sip number',
    );
  });

  it('an asynchronous rejection shows only as participant_left with the §6 reason', async () => {
    lk.setCallOutcome('+15550486', { kind: 'reject', sipStatus: 486, afterMs: 10 });
    lk.setCallOutcome('+15550404', { kind: 'reject', sipStatus: 404, afterMs: 10 });
    await sip.createSipParticipant(trunkId, '+15550486', 'busy', { participantIdentity: 'a' });
    await sip.createSipParticipant(trunkId, '+15550404', 'gone', { participantIdentity: 'b' });
    await new Promise((r) => setTimeout(r, 150));
    await lk.flushWebhooks();
    const left = hooks.received.filter((e) => e.event === 'participant_left');
    expect(
      left.map((e) => [e.room?.name, e.participant?.disconnectReason, e.participant?.attributes['sip.callStatus']]),
    ).toEqual([
      ['busy', DisconnectReason.USER_REJECTED, 'dialing'],
      ['gone', DisconnectReason.USER_UNAVAILABLE, 'dialing'],
    ]);
    // the empty rooms close after the (shortened) departure timeout
    expect(hooks.names().filter((n) => n === 'room_finished')).toHaveLength(2);
  });

  it('RemoveParticipant hangs up (PARTICIPANT_REMOVED); DeleteRoom ends everything (ROOM_DELETED, room_finished)', async () => {
    await sip.createSipParticipant(trunkId, '+15551234', 'r1', { participantIdentity: 'x', waitUntilAnswered: true });
    await sip.createSipParticipant(trunkId, '+15551235', 'r1', { participantIdentity: 'y', waitUntilAnswered: true });
    await rooms.removeParticipant('r1', 'x');
    expect((await rooms.listParticipants('r1')).map((p) => p.identity)).toEqual(['y']);
    await expect(rooms.removeParticipant('r1', 'x')).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'participant does not exist',
    });
    await rooms.deleteRoom('r1');
    expect(await rooms.listRooms()).toEqual([]);
    await expect(rooms.deleteRoom('r1')).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'requested room does not exist',
    });
    await lk.flushWebhooks();
    expect(hooks.names()).toEqual([
      'room_started',
      'participant_joined',
      'participant_joined',
      'participant_left',
      'participant_left',
      'room_finished',
    ]);
    expect(hooks.received[3]!.participant).toMatchObject({
      identity: 'x',
      disconnectReason: DisconnectReason.PARTICIPANT_REMOVED,
      attributes: { 'sip.callStatus': 'hangup' },
    });
    expect(hooks.received[4]!.participant).toMatchObject({
      identity: 'y',
      disconnectReason: DisconnectReason.ROOM_DELETED,
    });
  });

  it('CreateRoom, ListRooms by name, agent dispatch into an existing room', async () => {
    const room = await rooms.createRoom({ name: 'lobby', emptyTimeout: 60, metadata: 'm' });
    expect(room).toMatchObject({ name: 'lobby', emptyTimeout: 60, metadata: 'm' });
    expect(room.sid).toMatch(/^RM_/);
    await rooms.createRoom({ name: 'other' });
    expect((await rooms.listRooms(['lobby'])).map((r) => r.sid)).toEqual([room.sid]);
    const agents = new AgentDispatchClient(lk.url, lk.apiKey, lk.apiSecret);
    const d = await agents.createDispatch('lobby', 'outbound-agent', { metadata: '{"a":1}' });
    expect(d).toMatchObject({ agentName: 'outbound-agent', room: 'lobby', metadata: '{"a":1}' });
    expect(d.id).toMatch(/^AD_/);
    expect((await agents.listDispatch('lobby')).map((x) => x.id)).toEqual([d.id]);
    expect(lk.rooms().find((r) => r.name === 'lobby')!.agentDispatches).toEqual([
      { id: d.id, agentName: 'outbound-agent', metadata: '{"a":1}' },
    ]);
    // CreateDispatch auto-creates a missing room
    await agents.createDispatch('fresh', 'outbound-agent');
    expect((await rooms.listRooms()).map((r) => r.name)).toEqual(['fresh', 'lobby', 'other']);
  });

  it('transfers a SIP participant; non-SIP participants and bad targets are refused', async () => {
    await sip.createSipParticipant(trunkId, '+15551234', 't1', {
      participantIdentity: 'caller',
      waitUntilAnswered: true,
    });
    await expect(sip.transferSipParticipant('t1', 'caller', 'tel:+15550000')).resolves.toBeUndefined();
    const bad = await serverError(sip.transferSipParticipant('t1', 'caller', '+15550000'));
    expect(bad.message).toBe('transfer_to must be a valid SIP(s) or TEL URI (sip:, sips: or tel:)');
    expect((await serverError(sip.transferSipParticipant('t1', 'nobody', 'tel:+1'))).code).toBe('not_found');
    lk.setTransferOutcome('*', { kind: 'reject', sipStatus: 603 });
    await sip.createSipParticipant(trunkId, '+15551235', 't2', { participantIdentity: 'c2', waitUntilAnswered: true });
    const e = await serverError(sip.transferSipParticipant('t2', 'c2', 'sip:desk@example.com'));
    expect(e).toBeInstanceOf(SipCallError);
    expect((e as SipCallError).sipStatusCode).toBe(603);
  });
});
