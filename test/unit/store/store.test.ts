import { sql } from 'kysely';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BindingSpec } from '../../../src/domain/binding';
import { CHANGE_JOURNAL } from '../../../src/features/sip-setup/journal-entry';
import { SecretsAtRest } from '../../../src/secrets/at-rest';
import type { Store } from '../../../src/store';
import { createRepos, openStore } from '../../../src/store';
import { MIGRATIONS } from '../../../src/store/migrations';
import { DEFAULT_RETRY } from '../../../src/store/pg-retry';
import { WebhookEventsRepo } from '../../../src/store/webhook-events-repo';
import { storeEngines, terminateBackends } from '../../support/postgres';
import { testKey } from '../secrets/keys';

async function waitFor(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 10));
}

/** Statements of other sessions that contain `text` and are running. */
async function activeQueries(store: Store, text: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
    where state = 'active' and pid <> pg_backend_pid() and query like ${'%' + text + '%'} and query not like '%pg_stat_activity%'`.execute(
    store.db,
  );
  return r.rows[0]?.n ?? 0;
}

const spec: BindingSpec = {
  name: 'acme-main',
  trunkDomain: 'acme.pstn.sinch.com',
  dids: ['+14155550100'],
  callerId: '+14155550100',
  auth: { kind: 'digest', username: 'acme', password: 's3cret' },
  transport: 'udp',
  livekitSipHost: 'sip.acme.example',
  dispatch: { kind: 'individual', roomPrefix: 'est-inbound-' },
  reportChannel: 'COPS0001',
};

describe('store on SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sip-ops-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the directory and applies migrations once', async () => {
    const path = join(dir, 'nested', 'db.sqlite');
    const s1 = await openStore(path);
    expect(existsSync(path)).toBe(true);
    const applied = await s1.db.selectFrom('schema_migrations').selectAll().execute();
    expect(applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await s1.close();
    const s2 = await openStore(path);
    expect((await s2.db.selectFrom('schema_migrations').selectAll().execute()).length).toBe(MIGRATIONS.length);
    expect(await s2.ping()).toBe(true);
    await s2.close();
    expect(await s2.ping()).toBe(false);
  });

  it('reuses prepared statements without stale results, across many statement texts and a schema change', async () => {
    const store = await openStore(join(dir, 'db.sqlite'));
    const events = new WebhookEventsRepo(store.db);
    const now = new Date('2026-11-25T12:00:00Z');
    const ids = Array.from({ length: 600 }, (_, i) => `EV_${String(i).padStart(4, '0')}`);
    await events.recordNew(
      ids.map((id) => ({ id, event: 'participant_joined', roomName: 'r', payload: '{}' })),
      now,
    );
    // `id in (…)` with 1…600 IDs: 600 statement texts, more than the cache keeps; each run sees the last.
    for (let k = 1; k <= ids.length; k++) {
      await events.markProcessed(ids.slice(0, k), now);
      if (k === 300) expect(await events.unprocessed()).toHaveLength(300);
    }
    expect(await events.unprocessed()).toHaveLength(0);
    // A statement prepared before the schema changed still runs against the new schema.
    const count = async () =>
      (
        await store.db
          .selectFrom('webhook_events')
          .select((eb) => eb.fn.countAll<number>().as('c'))
          .executeTakeFirstOrThrow()
      ).c;
    expect(await count()).toBe(600);
    await sql`alter table webhook_events add column extra text`.execute(store.db);
    await sql`delete from webhook_events where id = ${ids[0]}`.execute(store.db);
    expect(await count()).toBe(599);
    await store.close();
  });
});

describe.each(storeEngines())('store on %s', (_name, engine) => {
  beforeAll(() => engine.setUp());
  afterAll(() => engine.tearDown());

  it('applies every migration once, also when two replicas start together (PostgreSQL; SQLite has one)', async () => {
    const target = await engine.fresh();
    const [a, b] =
      engine.engine === 'postgres'
        ? await Promise.all([openStore(target), openStore(target)])
        : [await openStore(target), await openStore(target)];
    const applied = await a.db.selectFrom('schema_migrations').select('version').orderBy('version').execute();
    expect(applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version).sort((x, y) => x - y));
    await Promise.all([a.close(), b.close()]);
    const again = await openStore(target);
    expect(await again.db.selectFrom('schema_migrations').select('version').execute()).toHaveLength(MIGRATIONS.length);
    expect(await again.ping()).toBe(true);
    await again.close();
    expect(await again.ping()).toBe(false);
  });

  it('stores bindings with the password kept apart and an optimistic version', async () => {
    const store = await engine.open();
    const repos = createRepos(store, new SecretsAtRest(testKey(1)));
    expect(await repos.bindings.names()).toEqual([]);
    const b = await repos.bindings.insert(spec, { inboundTrunkId: 'ST_a' }, 'U1', new Date('2026-01-01T00:00:00Z'));
    expect(await repos.bindings.names()).toEqual(['acme-main']);
    expect(b).toMatchObject({ name: 'acme-main', version: 1, resources: { inboundTrunkId: 'ST_a' }, createdBy: 'U1' });
    expect(b.auth).toEqual({ kind: 'digest', username: 'acme', password: 's3cret' });
    const row = await store.db.selectFrom('bindings').selectAll().executeTakeFirstOrThrow();
    expect(row.spec).not.toContain('s3cret');
    // (checked by hand: native SqliteError objects are not always `instanceof Error` inside jest's VM)
    const dup = await repos.bindings.insert(spec, {}, 'U1').then(
      () => 'inserted twice',
      (e: { message?: string }) => String(e.message),
    );
    expect(dup).toMatch(
      /UNIQUE constraint failed: bindings.name|duplicate key value violates unique constraint "bindings_pkey"/,
    );
    const updated = await repos.bindings.update(
      { ...spec, callerId: '+14155550199' },
      { inboundTrunkId: 'ST_a', dispatchRuleId: 'SDR_b' },
      'U2',
      1,
    );
    expect(updated).toMatchObject({ version: 2, callerId: '+14155550199', updatedBy: 'U2' });
    expect(await repos.bindings.update(spec, {}, 'U3', 1)).toBeUndefined(); // stale version
    expect(await repos.bindings.count()).toBe(1);
    expect(await repos.bindings.delete('acme-main')).toBe(true);
    expect(await repos.bindings.list()).toEqual([]);
    await store.close();
  });

  it('a change is recordable while the database is open (SQLite: its file; PostgreSQL: the server answers), not after close', async () => {
    const store = await engine.open();
    expect(await store.recordable()).toEqual({ ok: true });
    await store.close();
    expect(await store.recordable()).toEqual({ ok: false, reason: 'the database is not open' });
  });

  it('keeps an audit log and meta values', async () => {
    const store = await engine.open();
    const repos = createRepos(store);
    await repos.audit.record(
      { actor: 'U1', action: 'create', bindingName: 'acme', after: { name: 'acme' } },
      new Date('2026-01-01T00:00:00Z'),
    );
    await repos.audit.record(
      { actor: 'U2', action: 'delete', bindingName: 'acme', before: { name: 'acme' } },
      new Date('2026-01-02T00:00:00Z'),
    );
    const entries = await repos.audit.list({ bindingName: 'acme' });
    expect(entries.map((e) => e.action)).toEqual(['delete', 'create']);
    expect(entries[1]!.after).toEqual({ name: 'acme' });
    await repos.meta.set('k', 'v1');
    await repos.meta.set('k', 'v2');
    expect(await repos.meta.get('k')).toBe('v2');
    expect(await repos.meta.get('missing')).toBeUndefined();
    await store.close();
  });

  it('keeps webhook events: first delivery wins, unprocessed ones are replayable, prune forgets old ones', async () => {
    const store = await engine.open();
    const events = new WebhookEventsRepo(store.db);
    const t0 = new Date('2026-11-25T12:00:00Z');
    expect(await events.recordIfNew({ id: 'EV_1', event: 'room_started', roomName: 'r1' }, t0)).toBe(true);
    expect(await events.recordIfNew({ id: 'EV_1', event: 'room_started', roomName: 'r1' }, t0)).toBe(false);
    const fresh = await events.recordNew(
      [
        { id: 'EV_1', event: 'room_started', roomName: 'r1', payload: '{}' },
        { id: 'EV_2', event: 'participant_joined', roomName: 'r1', payload: '{"a":1}' },
        { id: 'EV_3', event: 'room_finished', roomName: 'r1', payload: '{"a":2}' },
      ],
      new Date('2026-11-25T12:00:01Z'),
    );
    expect([...fresh].sort()).toEqual(['EV_2', 'EV_3']);
    expect((await events.unprocessed()).map((e) => e.id)).toEqual(['EV_2', 'EV_3']);
    await events.markProcessed(['EV_2'], t0);
    expect((await events.unprocessed()).map((e) => e.payload)).toEqual(['{"a":2}']);
    expect(await events.has('EV_3')).toBe(true);
    expect(await events.idsSince('2026-11-25T12:00:00.500Z', 10)).toEqual(expect.arrayContaining(['EV_2', 'EV_3']));
    expect(await events.prune('2026-11-25T12:00:00.500Z')).toBe(1);
    expect(await events.has('EV_1')).toBe(false);
    await store.close();
  });

  it('tells when the oldest event still waiting to be processed came in', async () => {
    const store = await engine.open();
    const events = new WebhookEventsRepo(store.db);
    const now = new Date('2026-11-25T12:00:00Z');
    expect(await events.oldestUnprocessedAt()).toBeUndefined();
    const at = (s: string) => new Date(`2026-11-25T${s}Z`);
    await events.recordNew(
      [
        { id: 'EV_1', event: 'room_started', roomName: 'r1', payload: '{}', receivedAt: at('11:59:30') },
        { id: 'EV_2', event: 'room_started', roomName: 'r2', payload: '{}', receivedAt: at('11:58:00') },
        // Taken in without a payload: processed at once, never waiting.
        { id: 'EV_3', event: 'room_started', roomName: 'r3', receivedAt: at('11:50:00') },
      ],
      now,
    );
    expect(await events.oldestUnprocessedAt()).toBe('2026-11-25T11:58:00.000Z');
    await events.markProcessed(['EV_2'], now);
    expect(await events.oldestUnprocessedAt()).toBe('2026-11-25T11:59:30.000Z');
    await events.markProcessed(['EV_1'], now);
    expect(await events.oldestUnprocessedAt()).toBeUndefined();
    await store.close();
  });

  it('stores calls, journal entries and health runs', async () => {
    const store = await engine.open();
    const repos = createRepos(store);
    await repos.calls.insert({
      id: 'c1',
      direction: 'inbound',
      startedAt: '2026-11-25T12:00:00.000Z',
      outcome: 'in-progress',
      roomName: 'room-1',
      bindingName: 'b',
    });
    await repos.calls.update('c1', { agentJoined: true, sipStatus: 200, detail: { n: 1 }, outcome: 'completed' });
    expect(await repos.calls.findByRoom('room-1', 'inbound')).toMatchObject({
      id: 'c1',
      agentJoined: true,
      sipStatus: 200,
      detail: { n: 1 },
    });
    expect(await repos.calls.latest('inbound', 'b')).toMatchObject({ id: 'c1' });
    expect((await repos.calls.listSince('2026-11-25T00:00:00.000Z')).map((c) => c.id)).toEqual(['c1']);
    const entry = await repos.journal.open(
      { bindingName: 'b', kind: 'create', actor: 'U1', request: { a: 1 }, steps: [{ s: 1 }] },
      new Date(),
    );
    await repos.journal.save(entry.id, { state: 'committed' }, new Date());
    expect(await repos.journal.listOpen(CHANGE_JOURNAL)).toEqual([]);
    expect((await repos.journal.listFor('b'))[0]).toMatchObject({ state: 'committed', request: { a: 1 } });
    await repos.healthRuns.start('h1', 'manual', new Date('2026-11-25T12:00:00Z'));
    await repos.healthRuns.finish('h1', { ok: true }, new Date('2026-11-25T12:00:01Z'));
    expect(await repos.healthRuns.latestFinished()).toMatchObject({ id: 'h1', results: { ok: true } });
    // A transaction is all or nothing.
    await expect(
      repos.transaction(async (r) => {
        await r.audit.record({ actor: 'U1', action: 'x' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await repos.audit.list()).toEqual([]);
    await store.close();
  });

  if (engine.engine === 'postgres') {
    it('retries a statement whose connection was terminated, and keeps every acknowledged event', async () => {
      await engine.fresh();
      let retries = 0;
      const store = await openStore({
        engine: 'postgres',
        url: engine.current() as string,
        retry: { ...DEFAULT_RETRY, onRetry: () => (retries += 1) },
      });
      const events = new WebhookEventsRepo(store.db);
      // A statement that is running when its backend is terminated (3 s: still running on a busy machine when the termination lands).
      const slow = sql<{ x: number }>`select 7 as x from pg_sleep(3)`.execute(store.db);
      await waitFor(async () => (await activeQueries(store, 'pg_sleep')) > 0);
      const acked: string[] = [];
      const terminated = terminateBackends(engine.databaseName!());
      const writes = Array.from({ length: 40 }, async (_, i) => {
        const id = `EV_${i}`;
        const fresh = await events.recordNew(
          [{ id, event: 'participant_joined', roomName: `r${i % 4}`, payload: '{}' }],
          new Date(),
        );
        if (fresh.has(id)) acked.push(id);
      });
      expect(await terminated).toBeGreaterThan(0);
      await Promise.all(writes);
      expect((await slow).rows).toEqual([{ x: 7 }]);
      expect(retries).toBeGreaterThan(0);
      expect(acked.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `EV_${i}`).sort());
      expect((await events.unprocessed()).map((e) => e.id).sort()).toEqual(acked.sort());
      await store.close();
    });
  }
});
