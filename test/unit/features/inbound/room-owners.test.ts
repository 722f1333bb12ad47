import { RoomOwners } from '../../../../src/features/inbound/room-owners';
import { memoryCoordination } from '../../../../src/store/coordination';

type Row = { id: string; payload: string; receivedAt: string; room: string };

function owners(shared: ReturnType<typeof memoryCoordination>, rows: Row[], active: Set<string>, now: () => number) {
  const queued: string[] = [];
  const o = new RoomOwners({
    leases: shared.leases,
    events: {
      unprocessedOfRooms: async (rooms) => rows.filter((r) => rooms.includes(r.room)),
      unprocessedRooms: async () => [...new Set(rows.map((r) => r.room))],
    },
    enqueue: (row) => queued.push(row.id),
    active: (room) => active.has(room),
    onError: (err) => {
      throw err;
    },
    leaseMs: 3000,
    now,
  });
  return { o, queued };
}

describe('RoomOwners (one owner per room among replicas)', () => {
  it("one replica owns a room; the other leaves its events to it, and takes the room once the owner's lease ran out", async () => {
    let t = 0;
    const shared = memoryCoordination(() => t);
    const rows: Row[] = [
      { id: 'EV_1', payload: '{}', receivedAt: '1', room: 'r1' },
      { id: 'EV_2', payload: '{}', receivedAt: '2', room: 'r1' },
    ];
    const active = new Set(['r1']);
    const a = owners(shared, rows, active, () => t);
    const b = owners(shared, rows, active, () => t);
    expect(await a.o.own('r1')).toBe(true);
    expect(await b.o.own('r1')).toBe(false);
    // The owner queues what any replica stored, each event once (accept and poll share the mark).
    expect(a.o.queued('EV_1')).toBe(true);
    await a.o.poll();
    await a.o.poll();
    expect(a.queued).toEqual(['EV_2']);
    await b.o.poll();
    expect(b.queued).toEqual([]);
    // A dies (no more renewals): after its lease, B's sweep takes the room and queues what is unprocessed.
    t += 3001;
    await b.o.poll();
    expect(b.queued).toEqual(['EV_1', 'EV_2']);
  });

  it('a room with no session and no queued work left is released at the next renewal', async () => {
    let t = 0;
    const shared = memoryCoordination(() => t);
    const active = new Set<string>();
    const a = owners(shared, [], active, () => t);
    const b = owners(shared, [], active, () => t);
    expect(await a.o.own('r2')).toBe(true);
    t += 1001; // a third of the lease: the renewal looks at the room
    await a.o.poll();
    expect(await b.o.own('r2')).toBe(true);
  });
});
