import {
  INBOUND_CALL_OUTCOMES,
  callOutcome,
  inboundCallOutcome,
  inboundRecordPatch,
  parseStoredDetail,
  storedDetail,
  type Presentation,
} from '../../../src/domain/inbound-record';
import { inboundRoom } from '../../support/builders';

describe('the stored detail of an inbound call', () => {
  const { state, view } = inboundRoom();
  const call = {
    key: view.key,
    presentation: 'thread' as Presentation,
    confirmed: new Set(['started', 'ended']),
    agentName: 'inbound-agent',
  };

  it('reads back what a sync stored (through JSON, as the database keeps it)', () => {
    const detail = storedDetail(call, view, state);
    const read = parseStoredDetail(JSON.parse(JSON.stringify(detail)));
    expect(read).toEqual({ ok: true, detail });
    expect(detail).toMatchObject({
      v: 1,
      callKey: view.key,
      replied: ['started', 'ended'],
      trunkId: 'ST_trunk0001',
      ruleId: 'SDR_rule0001',
      agentName: 'inbound-agent',
    });
  });

  it.each([
    ['not an object', 'garbage', '(root)'],
    ['another version', { v: 2 }, 'v'],
    ['no call key', { callKey: '' }, 'callKey'],
    ['an unknown presentation', { presentation: 'shouting' }, 'presentation'],
    ['replies that are not a list', { replied: 'started' }, 'replied'],
    ['a room state without participants', { roomState: { room: 'r', agentTimeouts: {} } }, 'roomState.participants'],
    [
      'a participant with a bad join time',
      { roomState: { ...state, participants: { [view.key]: { ...state.participants[view.key], joinedAt: 'soon' } } } },
      `roomState.participants.${view.key}.joinedAt`,
    ],
  ])('refuses %s, naming where', (_what, change, where) => {
    const raw = typeof change === 'string' ? change : { ...storedDetail(call, view, state), ...change };
    const read = parseStoredDetail(raw);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.reason.startsWith(`${where}:`)).toBe(true);
  });
});

describe('callOutcome', () => {
  const ended = inboundRoom().view;
  const ringing = inboundRoom({ ended: false }).view;
  const answered = {
    ...ended,
    agentJoined: true,
    joiners: [{ key: 'PA_a', identity: 'agent', name: 'agent', kind: 'agent' as const, joinedAt: 1_500 }],
  };

  it.each<[string, Presentation, boolean, typeof ended, string]>([
    ['an unbound call', 'unbound', true, ended, 'unbound'],
    ['a folded call', 'folded', true, ended, 'noise'],
    ['a call still ringing', 'thread', true, ringing, 'in-progress'],
    ['a call answered and going on', 'thread', true, { ...answered, ended: false }, 'answered'],
    ['an ended call someone joined', 'thread', true, answered, 'completed'],
    ['an ended call its agent never joined', 'thread', true, ended, 'missed'],
    ['an ended call of a binding without an agent', 'thread', false, ended, 'completed'],
  ])('%s', (_what, presentation, expectsAgent, v, outcome) => {
    expect(callOutcome(presentation, expectsAgent, v)).toBe(outcome);
  });
});

describe('inboundRecordPatch', () => {
  it('writes times as ISO strings from the event times and the outcome of the call', () => {
    const { state, view } = inboundRoom();
    const patch = inboundRecordPatch({ key: view.key, presentation: 'thread', confirmed: [] }, view, state, 99_000);
    expect(patch).toMatchObject({
      startedAt: new Date(1_000).toISOString(),
      endedAt: new Date(4_000).toISOString(),
      durationMs: 3_000,
      caller: '+15550100',
      callee: '+14155550101',
      agentJoined: false,
      answeredAt: null,
      outcome: 'completed',
    });
    expect(patch.detail.replied).toEqual([]);
  });

  it('takes the start from the clock when the join time is not known', () => {
    const { state, view } = inboundRoom({ ended: false });
    const { joinedAt: _joined, ...noJoin } = view;
    expect(
      inboundRecordPatch({ key: view.key, presentation: 'thread', confirmed: [] }, noJoin, state, 99_000),
    ).toMatchObject({ startedAt: new Date(99_000).toISOString(), endedAt: null });
  });
});

describe('the outcome an ended inbound call is counted under', () => {
  const ended = (agentJoined: boolean, agentMissing: boolean) => ({ agentJoined, agentMissing });

  it('by agent facts when the binding dispatches an agent', () => {
    expect(inboundCallOutcome('thread', true, ended(true, false))).toBe('agent_joined');
    expect(inboundCallOutcome('thread', true, ended(false, true))).toBe('no_agent');
    // An agent that came after the timeout: the caller waited too long, counted as no agent.
    expect(inboundCallOutcome('thread', true, ended(true, true))).toBe('no_agent');
    expect(inboundCallOutcome('folded', true, ended(false, false))).toBe('ended_before_agent');
  });

  it('without an expected agent, and without a binding', () => {
    expect(inboundCallOutcome('thread', false, ended(false, false))).toBe('no_agent_expected');
    expect(inboundCallOutcome('unbound', false, ended(false, false))).toBe('unbound');
    expect(INBOUND_CALL_OUTCOMES).toEqual(
      expect.arrayContaining(['agent_joined', 'no_agent', 'ended_before_agent', 'no_agent_expected', 'unbound']),
    );
  });
});
