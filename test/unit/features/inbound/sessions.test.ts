import type { InboundEvent } from '../../../../src/domain/inbound-call';
import { storedDetail } from '../../../../src/domain/inbound-record';
import { RoomSessions, type CallSession } from '../../../../src/features/inbound/sessions';
import { inboundRoom } from '../../../support/builders';
import { bindingSpec } from '../../../support/fixtures';
import { inboundTestContext, type TestContext } from './context';

const ROOM = { name: 'inbound-room-1', sid: 'RM_room0001' };
const joined = (room: { name: string; sid?: string }): InboundEvent => ({ type: 'room_started', at: 5_000, room });

describe('RoomSessions', () => {
  let t: TestContext;
  let opened: CallSession[];
  let sessions: RoomSessions;

  beforeEach(async () => {
    t = await inboundTestContext();
    opened = [];
    sessions = new RoomSessions(t.ctx, async (cs) => {
      opened.push(cs);
    });
  });
  afterEach(() => t.close());

  async function storeCall(detail: unknown, slack?: { channel: string; ts: string }): Promise<string> {
    const binding = await t.ctx.deps.repos.bindings.insert(
      bindingSpec({ name: 'front-desk', reportChannel: 'CREPORT01' }),
      {},
      'UTEST',
    );
    await t.ctx.deps.repos.calls.insert({
      id: 'inbound:SCL_call0001',
      direction: 'inbound',
      startedAt: new Date(1_000).toISOString(),
      outcome: 'in-progress',
      roomName: ROOM.name,
      bindingName: binding.name,
      detail: detail as Record<string, unknown>,
      ...(slack ? { slackChannel: slack.channel, slackTs: slack.ts } : {}),
    });
    return binding.name;
  }

  it('carries on a recorded call of the same room: its confirmed replies, and its parent adopted for updates', async () => {
    const { state, view } = inboundRoom({ ended: false, room: ROOM });
    await storeCall(storedDetail({ key: view.key, presentation: 'thread', confirmed: ['started'] }, view, state), {
      channel: 'CREPORT01',
      ts: '1690000000.000100',
    });
    const s = await sessions.sessionFor(joined(ROOM));
    expect(s).toMatchObject({ name: ROOM.name, sid: ROOM.sid, resync: true, state });
    const cs = s.calls.get(view.key)!;
    expect(cs).toMatchObject({
      presentation: 'thread',
      recordId: 'inbound:SCL_call0001',
      binding: { name: 'front-desk' },
    });
    expect([...cs.confirmed]).toEqual(['started']);
    t.ctx.slack().update(cs.parent!, { text: 'now' });
    await t.ctx.slack().idle();
    expect(t.chat.calls).toEqual([
      {
        method: 'update',
        args: expect.objectContaining({ channel: 'CREPORT01', ts: '1690000000.000100', text: 'now' }),
      },
    ]);
    expect(await sessions.sessionFor(joined(ROOM))).toBe(s);
  });

  it('looks up the rooms that first appear in one turn with one query, each finding its own record', async () => {
    const { state, view } = inboundRoom({ ended: false, room: ROOM });
    await storeCall(storedDetail({ key: view.key, presentation: 'thread', confirmed: [] }, view, state));
    const lookups = jest.spyOn(t.ctx.deps.repos.calls, 'latestByRooms');
    const other = { name: 'inbound-room-2', sid: 'RM_room0002' };
    const [a, b] = await Promise.all([sessions.sessionFor(joined(ROOM)), sessions.sessionFor(joined(other))]);
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(lookups.mock.calls[0]![0]).toEqual([ROOM.name, other.name]);
    expect(a).toMatchObject({ name: ROOM.name, resync: true, state });
    expect(b.resync).toBeUndefined(); // nothing recorded: a new session
    expect(b.calls.size).toBe(0);
    // A later turn asks again.
    await sessions.sessionFor(joined({ name: 'inbound-room-3', sid: 'RM_room0003' }));
    expect(lookups).toHaveBeenCalledTimes(2);
  });

  it('opens the thread again (adopt or post) when its parent was queued but no ts was stored before the stop', async () => {
    const { state, view } = inboundRoom({ ended: false, room: ROOM });
    await storeCall(storedDetail({ key: view.key, presentation: 'thread', confirmed: ['started'] }, view, state));
    const s = await sessions.sessionFor(joined(ROOM));
    expect(opened).toHaveLength(1);
    expect(opened[0]).toBe(s.calls.get(view.key));
    // The thread decides: it adopts the parent found in Slack or posts a new one (then without the old replies).
    expect(opened[0]!.presentation).toBe('held');
  });

  it('starts afresh, with a warning naming the call and what is wrong, when the stored detail cannot be read', async () => {
    const { state, view } = inboundRoom({ ended: false, room: ROOM });
    const broken = {
      ...storedDetail({ key: view.key, presentation: 'thread', confirmed: [] }, view, state),
      replied: 'started',
    };
    await storeCall(broken, { channel: 'CREPORT01', ts: '1690000000.000100' });
    const s = await sessions.sessionFor(joined(ROOM));
    expect(s.resync).toBeUndefined();
    expect(s.calls.size).toBe(0);
    expect(s.state.participants).toEqual({});
    expect(t.warnings).toEqual([
      expect.objectContaining({
        room: ROOM.name,
        call: 'inbound:SCL_call0001',
        reason: expect.stringMatching(/^replied:/),
      }),
    ]);
  });

  it('does not carry on a record of an earlier room with the same name (another sid)', async () => {
    const { state, view } = inboundRoom({ ended: false, room: { name: ROOM.name, sid: 'RM_earlier' } });
    await storeCall(storedDetail({ key: view.key, presentation: 'thread', confirmed: [] }, view, state), {
      channel: 'CREPORT01',
      ts: '1690000000.000100',
    });
    const s = await sessions.sessionFor(joined(ROOM));
    expect(s.calls.size).toBe(0);
    expect(t.warnings).toEqual([]);
  });

  it('gives events without a room sid the session that gets the sid later, and drops a session once', async () => {
    const early = await sessions.sessionFor(joined({ name: ROOM.name }));
    const later = await sessions.sessionFor(joined(ROOM));
    expect(later).toBe(early);
    expect(later.sid).toBe(ROOM.sid);
    expect(sessions.evict(later)).toBe(true);
    expect(sessions.evict(later)).toBe(false);
    expect(await sessions.sessionFor(joined(ROOM))).not.toBe(later);
  });
});
