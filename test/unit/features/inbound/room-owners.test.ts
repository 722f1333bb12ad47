import { RoomOwners, type RoomOwnersOptions } from '../../../../src/features/inbound/room-owners';
import { memoryCoordination } from '../../../../src/store/coordination';

type Row = { id: string; payload: string; receivedAt: string; roomName: string };

function owners(shared: ReturnType<typeof memoryCoordination>, rows: Row[], active: Set<string>, now: () => number) {
  const queued: string[] = [];
  const reads: string[][] = [];
  const o = new RoomOwners({
    leases: shared.leases,
    events: {
      unprocessedOfRooms: async (rooms) => {
        reads.push([...rooms]);
        return rows.filter((r) => rooms.includes(r.roomName));
      },
      unprocessedRooms: async () => [...new Set(rows.map((r) => r.roomName))],
    },
    enqueue: (row) => queued.push(row.id),
    active: (room) => active.has(room),
    onError: (err) => {
      throw err;
    },
    leaseMs: 3000,
    now,
  });
  return { o, queued, reads };
}

/** A replica with no stored events and every room active, for tests of its leases alone. */
function bare(o: Pick<RoomOwnersOptions, 'leases' | 'now'> & Partial<RoomOwnersOptions>): RoomOwners {
  return new RoomOwners({
    events: { unprocessedOfRooms: async () => [], unprocessedRooms: async () => [] },
    enqueue: () => undefined,
    active: () => true,
    onError: (err) => {
      throw err;
    },
    leaseMs: 3000,
    ...o,
  });
}

describe('RoomOwners (one owner per room among replicas)', () => {
  it("one replica owns a room; the other leaves its events to it, and takes the room once the owner's lease ran out", async () => {
    let t = 0;
    const shared = memoryCoordination(() => t);
    const rows: Row[] = [
      { id: 'EV_1', payload: '{}', receivedAt: '1', roomName: 'r1' },
      { id: 'EV_2', payload: '{}', receivedAt: '2', roomName: 'r1' },
    ];
    const active = new Set(['r1']);
    const a = owners(shared, rows, active, () => t);
    const b = owners(shared, rows, active, () => t);
    expect(await a.o.own('r1')).toBe(true);
    expect(await b.o.own('r1')).toBe(false);
    // The owner queues what any replica stored, in stored order, each event once (catch-up and poll share the mark).
    await a.o.catchUp('r1');
    await a.o.poll();
    await a.o.poll();
    expect(a.queued).toEqual(['EV_1', 'EV_2']);
    await b.o.poll();
    expect(b.queued).toEqual([]);
    // A dies (no more renewals): after its lease, B's lease round takes the room, its poll queues what is unprocessed.
    t += 3001;
    await b.o.leaseRound();
    await b.o.poll();
    expect(b.queued).toEqual(['EV_1', 'EV_2']);
  });

  it('a room with no session and no queued work is kept while its events keep coming, and released once they stop', async () => {
    let t = 0;
    const shared = memoryCoordination(() => t);
    const active = new Set<string>();
    const rows: Row[] = [{ id: 'EV_r2', payload: '{}', receivedAt: '1', roomName: 'r2' }];
    const a = owners(shared, rows, active, () => t);
    const b = owners(shared, [], active, () => t);
    expect(await a.o.own('r2')).toBe(true);
    // Between a call's events (no session yet, nothing queued) the room stays A's: an event came just now.
    t += 900;
    await a.o.catchUp('r2');
    rows.length = 0; // handled
    t += 200;
    await a.o.leaseRound();
    expect(await b.o.own('r2')).toBe(false);
    // Nothing of it for a third of a lease, and no session: released at the next round.
    t += 1001;
    await a.o.leaseRound();
    t += 1001; // B's recheck time
    expect(await b.o.own('r2')).toBe(true);
  });

  it('renewals go on while a poll is stuck on a slow query, so the lease never runs out under a live owner', async () => {
    let t = 0;
    const shared = memoryCoordination(() => t);
    const a = bare({
      leases: shared.leases,
      // The poll's read never answers (a database under load).
      events: { unprocessedOfRooms: () => new Promise(() => undefined), unprocessedRooms: async () => [] },
      now: () => t,
    });
    const b = owners(shared, [], new Set(['r5']), () => t);
    expect(await a.own('r5')).toBe(true);
    void a.poll();
    t += 2000;
    await a.leaseRound();
    t += 2000; // past the first lease's end, within the renewed one
    expect(await b.o.own('r5')).toBe(false);
  });

  it("a store claim that finds the room held elsewhere ends this replica's ownership at once (its lease was taken)", async () => {
    const t = 0;
    const shared = memoryCoordination(() => t);
    const lost: string[][] = [];
    const a = bare({ leases: shared.leases, onLost: (rooms) => lost.push(rooms), now: () => t });
    a.claimed('r6', true);
    expect(await a.own('r6')).toBe(true);
    a.claimed('r6', false);
    expect(lost).toEqual([['r6']]);
    expect(await a.own('r6')).toBe(false); // not asked again for a moment
    a.claimed('r7', false); // never held: nothing lost
    expect(lost).toEqual([['r6']]);
  });

  it("an event the owner receives is queued after the room's events other replicas stored before it", async () => {
    const t = 0;
    const shared = memoryCoordination(() => t);
    // EV_a and EV_b were stored by other replicas (waiting for the owner's poll); EV_c reached the owner.
    const rows: Row[] = ['EV_a', 'EV_b', 'EV_c'].map((id, i) => ({
      id,
      payload: '{}',
      receivedAt: String(i),
      roomName: 'r3',
    }));
    const active = new Set(['r3']);
    const a = owners(shared, rows, active, () => t);
    expect(await a.o.own('r3')).toBe(true);
    await a.o.catchUp('r3');
    expect(a.queued).toEqual(['EV_a', 'EV_b', 'EV_c']);
  });

  it('rooms asked in the same turn are read with one query; a later ask reads again', async () => {
    const t = 0;
    const shared = memoryCoordination(() => t);
    const rows: Row[] = [
      { id: 'EV_x', payload: '{}', receivedAt: '1', roomName: 'rx' },
      { id: 'EV_y', payload: '{}', receivedAt: '2', roomName: 'ry' },
    ];
    const a = owners(shared, rows, new Set(['rx', 'ry']), () => t);
    await Promise.all([a.o.catchUp('rx'), a.o.catchUp('ry')]);
    expect(a.reads).toEqual([['rx', 'ry']]);
    expect(a.queued).toEqual(['EV_x', 'EV_y']);
    await a.o.catchUp('rx');
    expect(a.reads).toEqual([['rx', 'ry'], ['rx']]);
    expect(a.queued).toEqual(['EV_x', 'EV_y']); // each event queued once
  });

  it("a room another replica holds is not asked about again for a moment, then is (the owner's lease may have run out)", async () => {
    let t = 0;
    const shared = memoryCoordination(() => t);
    let asked = 0;
    const counted = {
      ...shared.leases,
      acquire: (key: string, holder: string, ttlMs: number) => {
        asked++;
        return shared.leases.acquire(key, holder, ttlMs);
      },
    };
    const a = owners(shared, [], new Set(['r4']), () => t);
    const b = bare({ leases: counted, now: () => t });
    expect(await a.o.own('r4')).toBe(true);
    expect(await b.own('r4')).toBe(false);
    expect(await b.own('r4')).toBe(false);
    expect(asked).toBe(1);
    // A dies; once its lease ran out and the recheck time passed, B asks again and takes the room.
    t += 3001;
    expect(await b.own('r4')).toBe(true);
    expect(asked).toBe(2);
  });
});
