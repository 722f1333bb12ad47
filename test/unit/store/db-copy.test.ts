import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsAtRest } from '../../../src/secrets/at-rest';
import { createRepos, openStore } from '../../../src/store';
import { runCopy } from '../../../src/store/copy-cli';
import { bindingSpec } from '../../support/fixtures';
import { createTestDatabase, postgresCasesRun } from '../../support/postgres';
import { testKey } from '../secrets/keys';

const spec = bindingSpec({ name: 'acme-main', auth: { kind: 'digest', username: 'acme', password: 's3cret' } });

const ROOT = join(__dirname, '..', '..', '..');
/** Sealed passwords are copied as they are: both sides read them with the same key. */
const secrets = new SecretsAtRest(testKey(1));

(postgresCasesRun() ? describe : describe.skip)('npm run db:copy (SQLite into PostgreSQL)', () => {
  let dir: string;
  let sqlitePath: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sip-ops-copy-'));
    sqlitePath = join(dir, 'sip-ops.db');
    const s = await openStore(sqlitePath);
    const repos = createRepos(s, secrets);
    await repos.bindings.insert(
      spec,
      { inboundTrunkId: 'ST_a', dispatchRuleId: 'SDR_b' },
      'U1',
      new Date('2026-01-01T00:00:00Z'),
    );
    await repos.audit.record({
      actor: 'U1',
      action: 'binding.create',
      bindingName: 'acme-main',
      after: { name: 'acme-main' },
    });
    await repos.calls.insert({
      id: 'c1',
      direction: 'inbound',
      startedAt: '2026-11-25T12:00:00.000Z',
      outcome: 'completed',
      agentJoined: true,
      roomName: 'r',
    });
    await repos.healthRuns.start('h1', 'manual', new Date('2026-11-25T12:00:00Z'));
    await repos.meta.set('health.lastScheduled', '2026-11-25T09:00:00.000Z');
    await s.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('copies every table through the command, and the copy reads back the same', async () => {
    const db = await createTestDatabase();
    try {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/store/copy-cli.ts', `sqlite:${sqlitePath}`, db.url],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(r.stdout).toContain('bindings: 1 rows');
      expect(r.status).toBe(0);
      const pgStore = await openStore(db.url);
      const sqStore = await openStore(sqlitePath);
      try {
        const [a, b] = [createRepos(pgStore, secrets), createRepos(sqStore, secrets)];
        expect(await a.bindings.list()).toEqual(await b.bindings.list());
        expect((await a.bindings.get('acme-main'))?.auth).toEqual({
          kind: 'digest',
          username: 'acme',
          password: 's3cret',
        });
        expect(await a.audit.list()).toEqual(await b.audit.list());
        expect(await a.calls.get('c1')).toEqual(await b.calls.get('c1'));
        expect(await a.healthRuns.list()).toEqual(await b.healthRuns.list());
        expect(await a.meta.get('health.lastScheduled')).toBe('2026-11-25T09:00:00.000Z');
      } finally {
        await pgStore.close();
        await sqStore.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('refuses a target that has data, and copies nothing', async () => {
    const db = await createTestDatabase();
    try {
      const pre = await openStore(db.url);
      await createRepos(pre).meta.set('k', 'v');
      await pre.close();
      const lines: string[] = [];
      expect(await runCopy([`sqlite:${sqlitePath}`, db.url], (l) => lines.push(l))).toBe(1);
      expect(lines.join('\n')).toMatch(/nothing was copied: the target is not empty \(table meta has 1 rows\)/);
      const after = await openStore(db.url);
      expect(await createRepos(after).bindings.count()).toBe(0);
      await after.close();
      expect(await runCopy(['./x.db', db.url], (l) => lines.push(l))).toBe(2);
    } finally {
      await db.drop();
    }
  });
});
