import fc from 'fast-check';
import {
  agentDeadline,
  applyInboundEvent,
  callsOf,
  callView,
  describeEndReason,
  emptyRoomState,
  reduceInboundCall,
  type InboundEffect,
  type InboundEvent,
  type ParticipantSnapshot,
  type RoomCallsState,
} from '../../../src/domain/inbound-call';

const ROOM = { name: 'est-inbound-_+15550100_AbCdEfGhJkLm', sid: 'RM_room0001' };

const SIP_ATTRS = {
  'sip.callID': 'SCL_call0001',
  'sip.trunkID': 'ST_trunk0001',
  'sip.ruleID': 'SDR_rule0001',
  'sip.phoneNumber': '+15550100',
  'sip.trunkPhoneNumber': '+14155550101',
  'sip.hostname': 'pstn.example',
};

function sip(over: Partial<ParticipantSnapshot> = {}, status = 'ringing'): ParticipantSnapshot {
  return {
    sid: 'PA_sip00001',
    identity: 'sip_+15550100',
    name: 'Phone +15550100',
    kind: 'sip',
    attributes: { ...SIP_ATTRS, 'sip.callStatus': status },
    version: 1,
    joinedAtMs: 1_000,
    ...over,
  };
}

function agent(over: Partial<ParticipantSnapshot> = {}): ParticipantSnapshot {
  return {
    sid: 'PA_agent0001',
    identity: 'agent-AJ_1',
    name: 'inbound-agent',
    kind: 'agent',
    attributes: { 'lk.agent.state': 'listening' },
    version: 1,
    joinedAtMs: 1_400,
    ...over,
  };
}

/** The full sequence of a 5-second call answered by an agent after 0.4 s. */
function fullCall(): InboundEvent[] {
  return [
    { type: 'room_started', at: 900, room: ROOM },
    { type: 'participant_joined', at: 1_000, room: ROOM, participant: sip() },
    { type: 'participant_joined', at: 1_400, room: ROOM, participant: agent() },
    { type: 'track_published', at: 1_500, room: ROOM, participant: { sid: 'PA_agent0001', identity: 'agent-AJ_1' } },
    {
      type: 'participant_left',
      at: 6_000,
      room: ROOM,
      participant: sip({ version: 3, disconnectReason: 'CLIENT_INITIATED' }, 'hangup'),
    },
    {
      type: 'participant_left',
      at: 6_010,
      room: ROOM,
      participant: agent({ version: 2, disconnectReason: 'CLIENT_INITIATED' }),
    },
    { type: 'room_finished', at: 6_020, room: ROOM },
  ];
}

