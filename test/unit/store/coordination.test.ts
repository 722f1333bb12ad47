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

  it('renewAll keeps the leases a holder still has (and only those); releaseAll frees them in one go', async () => {
    expect(await ca.leases.acquire('room:a', 'r1', 60_000)).toEqual({ ok: true });
    expect(await ca.leases.acquire('room:b', 'r1', 50)).toEqual({ ok: true });
    expect(await cb.leases.acquire('room:c', 'r2', 60_000)).toEqual({ ok: true });
    // room:b runs out and r2 takes it; room:c was never r1's.
    await sleep(80);
    expect(await cb.leases.acquire('room:b', 'r2', 60_000)).toEqual({ ok: true });
    expect([...(await ca.leases.renewAll(['room:a', 'room:b', 'room:c'], 'r1', 60_000))]).toEqual(['room:a']);
    expect(await cb.leases.acquire('room:a', 'r2', 60_000)).toEqual({ ok: false, holder: 'r1' });
    await ca.leases.releaseAll(['room:a', 'room:b'], 'r1'); // room:b is r2's: untouched
    expect(await cb.leases.acquire('room:a', 'r2', 60_000)).toEqual({ ok: true });
    expect(await ca.leases.acquire('room:b', 'r1', 60_000)).toEqual({ ok: false, holder: 'r2' });
    expect(await ca.leases.renewAll([], 'r1', 60_000)).toEqual(new Set());
  });

  it("acquireAll takes the keys nobody holds and those whose lease ran out, in one statement, never a live holder's", async () => {
    expect(await ca.leases.acquire('orphan:a', 'dead', 50)).toEqual({ ok: true });
    expect(await ca.leases.acquire('orphan:b', 'alive', 60_000)).toEqual({ ok: true });
    await sleep(80); // orphan:a's holder stopped renewing
    const taken = await cb.leases.acquireAll(['orphan:a', 'orphan:b', 'orphan:c', 'orphan:c'], 'sweeper', 60_000);
    expect([...taken].sort()).toEqual(['orphan:a', 'orphan:c']);
    expect(await ca.leases.acquire('orphan:a', 'dead', 60_000)).toEqual({ ok: false, holder: 'sweeper' });
    expect(await ca.leases.acquire('orphan:b', 'alive', 60_000)).toEqual({ ok: true }); // still alive's
    // Its own keys again: kept (renewed).
    expect([...(await cb.leases.acquireAll(['orphan:c'], 'sweeper', 60_000))]).toEqual(['orphan:c']);
    expect(await cb.leases.acquireAll([], 'sweeper', 60_000)).toEqual(new Set());
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

  if (engine.engine === 'postgres') {
    it("paces one channel across replicas: a call starts an interval after the previous one's end, never overlapping", async () => {
      const spans: Array<{ start: number; end: number }> = [];
      const call = async () => {
        const start = Date.now();
        await new Promise((r) => setTimeout(r, 20));
        spans.push({ start, end: Date.now() });
      };
      await Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? ca : cb).pacer.paced('C1', 200, call)));
      spans.sort((x, y) => x.start - y.start);
      for (let i = 1; i < spans.length; i++) expect(spans[i]!.start - spans[i - 1]!.end).toBeGreaterThanOrEqual(200);
      // An error goes to its caller, and another channel is independent of C1's pace.
      await expect(ca.pacer.paced('C2', 200, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    });
  } else {
    it('leaves pacing to the one process (the notifier paces its own channels)', async () => {
      let calls = 0;
      await Promise.all([1, 2, 3].map(() => ca.pacer.paced('C1', 60_000, async () => void calls++)));
      expect(calls).toBe(3);
    });
  }
});
