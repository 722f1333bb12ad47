import { coordinationFor, openStore, type Store } from '../../../src/store';
import type { Coordination } from '../../../src/store/coordination';
import { storeEngines } from '../../support/postgres';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The coordination contract on each engine. "Replicas" are two stores on one database on
 * PostgreSQL; on SQLite (one replica) both names share the one in-memory coordination.
 */
describe.each(storeEngines())('coordination on %s', (_name, engine) => {
  let a: Store;
  let b: Store | undefined;
  let ca: Coordination;
  let cb: Coordination;
  beforeAll(() => engine.setUp());
  afterAll(() => engine.tearDown());
  beforeEach(async () => {
    a = await engine.open();
    ca = coordinationFor(a);
    if (engine.engine === 'postgres') {
      b = await openStore(engine.current());
      cb = coordinationFor(b);
    } else {
      b = undefined;
      cb = ca;
    }
  });
  afterEach(async () => {
    await a.close();
    await b?.close();
  });

  it('a lease refuses a second holder until it is released or runs out', async () => {
    expect(await ca.leases.acquire('acme', 'U1@r1', 60_000)).toEqual({ ok: true });
    expect(await cb.leases.acquire('acme', 'U2@r2', 60_000)).toEqual({ ok: false, holder: 'U1@r1' });
    expect(await cb.leases.acquire('other', 'U2@r2', 60_000)).toEqual({ ok: true });
    expect(await ca.leases.acquire('acme', 'U1@r1', 60_000)).toEqual({ ok: true }); // renewal
    await cb.leases.release('acme', 'U2@r2'); // not the holder: no effect
    expect(await cb.leases.acquire('acme', 'U2@r2', 60_000)).toEqual({ ok: false, holder: 'U1@r1' });
    await ca.leases.release('acme', 'U1@r1');
    expect(await cb.leases.acquire('acme', 'U2@r2', 50)).toEqual({ ok: true });
    // U2's replica dies: its short lease runs out and the binding is free again.
    await sleep(80);
    expect(await ca.leases.acquire('acme', 'U1@r1', 60_000)).toEqual({ ok: true });
  });

  it('of many replicas claiming one slot at once exactly one wins; a served slot is never claimed again', async () => {
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? ca : cb).slots.claim('summary:2026-12-02T09:00Z', `r${i}`, 60_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = `r${claims.indexOf(true)}`;
    await ca.slots.complete('summary:2026-12-02T09:00Z', winner);
    expect(await cb.slots.claim('summary:2026-12-02T09:00Z', 'late', 60_000)).toBe(false);
    expect(await cb.slots.claim('summary:2026-12-03T09:00Z', 'late', 60_000)).toBe(true);
  });

  it('a slot whose claimer died (lease ran out, not completed) is served by another replica', async () => {
    expect(await ca.slots.claim('summary:X', 'dies', 50)).toBe(true);
    expect(await cb.slots.claim('summary:X', 'survivor', 60_000)).toBe(false);
    await sleep(80);
    expect(await cb.slots.claim('summary:X', 'survivor', 60_000)).toBe(true);
    await cb.slots.complete('summary:X', 'survivor');
    expect(await ca.slots.claim('summary:X', 'dies', 60_000)).toBe(false);
  });

  it('work for one room runs on one replica at a time, and rooms run in parallel', async () => {
    const log: string[] = [];
    let inside = 0;
    let most = 0;
    const work = (c: Coordination, room: string, tag: string) =>
      c.rooms.withLock(room, async () => {
        inside += room === 'r1' ? 1 : 0;
        most = Math.max(most, inside);
        log.push(`${tag}+`);
        await sleep(15);
        log.push(`${tag}-`);
        inside -= room === 'r1' ? 1 : 0;
        return tag;
      });
    const results = await Promise.all([
      work(ca, 'r1', 'a1'),
      work(cb, 'r1', 'b1'),
      work(ca, 'r1', 'a2'),
      work(cb, 'r2', 'x'),
      work(cb, 'r1', 'b2'),
    ]);
    expect(results).toEqual(['a1', 'b1', 'a2', 'x', 'b2']);
    expect(most).toBe(1);
    // Within a replica, arrival order holds.
    expect(log.indexOf('a1+')).toBeLessThan(log.indexOf('a2+'));
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('b2+'));
    // An error goes to its caller and frees the room.
    await expect(ca.rooms.withLock('r1', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cb.rooms.withLock('r1', async () => 'after')).toBe('after');
  });

  if (engine.engine === 'postgres') {
    it('paces one channel across replicas: reserved slots are at least an interval apart', async () => {
      const slots = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? ca : cb).pacer.reserve('C1', 1000)));
      const at = slots.map((s) => s.at).sort((x, y) => x - y);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1000);
      // The first of the burst may go at once; the last waits for the others' slots.
      expect(Math.min(...slots.map((s) => s.waitMs))).toBe(0);
      expect(Math.max(...slots.map((s) => s.waitMs))).toBeGreaterThan(0);
      expect((await ca.pacer.reserve('C2', 1000)).waitMs).toBe(0); // another channel is independent
    });
  } else {
    it('leaves pacing to the one process (the notifier paces its own channels)', async () => {
      expect((await ca.pacer.reserve('C1', 1000)).waitMs).toBe(0);
      expect((await ca.pacer.reserve('C1', 1000)).waitMs).toBe(0);
    });
  }
});