function run(
  events: InboundEvent[],
  start: RoomCallsState = emptyRoomState(ROOM.name),
): { state: RoomCallsState; effects: InboundEffect[] } {
  let state = start;
  const effects: InboundEffect[] = [];
  for (const ev of events) {
    const r = reduceInboundCall(state, ev);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

const kinds = (effects: InboundEffect[]) => effects.map((e) => e.kind);

describe('inbound call reducer', () => {
  it('derives the call from the full sequence, with each milestone once and in order', () => {
    const { state, effects } = run(fullCall());
    const [call] = callsOf(state);
    expect(call).toMatchObject({
      key: 'PA_sip00001',
      room: ROOM.name,
      phoneNumber: '+15550100',
      did: '+14155550101',
      trunkId: 'ST_trunk0001',
      ruleId: 'SDR_rule0001',
      callId: 'SCL_call0001',
      callStatus: 'hangup',
      joinedAt: 1_000,
      ended: true,
      endedAt: 6_000,
      endReason: 'CLIENT_INITIATED',
      durationMs: 5_000,
      agentJoined: true,
      agentDelayMs: 400,
      agentLeftFirst: false,
      media: true,
      agentMissing: false,
    });
    expect(call!.joiners).toEqual([
      {
        key: 'PA_agent0001',
        identity: 'agent-AJ_1',
        name: 'inbound-agent',
        kind: 'agent',
        joinedAt: 1_400,
        leftAt: 6_010,
        delayMs: 400,
      },
    ]);
    expect(kinds(effects).filter((k) => k !== 'call-updated')).toEqual([
      'call-started',
      'joiner-joined',
      'media',
      'call-ended',
    ]);
    expect(state.roomSid).toBe(ROOM.sid);
    expect(state.startedAt).toBe(900);
    expect(state.finishedAt).toBe(6_020);
  });

  it('gives the same final state and the same milestones for every delivery order', () => {
    const reference = run(fullCall()).state;
    fc.assert(
      fc.property(fc.shuffledSubarray(fullCall(), { minLength: 7, maxLength: 7 }), (events) => {
        const { state, effects } = run(events);
        expect(state).toEqual(reference);
        expect(callsOf(state)).toEqual(callsOf(reference));
        const milestones = kinds(effects)
          .filter((k) => k !== 'call-updated')
          .sort();
        expect(milestones).toEqual(['call-ended', 'call-started', 'joiner-joined', 'media']);
      }),
      { numRuns: 300 },
    );
  });

  it('ignores duplicates: the same event again changes nothing and has no effects', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(fullCall(), { minLength: 7, maxLength: 7 }),
        fc.array(fc.nat(6), { maxLength: 5 }),
        (events, dupIdx) => {
          const withDups = [...events];
          for (const i of dupIdx) withDups.splice(i + 1, 0, events[i]!);
          const plain = run(events);
          const dup = run(withDups);
          expect(dup.state).toEqual(plain.state);
          expect(
            kinds(dup.effects)
              .filter((k) => k !== 'call-updated')
              .sort(),
          ).toEqual(
            kinds(plain.effects)
              .filter((k) => k !== 'call-updated')
              .sort(),
          );
        },
      ),
      { numRuns: 100 },
    );
    const { state } = run(fullCall());
    for (const ev of fullCall()) {
      const again = reduceInboundCall(state, ev);
      expect(again.effects).toEqual([]);
      expect(again.state).toEqual(state);
    }
  });

  it('reports the call at once when participant_left comes before participant_joined', () => {
    const left = fullCall()[4]!;
    const { state, effects } = run([left]);
    expect(kinds(effects)).toEqual(['call-started', 'call-ended', 'call-updated']);
    const call = callView(state, 'PA_sip00001')!;
    expect(call).toMatchObject({
      joinedAt: 1_000,
      endedAt: 6_000,
      durationMs: 5_000,
      endReason: 'CLIENT_INITIATED',
      callStatus: 'hangup',
    });
    // The late join neither restarts the call nor rolls back the hang-up status.
    const late = reduceInboundCall(state, fullCall()[1]!);
    expect(late.effects).toEqual([]);
    expect(callView(late.state, 'PA_sip00001')!.callStatus).toBe('hangup');
  });

  it('ends a call on room_finished and refines the reason when the caller’s leave arrives later', () => {
    const ev = fullCall();
    const first = run([ev[1]!, ev[6]!]);
    expect(callView(first.state, 'PA_sip00001')).toMatchObject({
      ended: true,
      endedAt: 6_020,
      endReason: 'ROOM_FINISHED',
      durationMs: 5_020,
    });
    const later = reduceInboundCall(first.state, ev[4]!);
    expect(kinds(later.effects)).toEqual(['call-updated']);
    expect(callView(later.state, 'PA_sip00001')).toMatchObject({
      endedAt: 6_000,
      endReason: 'CLIENT_INITIATED',
      durationMs: 5_000,
    });
  });

  it('treats participant_connection_aborted as a call that never connected', () => {
    const { state } = run([{ type: 'participant_connection_aborted', at: 1_200, room: ROOM, participant: sip() }]);
    const call = callView(state, 'PA_sip00001')!;
    expect(call).toMatchObject({ ended: true, endReason: 'CONNECTION_ABORTED', durationMs: 200 });
    expect(describeEndReason(call)).toContain('never got connected');
  });

  it('merges a minimal track_published participant that arrives before its join', () => {
    const ev = fullCall();
    const { state } = run([ev[3]!, ev[2]!, ev[1]!]);
    expect(callView(state, 'PA_sip00001')).toMatchObject({ media: true, agentJoined: true, agentDelayMs: 400 });
    expect(state.participants['PA_agent0001']).toMatchObject({
      kind: 'agent',
      name: 'inbound-agent',
      published: true,
      joinedAt: 1_400,
    });
  });

  it('counts an answered caller (sip.callStatus active) as media, and not the caller’s own track', () => {
    const own = run([
      fullCall()[1]!,
      {
        type: 'track_published',
        at: 1_100,
        room: ROOM,
        participant: { sid: 'PA_sip00001', identity: 'sip_+15550100' },
      },
    ]);
    expect(callView(own.state, 'PA_sip00001')!.media).toBe(false);
    const answered = run([
      fullCall()[1]!,
      { type: 'participant_left', at: 3_000, room: ROOM, participant: sip({ version: 2 }, 'active') },
    ]);
    expect(callView(answered.state, 'PA_sip00001')!.media).toBe(true);
  });

  it('keeps the attributes of the highest participant version whatever the order', () => {
    const a = sip({ version: 2 }, 'active');
    const b = sip({ version: 5, attributes: { ...SIP_ATTRS, 'sip.callStatus': 'hangup' } });
    const one = run([
      { type: 'participant_joined', at: 1_000, room: ROOM, participant: b },
      { type: 'participant_joined', at: 1_000, room: ROOM, participant: a },
    ]);
    const two = run([
      { type: 'participant_joined', at: 1_000, room: ROOM, participant: a },
      { type: 'participant_joined', at: 1_000, room: ROOM, participant: b },
    ]);
    expect(one.state).toEqual(two.state);
    expect(callView(one.state, 'PA_sip00001')!.callStatus).toBe('hangup');
  });

  it('treats each SIP participant of a direct room as its own call, with the agents that overlapped it', () => {
    const room = { name: 'support-room', sid: 'RM_direct01' };
    const c1 = sip({
      sid: 'PA_c1',
      identity: 'sip_+1',
      attributes: { ...SIP_ATTRS, 'sip.phoneNumber': '+1' },
      joinedAtMs: 1_000,
    });
    const c2 = sip({
      sid: 'PA_c2',
      identity: 'sip_+2',
      attributes: { ...SIP_ATTRS, 'sip.phoneNumber': '+2' },
      joinedAtMs: 10_000,
    });
    const ag = agent({ joinedAtMs: 11_000 });
    const { state, effects } = run([
      { type: 'participant_joined', at: 1_000, room, participant: c1 },
      { type: 'participant_left', at: 3_000, room, participant: { ...c1, disconnectReason: 'CLIENT_INITIATED' } },
      { type: 'participant_joined', at: 10_000, room, participant: c2 },
      { type: 'participant_joined', at: 11_000, room, participant: ag },
    ]);
    const [first, second] = callsOf(state);
    expect(first).toMatchObject({ key: 'PA_c1', phoneNumber: '+1', ended: true, agentJoined: false, joiners: [] });
    expect(second).toMatchObject({
      key: 'PA_c2',
      phoneNumber: '+2',
      ended: false,
      agentJoined: true,
      agentDelayMs: 1_000,
    });
    expect(effects.filter((e) => e.kind === 'joiner-joined').map((e) => e.call.key)).toEqual(['PA_c2']);
  });

  it('shows an agent that was in the room first with a zero delay', () => {
    const { state } = run([
      { type: 'participant_joined', at: 900, room: ROOM, participant: agent({ joinedAtMs: 900 }) },
      { type: 'participant_joined', at: 1_000, room: ROOM, participant: sip() },
    ]);
    expect(callView(state, 'PA_sip00001')).toMatchObject({ agentJoined: true, agentDelayMs: 0 });
  });

  it('notes that the agent left first (it ended the call)', () => {
    const ev = fullCall();
    const { state } = run([
      ev[1]!,
      ev[2]!,
      { type: 'participant_left', at: 5_000, room: ROOM, participant: agent({ version: 2 }) },
      ev[4]!,
    ]);
    const call = callView(state, 'PA_sip00001')!;
    expect(call.agentLeftFirst).toBe(true);
    expect(describeEndReason(call)).toBe('the agent left, then the call was hung up');
  });

  describe('agent watchdog', () => {
    const joined = fullCall()[1]!;
    const timeout = (at: number): InboundEvent => ({ type: 'agent_timeout', at, room: ROOM, callKey: 'PA_sip00001' });

    it('arms for a ringing caller without agent and not otherwise', () => {
      const ringing = callView(run([joined]).state, 'PA_sip00001')!;
      expect(agentDeadline(ringing, 20_000)).toBe(21_000);
      expect(agentDeadline(callView(run([joined, fullCall()[2]!]).state, 'PA_sip00001')!, 20_000)).toBeUndefined();
      expect(agentDeadline(callView(run([joined, fullCall()[4]!]).state, 'PA_sip00001')!, 20_000)).toBeUndefined();
      expect(agentDeadline(callView(run([joined, timeout(21_000)]).state, 'PA_sip00001')!, 20_000)).toBeUndefined();
    });

    it('reports a missing agent once when it fires, and keeps the fact when the agent comes late', () => {
      const fired = run([joined, timeout(21_000)]);
      expect(kinds(fired.effects)).toEqual(['call-started', 'call-updated', 'agent-missing', 'call-updated']);
      const late = reduceInboundCall(fired.state, {
        type: 'participant_joined',
        at: 25_000,
        room: ROOM,
        participant: agent({ joinedAtMs: 25_000 }),
      });
      expect(kinds(late.effects)).toEqual(['joiner-joined', 'call-updated']);
      expect(callView(late.state, 'PA_sip00001')).toMatchObject({
        agentMissing: true,
        agentJoined: true,
        agentDelayMs: 24_000,
      });
      expect(reduceInboundCall(late.state, timeout(21_000)).effects).toEqual([]);
    });

    it('does not report a missing agent when the agent joined or the call ended before it fired', () => {
      const agentFirst = run([joined, timeout(21_000), fullCall()[2]!]);
      expect(callView(agentFirst.state, 'PA_sip00001')!.agentMissing).toBe(false);
      const endedFirst = run([joined, timeout(21_000), fullCall()[4]!]);
      expect(callView(endedFirst.state, 'PA_sip00001')!.agentMissing).toBe(false);
      expect(run([timeout(21_000), joined, fullCall()[4]!]).state).toEqual(endedFirst.state);
    });
  });

  it('does not mutate its input state', () => {
    const { state } = run(fullCall().slice(0, 3));
    const frozen = JSON.stringify(state);
    applyInboundEvent(state, fullCall()[4]!);
    reduceInboundCall(state, fullCall()[6]!);
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it('describes end reasons in plain words', () => {
    const base = { agentLeftFirst: false, callStatus: 'active' };
    expect(describeEndReason({ ...base, endReason: 'CLIENT_INITIATED', callStatus: 'hangup' })).toBe(
      'the caller hung up',
    );
    expect(describeEndReason({ ...base, endReason: 'ROOM_DELETED' })).toContain('room was deleted');
    expect(describeEndReason({ ...base, endReason: 'MEDIA_FAILURE' })).toContain('media failure');
    expect(describeEndReason({ ...base, endReason: 'SOMETHING_NEW' })).toBe('something new');
    expect(describeEndReason(base)).toBe('unknown');
  });

  // livekit/sip pkg/sip/participant.go + livekit/livekit pkg/rtc/signalling/signalhandler.go: a dropped call
  // leaves CLIENT_INITIATED (mapped from UNKNOWN_REASON) without sip.callStatus "hangup".
  it('says "the caller hung up" only with sip.callStatus hangup; otherwise an unclear end with RTP checks', () => {
    const base = { agentLeftFirst: false };
    for (const callStatus of ['active', 'ringing', undefined]) {
      const text = describeEndReason({ ...base, endReason: 'CLIENT_INITIATED', ...(callStatus ? { callStatus } : {}) });
      expect(text).toMatch(/^ended without a clear reason/);
      expect(text).toContain('UDP 10000-20000');
      expect(text).toContain('NAT');
    }
    expect(describeEndReason({ ...base, endReason: 'UNKNOWN_REASON', callStatus: 'active' })).toMatch(
      /^ended without a clear reason/,
    );
  });
});
