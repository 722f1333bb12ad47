import { createRepos, openStore, type Store } from '../../../src/store';
import { MIGRATIONS } from '../../../src/store/migrations';
import { bindingSpec } from '../../support/fixtures';
import { storeEngines } from '../../support/postgres';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(storeEngines())('binding identity (migration 007) on %s', (_name, engine) => {
  let store: Store | undefined;
  beforeAll(() => engine.setUp());
  afterAll(() => engine.tearDown());
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('existing rows get distinct ids when the migration runs', async () => {
    const before = await engine.open(MIGRATIONS.filter((m) => m.version < 7));
    const at = new Date().toISOString();
    for (const name of ['old-a', 'old-b']) {
      await before.db
        .insertInto('bindings')
        .values({
          name,
          spec: JSON.stringify({ ...bindingSpec({ name }), auth: { kind: 'acl' } }),
          digest_password: null,
          inbound_trunk_id: null,
          dispatch_rule_id: null,
          outbound_trunk_id: null,
          version: 3,
          created_by: 'U',
          created_at: at,
          updated_by: 'U',
          updated_at: at,
        } as never)
        .execute();
    }
    await before.close();
    store = await openStore(engine.current());
    const list = await createRepos(store).bindings.list();
    expect(list.map((b) => [b.name, b.version])).toEqual([
      ['old-a', 3],
      ['old-b', 3],
    ]);
    expect(list.every((b) => UUID.test(b.id))).toBe(true);
    expect(new Set(list.map((b) => b.id)).size).toBe(2);
  });

  it('an id is kept through edits and never reused: delete and re-create gives a new one; the old one is a tombstone', async () => {
    store = await engine.open();
    const repos = createRepos(store);
    const spec = bindingSpec({ name: 'acme' });
    const created = await repos.bindings.insert(spec, {}, 'U1');
    expect(created.id).toMatch(UUID);
    const edited = await repos.bindings.update({ ...spec, callerId: '+14155550123' }, {}, 'U2', created.version);
    expect(edited).toMatchObject({ id: created.id, version: 2 });
    expect(await repos.bindings.getById(created.id)).toMatchObject({ name: 'acme', callerId: '+14155550123' });

    const deletedAt = new Date('2026-12-02T10:00:00Z');
    expect(await repos.bindings.delete('acme', deletedAt)).toBe(true);
    const reborn = await repos.bindings.insert(spec, {}, 'U1');
    expect(reborn.id).not.toBe(created.id);
    expect(reborn.version).toBe(1);
    expect(await repos.bindings.lookupIdentity(created.id)).toEqual({
      state: 'deleted',
      id: created.id,
      name: 'acme',
      deletedAt: deletedAt.toISOString(),
    });
    expect(await repos.bindings.lookupIdentity(reborn.id)).toEqual({
      state: 'live',
      id: reborn.id,
      name: 'acme',
      version: 1,
    });
    expect(await repos.bindings.lookupIdentity('nope')).toEqual({ state: 'unknown' });
  });
});
