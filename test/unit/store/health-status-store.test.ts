import { Writable } from 'node:stream';
import pino from 'pino';
import type { KnownStatuses } from '../../../src/domain/health-run';
import { createRepos, openStore, type Store } from '../../../src/store';
import {
  HealthStatusStore,
  META_LAST_FULL_RUN,
  META_LAST_SCHEDULED,
  META_LAST_STATUS,
  META_STATUS_MAP,
} from '../../../src/store/health-status-store';
import type { MetaRepo } from '../../../src/store/meta-repo';

const AT = new Date('2024-05-03T09:00:00Z');

/** A logger whose lines the test reads. */
function recordingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

describe('HealthStatusStore', () => {
  let store: Store;
  let meta: MetaRepo;
  let log: ReturnType<typeof recordingLogger>;
  let statuses: HealthStatusStore;

  beforeEach(async () => {
    store = await openStore(':memory:');
    meta = createRepos(store).meta;
    log = recordingLogger();
    statuses = new HealthStatusStore(meta, log.logger);
  });
  afterEach(async () => {
    await store.close();
  });

  it('nothing stored: no full run, no known statuses, no scheduled run', async () => {
    expect(await statuses.lastFullRun()).toBeUndefined();
    expect(await statuses.lastFullRunOutcome()).toBeUndefined();
    expect(await statuses.knownStatuses()).toEqual({});
    expect(await statuses.lastScheduled()).toBeUndefined();
  });

  it('what is saved is read back; the full-run map only when given', async () => {
    const known: KnownStatuses = {
      alpha: { status: 'fail', at: AT.toISOString(), runId: 'r1', top: 'Dispatch rule missing' },
    };
    await statuses.save(known, undefined, AT);
    expect(await statuses.knownStatuses()).toEqual(known);
    expect(await statuses.lastFullRun()).toBeUndefined();
    await statuses.save(known, { alpha: 'fail' }, AT);
    expect(await statuses.lastFullRun()).toEqual({ alpha: 'fail' });
    await statuses.setLastScheduled(AT);
    expect(await meta.get(META_LAST_SCHEDULED)).toBe('2024-05-03T09:00:00.000Z');
    expect(await statuses.lastScheduled()).toEqual(AT);
  });

  it('unreadable data counts as none and is logged: not JSON, or JSON of the wrong shape', async () => {
    await meta.set(META_STATUS_MAP, '{not json', AT);
    await meta.set(META_LAST_STATUS, JSON.stringify({ alpha: { status: 'broken', at: 1 } }), AT);
    await meta.set(META_LAST_SCHEDULED, 'yesterday-ish', AT);
    expect(await statuses.lastFullRun()).toBeUndefined();
    expect(await statuses.knownStatuses()).toEqual({});
    expect(await statuses.lastScheduled()).toBeUndefined();
    const warned = log.lines.filter((l) => l.level === 40).map((l) => [l.key, l.msg]);
    expect(warned).toEqual([
      [META_STATUS_MAP, 'health: stored status is not JSON; ignored'],
      [META_LAST_STATUS, 'health: stored status has an unexpected shape; ignored'],
    ]);
    // A status map with an unknown status is refused as a whole.
    await meta.set(META_STATUS_MAP, JSON.stringify({ alpha: 'pass', bravo: 'maybe' }), AT);
    expect(await statuses.lastFullRun()).toBeUndefined();
  });

  it('serialized runs one update at a time, in order, and goes on after a failure', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const first = statuses.serialized(async () => {
      await gate;
      order.push('first');
      throw new Error('first failed');
    });
    const second = statuses.serialized(async () => {
      order.push('second');
      return 2;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    release();
    await expect(first).rejects.toThrow('first failed');
    await expect(second).resolves.toBe(2);
    expect(order).toEqual(['first', 'second']);
  });

  it("keeps the last full run's time and result, and ignores one of an unexpected shape", async () => {
    await statuses.saveFullRunOutcome({ runId: 'r1', at: AT.toISOString(), passed: false });
    expect(await statuses.lastFullRunOutcome()).toEqual({ runId: 'r1', at: '2024-05-03T09:00:00.000Z', passed: false });
    await meta.set(META_LAST_FULL_RUN, JSON.stringify({ runId: 'r2', at: AT.toISOString(), passed: 'yes' }), AT);
    expect(await statuses.lastFullRunOutcome()).toBeUndefined();
  });
});
