import { sql } from 'kysely';
import { createRepos, openStore, type Store } from '../../../src/store';
import { MIGRATIONS } from '../../../src/store/migrations';
import { storeEngines } from '../../support/postgres';

/** Table names in the database. */
async function tables(store: Store): Promise<string[]> {
  const r =
    store.engine === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(store.db)
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema() order by 1`.execute(
          store.db,
        );
  return r.rows.map((x) => x.name);
}

describe.each(storeEngines())('migration 005 on %s: validation_runs becomes health_runs', (_name, engine) => {
  beforeAll(() => engine.setUp());
  afterAll(() => engine.tearDown());

  it('renames the table of an existing database and keeps its runs', async () => {
    const path = await engine.fresh();
    // A database as the release before 005 left it, with two stored runs.
    const before = await openStore(
      path,
      MIGRATIONS.filter((m) => m.version < 5),
    );
    expect(await tables(before)).toContain('validation_runs');
    await sql`insert into validation_runs (id, trigger, started_at, finished_at, results) values
      ('run-1', 'schedule', '2024-05-02T09:00:00.000Z', '2024-05-02T09:00:01.000Z', '{"headline":"2 bindings: 2 pass"}'),
      ('run-2', 'manual', '2024-05-03T09:00:00.000Z', null, null)`.execute(before.db);
    await before.close();

    const after = await openStore(path);
    try {
      const names = await tables(after);
      expect(names).toContain('health_runs');
      expect(names).not.toContain('validation_runs');
      const applied = await after.db.selectFrom('schema_migrations').select('version').execute();
      expect(applied.map((m) => m.version)).toContain(5);
      const runs = await createRepos(after).healthRuns.list<{ headline: string }>();
      expect(runs).toEqual([
        { id: 'run-2', trigger: 'manual', startedAt: '2024-05-03T09:00:00.000Z', finishedAt: null, results: null },
        {
          id: 'run-1',
          trigger: 'schedule',
          startedAt: '2024-05-02T09:00:00.000Z',
          finishedAt: '2024-05-02T09:00:01.000Z',
          results: { headline: '2 bindings: 2 pass' },
        },
      ]);
    } finally {
      await after.close();
    }
  });

  it('a fresh database has health_runs only, and new runs are stored there', async () => {
    const store = await engine.open();
    try {
      const names = await tables(store);
      expect(names).toContain('health_runs');
      expect(names).not.toContain('validation_runs');
      const repos = createRepos(store);
      await repos.healthRuns.start('run-3', 'startup', new Date('2024-05-04T10:00:00Z'));
      await repos.healthRuns.finish('run-3', { headline: 'x' }, new Date('2024-05-04T10:00:02Z'));
      expect(await repos.healthRuns.latestFinished()).toMatchObject({
        id: 'run-3',
        trigger: 'startup',
        finishedAt: '2024-05-04T10:00:02.000Z',
      });
    } finally {
      await store.close();
    }
  });
});
