import { PacedNotifier, type SlackChat } from '../../../src/slack/paced-notifier';
import { coordinationFor, openStore, type Store } from '../../../src/store';
import { createTestDatabase, postgresCasesRun } from '../../support/postgres';

/** Two replicas' notifiers on one PostgreSQL database share a channel's one-call-per-interval budget. */
(postgresCasesRun() ? describe : describe.skip)('paced notifiers of two replicas on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let stores: Store[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await db.drop();
  });

  it('every Slack call to a channel takes its own reserved slot, the slots an interval apart', async () => {
    stores = [await openStore(db.url), await openStore(db.url)];
    const slots: Array<{ replica: number; channel: string; at: number }> = [];
    const calls: Array<{ replica: number; channel: string; text: string }> = [];
    const notifiers = stores.map((store, replica) => {
      const pacer = coordinationFor(store).pacer;
      const chat: SlackChat = {
        postMessage: async (a) => {
          calls.push({ replica, channel: a.channel, text: a.text });
          return { ts: `${replica}.${calls.length}` };
        },
        update: async () => ({}),
      };
      return new PacedNotifier({
        chat,
        intervalMs: 150,
        sharedPacer: {
          reserve: async (channel, intervalMs) => {
            const r = await pacer.reserve(channel, intervalMs);
            slots.push({ replica, channel, at: r.at });
            return r;
          },
        },
      });
    });
    for (let i = 0; i < 4; i++) for (const [r, n] of notifiers.entries()) n.post('C1', { text: `r${r}-m${i}` });
    notifiers[0]!.post('C2', { text: 'other channel' });
    await Promise.all(notifiers.map((n) => n.idle()));

    expect(calls.filter((c) => c.channel === 'C1')).toHaveLength(8);
    // Each replica keeps its own order.
    for (const r of [0, 1])
      expect(calls.filter((c) => c.replica === r && c.channel === 'C1').map((c) => c.text)).toEqual(
        [0, 1, 2, 3].map((i) => `r${r}-m${i}`),
      );
    const c1 = slots
      .filter((s) => s.channel === 'C1')
      .map((s) => s.at)
      .sort((a, b) => a - b);
    expect(c1).toHaveLength(8);
    for (let i = 1; i < c1.length; i++) expect(c1[i]! - c1[i - 1]!).toBeGreaterThanOrEqual(150);
    expect(slots.filter((s) => s.channel === 'C2')).toHaveLength(1);
  });
});
