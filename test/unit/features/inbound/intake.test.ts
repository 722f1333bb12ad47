import { WebhookEvent } from 'livekit-server-sdk';
import type { InboundEvent } from '../../../../src/domain/inbound-call';
import { WebhookDedupe } from '../../../../src/features/inbound/dedupe';
import { Intake } from '../../../../src/features/inbound/intake';
import { inboundTestContext, type TestContext } from './context';

const roomEvent = (id: string, event = 'room_started') =>
  WebhookEvent.fromJson({
    id,
    event,
    room: { name: 'inbound-room-1', sid: 'RM_room0001' },
    createdAt: String(Date.parse('2026-03-01T12:00:00Z') / 1000),
  });

/** Waits for a condition (a bounded number of tries, so a failing test ends). */
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not met');
}

describe('Intake', () => {
  let t: TestContext;
  let seen: InboundEvent[];
  let intake: Intake;
  let dedupe: WebhookDedupe;

  beforeEach(async () => {
    t = await inboundTestContext();
    seen = [];
    const repo = t.ctx.deps.repos.webhookEvents;
    dedupe = new WebhookDedupe(repo, () => new Date(t.ctx.nowMs()));
    // Each event is reported to Slack, as the call events do.
    intake = new Intake(t.ctx, repo, dedupe, async (ev) => {
      seen.push(ev);
      t.ctx.slack().post('CREPORT01', { text: `${ev.type} ${ev.room.name}` });
    });
  });
  afterEach(async () => {
    await t.inflight.drain(1000);
    await dedupe.flush();
    await t.close();
  });

  it('stores a new delivery before answering, and answers a repeated one as a duplicate', async () => {
    expect(await intake.accept(roomEvent('EV_1'))).toBe('accepted');
    expect(await t.ctx.deps.repos.webhookEvents.has('EV_1')).toBe(true);
    expect(await intake.accept(roomEvent('EV_1'))).toBe('duplicate');
    await until(() => t.inflight.size === 0);
    expect(seen).toHaveLength(1);
  });

  it('ignores events the feature does not read, without storing them', async () => {
    expect(await intake.accept(roomEvent('EV_egress', 'egress_started'))).toBe('accepted');
    expect(await t.ctx.deps.repos.webhookEvents.has('EV_egress')).toBe(false);
    expect(seen).toHaveLength(0);
  });

  it('counts the Slack delivery of an event as work in flight, and marks the event processed only once Slack has it', async () => {
    let answer!: () => void;
    t.chat.gate = new Promise((r) => (answer = r));
    await intake.accept(roomEvent('EV_2'));
    await until(() => seen.length === 1 && t.ctx.queue.size === 0);
    // Processed by the feature, but Slack has not answered: still in flight, still to replay after a crash.
    expect(t.inflight.size).toBeGreaterThan(0);
    await dedupe.flush();
    expect((await t.ctx.deps.repos.webhookEvents.unprocessed()).map((r) => r.id)).toEqual(['EV_2']);
    answer();
    await until(() => t.inflight.size === 0);
    expect(t.chat.calls).toHaveLength(1);
    await until(async () => (await t.ctx.deps.repos.webhookEvents.unprocessed()).length === 0);
  });

  it('replays the events a crash left unprocessed, oldest first, and skips an unreadable one with a warning', async () => {
    const repo = t.ctx.deps.repos.webhookEvents;
    const at = (s: number) => new Date(Date.parse('2026-03-01T11:59:00Z') + s * 1000);
    await repo.recordNew(
      [
        {
          id: 'EV_b',
          event: 'room_finished',
          roomName: 'inbound-room-1',
          payload: roomEvent('EV_b', 'room_finished').toJsonString(),
          receivedAt: at(2),
        },
      ],
      at(2),
    );
    await repo.recordNew(
      [
        {
          id: 'EV_a',
          event: 'room_started',
          roomName: 'inbound-room-1',
          payload: roomEvent('EV_a').toJsonString(),
          receivedAt: at(1),
        },
      ],
      at(1),
    );
    await repo.recordNew(
      [{ id: 'EV_bad', event: 'room_started', roomName: 'inbound-room-1', payload: '{not json', receivedAt: at(0) }],
      at(0),
    );
    expect(await intake.replayUnprocessed()).toBe(3);
    await until(() => t.inflight.size === 0);
    expect(seen.map((e) => e.type)).toEqual(['room_started', 'room_finished']);
    expect(t.warnings).toEqual([
      expect.objectContaining({ id: 'EV_bad', msg: 'a stored webhook event cannot be read; skipped' }),
    ]);
    await until(async () => (await repo.unprocessed()).length === 0);
  });
});
