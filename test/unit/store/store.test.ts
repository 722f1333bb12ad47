import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BindingSpec } from '../../../src/domain/binding';
import { createRepos, openStore } from '../../../src/store';
import { MIGRATIONS } from '../../../src/store/migrations';
import { sql } from 'kysely';
import { WebhookEventsRepo } from '../../../src/store/webhook-events-repo';
import { SecretsAtRest } from '../../../src/secrets/at-rest';
import { testKey } from '../secrets/keys';

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

describe('store', () => {
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

  it('stores bindings with the password kept apart and an optimistic version', async () => {
    const store = await openStore(join(dir, 'db.sqlite'));
    const repos = createRepos(store, new SecretsAtRest(testKey(1)));
    const b = await repos.bindings.insert(spec, { inboundTrunkId: 'ST_a' }, 'U1', new Date('2026-01-01T00:00:00Z'));
    expect(b).toMatchObject({ name: 'acme-main', version: 1, resources: { inboundTrunkId: 'ST_a' }, createdBy: 'U1' });
    expect(b.auth).toEqual({ kind: 'digest', username: 'acme', password: 's3cret' });
    const row = await store.db.selectFrom('bindings').selectAll().executeTakeFirstOrThrow();
    expect(row.spec).not.toContain('s3cret');
    // (checked by hand: native SqliteError objects are not always `instanceof Error` inside jest's VM)
    const dup = await repos.bindings.insert(spec, {}, 'U1').then(
      () => 'inserted twice',
      (e: { message?: string }) => String(e.message),
    );
    expect(dup).toMatch(/UNIQUE constraint failed: bindings.name/);
    const updated = await repos.bindings.update({ ...spec, callerId: '+14155550199' }, { inboundTrunkId: 'ST_a', dispatchRuleId: 'SDR_b' }, 'U2', 1);
    expect(updated).toMatchObject({ version: 2, callerId: '+14155550199', updatedBy: 'U2' });
    expect(await repos.bindings.update(spec, {}, 'U3', 1)).toBeUndefined(); // stale version
    expect(await repos.bindings.count()).toBe(1);
    expect(await repos.bindings.delete('acme-main')).toBe(true);
    expect(await repos.bindings.list()).toEqual([]);
    await store.close();
  });

  it('keeps an audit log and meta values', async () => {
    const store = await openStore(':memory:');
    const repos = createRepos(store);
    await repos.audit.record({ actor: 'U1', action: 'create', bindingName: 'acme', after: { name: 'acme' } }, new Date('2026-01-01T00:00:00Z'));
    await repos.audit.record({ actor: 'U2', action: 'delete', bindingName: 'acme', before: { name: 'acme' } }, new Date('2026-01-02T00:00:00Z'));
    const entries = await repos.audit.list({ bindingName: 'acme' });
    expect(entries.map((e) => e.action)).toEqual(['delete', 'create']);
    expect(entries[1]!.after).toEqual({ name: 'acme' });
    await repos.meta.set('k', 'v1');
    await repos.meta.set('k', 'v2');
    expect(await repos.meta.get('k')).toBe('v2');
    expect(await repos.meta.get('missing')).toBeUndefined();
    await store.close();
  });

  it('reuses prepared statements without stale results, across many statement texts and a schema change', async () => {
    const store = await openStore(join(dir, 'db.sqlite'));
    const events = new WebhookEventsRepo(store.db);
    const now = new Date('2026-11-25T12:00:00Z');
    const ids = Array.from({ length: 600 }, (_, i) => `EV_${String(i).padStart(4, '0')}`);
    await events.recordNew(ids.map((id) => ({ id, event: 'participant_joined', roomName: 'r', payload: '{}' })), now);
    // `id in (…)` with 1…600 IDs: 600 statement texts, more than the cache keeps; each run sees the last.
    for (let k = 1; k <= ids.length; k++) {
      await events.markProcessed(ids.slice(0, k), now);
      if (k === 300) expect(await events.unprocessed()).toHaveLength(300);
    }
    expect(await events.unprocessed()).toHaveLength(0);
    // A statement prepared before the schema changed still runs against the new schema.
    const count = async () => (await store.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow()).c;
    expect(await count()).toBe(600);
    await sql`alter table webhook_events add column extra text`.execute(store.db);
    await sql`delete from webhook_events where id = ${ids[0]}`.execute(store.db);
    expect(await count()).toBe(599);
    await store.close();
  });
});
