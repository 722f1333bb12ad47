import { WebhookDedupe } from '../../../../src/features/inbound/dedupe';
import { openStore, type Store } from '../../../../src/store';
import { WebhookEventsRepo } from '../../../../src/store/webhook-events-repo';
import { storeEngines } from '../../../support/postgres';

const ev = (id: string) => ({ id, event: 'participant_joined', roomName: 'room-1', payload: '{}' });

async function take(d: WebhookDedupe, id: string): Promise<boolean> {
  const w = d.take(ev(id));
  return w === false ? false : w;
}

/** The intake of several replicas on one database (livekit-server re-sends an event to any of them). */
describe.each(storeEngines().filter(([e]) => e === 'postgres'))(
  'webhook intake of three replicas on %s',
  (_name, engine) => {
    let stores: Store[] = [];
    let replicas: WebhookDedupe[] = [];
    beforeAll(async () => {
      await engine.setUp();
      const target = await engine.fresh();
      stores = await Promise.all([0, 1, 2].map(() => openStore(target)));
      replicas = stores.map((s) => new WebhookDedupe(new WebhookEventsRepo(s.db), () => new Date()));
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await engine.tearDown();
    });

    it('an event one replica took in and handled is a duplicate on every other replica', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `EV_done_${i}`);
      expect(await Promise.all(ids.map((id) => take(replicas[0]!, id)))).toEqual(ids.map(() => true));
      for (const id of ids) replicas[0]!.processed(id);
      await replicas[0]!.flush();
      const retries = await Promise.all([1, 2].flatMap((r) => ids.map((id) => take(replicas[r]!, id))));
      expect(retries.filter(Boolean)).toHaveLength(0);
    });

    it('an event whose replica died before handling it is taken on by the replica LiveKit re-sends it to', async () => {
      // Replica 0 stored EV_orphan (and may have answered or not) and was killed before processing it.
      expect(await take(replicas[0]!, 'EV_orphan')).toBe(true);
      expect(await take(replicas[1]!, 'EV_orphan')).toBe(true);
      replicas[1]!.processed('EV_orphan');
      await replicas[1]!.flush();
      expect(await take(replicas[2]!, 'EV_orphan')).toBe(false);
    });

    it('of concurrent first deliveries to three replicas, every event is taken in at least once', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `EV_race_${i}`);
      const outcomes = await Promise.all(
        replicas.flatMap((d, r) =>
          ids.map(async (_, i) => ({
            id: ids[(i + r * 7) % ids.length]!,
            isNew: await take(d, ids[(i + r * 7) % ids.length]!),
          })),
        ),
      );
      for (const id of ids) expect(outcomes.filter((o) => o.id === id && o.isNew).length).toBeGreaterThanOrEqual(1);
    });
  },
);
