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

    it("with withEarlier each new event carries its room's earlier unprocessed events, across replicas, in stored order", async () => {
      const withEarlier = stores.map(
        (st) => new WebhookDedupe(new WebhookEventsRepo(st.db), () => new Date(), { withEarlier: true }),
      );
      const room = (id: string, roomName: string) => ({ id, event: 'participant_joined', roomName, payload: '{}' });
      const put = async (r: number, id: string, roomName = 'room-order') => {
        const w = withEarlier[r]!.take(room(id, roomName));
        expect(w === false ? false : await w).toBe(true);
        return withEarlier[r]!.earlierOf(id)?.earlier;
      };
      expect(await put(0, 'EV_o1')).toEqual([]);
      expect(await put(1, 'EV_o2')).toEqual(['EV_o1']);
      expect(await put(2, 'EV_o3')).toEqual(['EV_o1', 'EV_o2']);
      expect(await put(2, 'EV_other', 'room-else')).toEqual([]); // another room's events are not in it
      withEarlier[0]!.processed('EV_o1');
      await withEarlier[0]!.flush();
      expect(await put(0, 'EV_o4')).toEqual(['EV_o2', 'EV_o3']);
      expect(withEarlier[0]!.earlierOf('EV_o4')).toBeUndefined(); // taken once
    });

    it('with claimRooms the store takes each room for exactly one replica, in the same statement, without deadlocks', async () => {
      const claiming = stores.map(
        (st, r) =>
          new WebhookDedupe(new WebhookEventsRepo(st.db), () => new Date(), {
            withEarlier: true,
            maxBatch: 7,
            claimRooms: { keyPrefix: 'lease:room:', holder: `replica-${r}`, ttlMs: 60_000 },
          }),
      );
      // 20 rooms, 6 events each, sent to the three replicas at once with each replica's rooms in a
      // different order: overlapping multi-row claims that would deadlock if taken in any other order.
      const rooms = Array.from({ length: 20 }, (_, i) => `room-claim-${String(i).padStart(2, '0')}`);
      const sent = claiming.flatMap((d, r) =>
        Array.from({ length: 2 }, (_, k) =>
          (r === 1 ? [...rooms].reverse() : rooms).map((roomName) => ({
            d,
            r,
            id: `EV_c_${roomName}_${r}_${k}`,
            roomName,
          })),
        ).flat(),
      );
      const outcomes = await Promise.all(
        sent.map(async ({ d, r, id, roomName }) => {
          const w = d.take({ id, event: 'participant_joined', roomName, payload: '{}' });
          expect(w === false ? false : await w).toBe(true);
          return { r, roomName, mine: d.earlierOf(id)?.mine };
        }),
      );
      for (const roomName of rooms) {
        const owners = new Set(outcomes.filter((o) => o.roomName === roomName && o.mine).map((o) => o.r));
        expect(owners.size).toBe(1);
        // Every event a replica stored for a room it does not hold says so.
        const [owner] = owners;
        for (const o of outcomes.filter((x) => x.roomName === roomName)) expect(o.mine).toBe(o.r === owner);
      }
      const held = await stores[0]!.db
        .selectFrom('coordination_leases')
        .select(['key', 'holder'])
        .where('key', 'like', 'lease:room:room-claim-%')
        .execute();
      expect(held).toHaveLength(rooms.length);

      // A lease that ran out is taken over by the next replica that stores an event of the room.
      const taken = rooms[0]!;
      const before = outcomes.find((o) => o.roomName === taken && o.mine)!.r;
      const next = (before + 1) % 3;
      await stores[0]!.db
        .updateTable('coordination_leases')
        .set({ expires_at: '0' })
        .where('key', '=', `lease:room:${taken}`)
        .execute();
      const w = claiming[next]!.take({ id: 'EV_c_after', event: 'participant_left', roomName: taken, payload: '{}' });
      expect(w === false ? false : await w).toBe(true);
      expect(claiming[next]!.earlierOf('EV_c_after')?.mine).toBe(true);
      const w2 = claiming[before]!.take({
        id: 'EV_c_after2',
        event: 'participant_left',
        roomName: taken,
        payload: '{}',
      });
      expect(w2 === false ? false : await w2).toBe(true);
      expect(claiming[before]!.earlierOf('EV_c_after2')?.mine).toBe(false);
    });

    it("a room's stored events come back in stored order even when the replicas' clocks disagree", async () => {
      const repos = stores.map((st) => new WebhookEventsRepo(st.db));
      // Replica 1's clock runs a minute behind replica 0's: received_at alone would put EV_s2 first.
      await repos[0]!.recordNew(
        [{ ...ev('EV_s1'), roomName: 'room-skew', receivedAt: new Date('2026-12-02T10:01:00Z') }],
        new Date(),
      );
      await repos[1]!.recordNew(
        [{ ...ev('EV_s2'), roomName: 'room-skew', receivedAt: new Date('2026-12-02T10:00:00Z') }],
        new Date(),
      );
      expect((await repos[2]!.unprocessedOfRooms(['room-skew'])).map((r) => r.id)).toEqual(['EV_s1', 'EV_s2']);
    });
  },
);
