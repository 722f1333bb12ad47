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

  it('Slack calls to a channel never overlap across replicas and each starts an interval after the previous one ended', async () => {
    stores = [await openStore(db.url), await openStore(db.url)];
    const calls: Array<{ replica: number; channel: string; text: string; start: number; end: number }> = [];
    const notifiers = stores.map((store, replica) => {
      const pacer = coordinationFor(store).pacer;
      const chat: SlackChat = {
        postMessage: async (a) => {
          const start = Date.now();
          // A call that takes a while (Slack's answer, or a busy machine): the next one waits for its end.
          await new Promise((r) => setTimeout(r, 30));
          calls.push({ replica, channel: a.channel, text: a.text, start, end: Date.now() });
          return { ts: `${replica}.${calls.length}` };
        },
        update: async () => ({}),
      };
      return new PacedNotifier({
        chat,
        intervalMs: 150,
        sharedPacer: pacer,
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
    const c1 = calls.filter((c) => c.channel === 'C1').sort((a, b) => a.start - b.start);
    // The database's clock and Date.now() are the same system clock, read at millisecond precision here.
    for (let i = 1; i < c1.length; i++) expect(c1[i]!.start - c1[i - 1]!.end).toBeGreaterThanOrEqual(149);
    expect(calls.filter((c) => c.channel === 'C2')).toHaveLength(1);
  });
});
