import { WebhookDedupe } from '../../../../src/features/inbound/dedupe';
import { openStore, type Store } from '../../../../src/store';
import { WebhookEventsRepo } from '../../../../src/store/webhook-events-repo';

describe('webhook de-duplication', () => {
  let store: Store;
  let repo: WebhookEventsRepo;
  let t = Date.parse('2026-03-01T12:00:00Z');
  const now = () => new Date(t);
  const ev = (id: string) => ({ id, event: 'participant_joined', roomName: 'room-1' });

  beforeEach(async () => {
    store = await openStore(':memory:');
    repo = new WebhookEventsRepo(store.db);
  });
  afterEach(async () => {
    await store.close();
  });

  it('takes an ID once, writes it behind in one batch, and knows it again after a restart', async () => {
    const d = new WebhookDedupe(repo, now);
    expect(d.claim(ev('EV_1'))).toBe(true);
    expect(d.claim(ev('EV_2'))).toBe(true);
    expect(d.claim(ev('EV_1'))).toBe(false);
    await d.flush();
    expect(await repo.has('EV_1')).toBe(true);
    expect(await repo.has('EV_2')).toBe(true);

    const restarted = new WebhookDedupe(repo, now);
    expect(await restarted.preload()).toBe(2);
    expect(restarted.claim(ev('EV_2'))).toBe(false);
    expect(restarted.claim(ev('EV_3'))).toBe(true);
    await restarted.flush();
  });

  it('preloads only the recent past and remembers a bounded number of IDs', async () => {
    await repo.recordNew([ev('EV_old')], new Date(t - 2 * 86_400_000));
    await repo.recordNew([ev('EV_a'), ev('EV_b'), ev('EV_c')], now());
    const d = new WebhookDedupe(repo, now, { remember: 2 });
    expect(await d.preload()).toBe(2);
    expect(d.claim(ev('EV_old'))).toBe(true); // older than a day: forgotten (LiveKit stopped retrying long ago)
    await d.flush();
    expect(await repo.prune(new Date(t - 86_400_000).toISOString())).toBe(1);
    t += 3 * 86_400_000;
    expect(await repo.prune(new Date(t - 86_400_000).toISOString())).toBe(3);
  });

  it('a failed write rejects the delivery and forgets the ID, so the retried delivery is taken', async () => {
    const errors: unknown[] = [];
    const d = new WebhookDedupe(repo, now, { onWriteError: (e) => errors.push(e) });
    await store.close();
    const written = d.take(ev('EV_x'));
    expect(written).not.toBe(false);
    await expect(written).rejects.toBeDefined();
    expect(errors).toHaveLength(1);
    store = await openStore(':memory:');
    const d2 = new WebhookDedupe(new WebhookEventsRepo(store.db), now);
    expect(d2.claim(ev('EV_x'))).toBe(true);
    expect(d.claim(ev('EV_x'))).toBe(true); // forgotten after the failed write
    await d.flush();
  });

  it('keeps the payload until the event is processed, and lists what is left unprocessed', async () => {
    const d = new WebhookDedupe(repo, now);
    await d.take({ ...ev('EV_p1'), payload: '{"event":"room_started"}' });
    await d.take({ ...ev('EV_p2'), payload: '{"event":"room_finished"}' });
    expect((await repo.unprocessed()).map((r) => r.id).sort()).toEqual(['EV_p1', 'EV_p2']);
    d.processed('EV_p1');
    await d.flush();
    expect((await repo.unprocessed()).map((r) => r.id)).toEqual(['EV_p2']);
  });
});
