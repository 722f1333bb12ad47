import { WebhookDedupe } from '../../src/features/inbound/dedupe';
import { openStore, type Store } from '../../src/store';
import { WebhookEventsRepo } from '../../src/store/webhook-events-repo';
import { storeEngines } from '../support/postgres';

/** The intake of several replicas on one database: an event ID is taken in by exactly one of them. */
describe.each(storeEngines().filter(([e]) => e === 'postgres'))('webhook intake of three replicas on %s', (_name, engine) => {
  let stores: Store[] = [];
  beforeAll(() => engine.setUp());
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await engine.tearDown();
  });

  it('every delivery of one event, whichever replica gets it, is taken in once; the others answer duplicate', async () => {
    const target = await engine.fresh();
    stores = await Promise.all([0, 1, 2].map(() => openStore(target)));
    const replicas = stores.map((s) => new WebhookDedupe(new WebhookEventsRepo(s.db), () => new Date()));
    const ids = Array.from({ length: 30 }, (_, i) => `EV_${i}`);
    // livekit-server retries: each event reaches every replica, in a different order on each.
    const outcomes = await Promise.all(
      replicas.flatMap((d, r) =>
        ids.map(async (_id, i) => {
          const written = d.take({ id: ids[(i + r * 7) % ids.length]!, event: 'participant_joined', roomName: 'room-1', payload: '{}' });
          return { id: ids[(i + r * 7) % ids.length]!, isNew: written === false ? false : await written, replica: r };
        }),
      ),
    );
    for (const id of ids) expect(outcomes.filter((o) => o.id === id && o.isNew)).toHaveLength(1);
    expect(outcomes.filter((o) => o.isNew)).toHaveLength(ids.length);
  });
});
