import { ParticipantInfo_Kind, SIPTransport } from '@livekit/protocol';
import { RoomAgentDispatch, RoomConfiguration, RoomServiceClient, SipClient } from 'livekit-server-sdk';
import { LiveKitEmulator, WebhookCollector, serverError } from '../support/livekit-emulator/index';

/** Loopback: an outbound call to a DID an inbound trunk of the same LiveKit holds comes back in (loopback.ts). */
describe('LiveKit emulator: loopback calls', () => {
  let lk: LiveKitEmulator;
  let sip: SipClient;
  let rooms: RoomServiceClient;
  let hooks: WebhookCollector;
  let outId: string;
  let inId: string;
  let ruleId: string;
  const DID = '+15550100';
  const CALLER_ID = '+15550199';

  beforeAll(async () => {
    lk = await LiveKitEmulator.start({ emptyRoomCloseMs: 20 });
    sip = new SipClient(lk.url, lk.apiKey, lk.apiSecret);
    rooms = new RoomServiceClient(lk.url, lk.apiKey, lk.apiSecret);
    hooks = await WebhookCollector.start(lk.apiKey, lk.apiSecret);
  });
  beforeEach(async () => {
    lk.reset();
    lk.setWebhookUrl(hooks.url);
    hooks.clear();
    outId = (
      await sip.createSipOutboundTrunk('o', 'acme.pstn.sinch.com', [CALLER_ID], {
        transport: SIPTransport.SIP_TRANSPORT_UDP,
      })
    ).sipTrunkId;
    inId = (await sip.createSipInboundTrunk('in', [DID])).sipTrunkId;
    ruleId = (
      await sip.createSipDispatchRule(
        { type: 'individual', roomPrefix: 'support' },
        {
          trunkIds: [inId],
          roomConfig: new RoomConfiguration({ agents: [new RoomAgentDispatch({ agentName: 'support-agent' })] }),
        },
      )
    ).sipDispatchRuleId;
  });
  afterAll(async () => {
    await lk.stop();
    await hooks.stop();
  });

  const dial = (room: string, to = DID): ReturnType<SipClient['createSipParticipant']> =>
    sip.createSipParticipant(outId, to, room, {
      participantIdentity: 'loop-out',
      fromNumber: CALLER_ID,
      waitUntilAnswered: true,
    });

  it('is off by default: the outbound call is answered by the scripted default and nothing comes back', async () => {
    await dial('out-0');
    expect(lk.loops).toEqual([]);
    expect(lk.rooms().map((r) => r.name)).toEqual(['out-0']);
  });

  it('comes back through the inbound trunk and rule, with its own sip.callID, the agent and tracks on both sides', async () => {
    lk.setLoopback({ delayMs: 5, agentJoinAfterMs: 5, agentIdentity: 'agent-1' });
    const info = await dial('out-1');
    const loop = lk.loops[0]!;
    expect(loop).toMatchObject({ outboundCallId: info.sipCallId, to: DID, from: CALLER_ID, answered: true });
    expect(loop.inbound).toMatchObject({ trunkId: inId, ruleId, identity: `sip_${CALLER_ID}` });
    expect(loop.inbound!.callId).not.toBe(info.sipCallId);
    expect(loop.inbound!.roomName).toMatch(/^support_\+15550199_/);
    await lk.flushWebhooks();
    const inJoin = hooks.received.find(
      (e) =>
        e.event === 'participant_joined' &&
        e.room?.name === loop.inbound!.roomName &&
        e.participant?.kind === ParticipantInfo_Kind.SIP,
    )!;
    expect(inJoin.participant!.attributes).toMatchObject({
      'sip.callID': loop.inbound!.callId,
      'sip.phoneNumber': CALLER_ID,
      'sip.trunkPhoneNumber': DID,
      'sip.trunkID': inId,
      'sip.ruleID': ruleId,
      'sip.callStatus': 'ringing',
    });
    const published = hooks.received
      .filter((e) => e.event === 'track_published')
      .map((e) => `${e.room?.name === 'out-1' ? 'out' : 'in'}:${e.participant?.identity}`);
    expect(published.sort()).toEqual(['in:agent-1', `in:sip_${CALLER_ID}`, 'out:loop-out'].sort());
    const inRoom = lk.rooms().find((r) => r.name === loop.inbound!.roomName)!;
    expect(inRoom.participants.map((p) => [p.identity, p.attributes['sip.callStatus']])).toEqual([
      [`sip_${CALLER_ID}`, 'active'],
      ['agent-1', undefined],
    ]);
    // The legs are bridged: deleting the outbound room hangs up the inbound leg (its agent leaves too).
    await rooms.deleteRoom('out-1');
    await lk.flushWebhooks();
    const left = hooks.received
      .filter((e) => e.event === 'participant_left' && e.room?.name === loop.inbound!.roomName)
      .map((e) => e.participant?.identity);
    expect(left).toEqual([`sip_${CALLER_ID}`, 'agent-1']);
  });

  it('drop: the carrier does not route the DID back; the outbound call fails with its status and nothing comes in', async () => {
    lk.setLoopback({ delayMs: 5, breakage: { kind: 'drop', sipStatus: 404 } });
    const err = await serverError(dial('out-2'));
    expect(err).toMatchObject({ code: 'not_found' });
    expect(lk.loops[0]).toMatchObject({ answered: false });
    expect(lk.loops[0]!.inbound).toBeUndefined();
    await lk.flushWebhooks();
    expect(hooks.received.filter((e) => e.room?.name !== 'out-2')).toEqual([]);
  });

  it('reroute: the call comes in on another trunk and rule', async () => {
    const other = (await sip.createSipInboundTrunk('other', ['+15550999'])).sipTrunkId;
    const otherRule = (
      await sip.createSipDispatchRule(
        { type: 'direct', roomName: 'sales' },
        {
          trunkIds: [other],
          roomConfig: new RoomConfiguration({ agents: [new RoomAgentDispatch({ agentName: 'sales' })] }),
        },
      )
    ).sipDispatchRuleId;
    lk.setLoopback({ delayMs: 5, agentJoinAfterMs: 5, breakage: { kind: 'reroute', to: '+15550999' } });
    await dial('out-3');
    expect(lk.loops[0]!.inbound).toMatchObject({ trunkId: other, ruleId: otherRule, roomName: 'sales' });
  });

  it('no-agent: the inbound leg rings until the caller gives up; the outbound call ends as a no-answer', async () => {
    lk.setLoopback({ delayMs: 5, ringMs: 40, breakage: { kind: 'no-agent' } });
    const err = await serverError(dial('out-4'));
    expect(err).toMatchObject({ code: 'canceled', message: 'sip request timed out' });
    const loop = lk.loops[0]!;
    expect(loop).toMatchObject({ answered: false, inbound: { trunkId: inId } });
    await lk.flushWebhooks();
    const inEvents = hooks.received.filter((e) => e.room?.name === loop.inbound!.roomName).map((e) => e.event);
    expect(inEvents.slice(0, 3)).toEqual(['room_started', 'participant_joined', 'participant_left']);
    expect(inEvents).not.toContain('track_published');
  });

  it('a number no inbound trunk lists is dialed out as usual', async () => {
    lk.setLoopback({ delayMs: 5 });
    await dial('out-5', '+15551234');
    expect(lk.loops).toEqual([]);
  });
});
