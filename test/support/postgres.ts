import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store';
import type { Engine, StoreTarget } from '../../src/store/db';
import type { Migration } from '../../src/store/migrations';
import { PG_ADMIN_URL, PG_STATE_ENV } from './postgres-env';

export { PG_ADMIN_URL };

/** True when the PostgreSQL cases run: the server answered, or REQUIRE_POSTGRES=1 (then they fail without one). */
export function postgresCasesRun(): boolean {
  return process.env[PG_STATE_ENV] === 'up' || process.env.REQUIRE_POSTGRES === '1';
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The URL of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates `sipops_test_<random>` on the test server; `drop()` removes it (closing what is still connected). */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `sipops_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** Ends every other session on a database (as a crashed server or a failover would). */
export async function terminateBackends(databaseName: string): Promise<number> {
  const r = await admin((c) =>
    c.query<{ n: string }>(
      'select count(pg_terminate_backend(pid))::text as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [databaseName],
    ),
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** One engine a parametrised store test runs on; `fresh()` gives an empty database each time. */
export interface TestEngine {
  engine: Engine;
  /** Call in beforeAll / afterAll. */
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** An empty database (a new SQLite file; a new PostgreSQL schema in this file's database). */
  fresh(): Promise<StoreTarget>;
  /** The same database `fresh()` gave last (a second replica, a reopen). */
  current(): StoreTarget;
  open(migrations?: Migration[]): Promise<Store>;
  /** PostgreSQL: the database name (for terminateBackends). */
  databaseName?: () => string;
}

function sqliteEngine(): TestEngine {
  let dir = '';
  let n = 0;
  const self: TestEngine = {
    engine: 'sqlite',
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'sip-ops-store-'));
    },
    async tearDown() {
      rmSync(dir, { recursive: true, force: true });
    },
    async fresh() {
      n += 1;
      return self.current();
    },
    current: () => join(dir, `db-${n}.sqlite`),
    open: async (migrations) => openStore(await self.fresh(), migrations),
  };
  return self;
}

function postgresEngine(): TestEngine {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const need = () => {
    if (!db)
      throw new Error(
        `no test database: PostgreSQL did not answer at ${PG_ADMIN_URL} (start it, or unset REQUIRE_POSTGRES)`,
      );
    return db;
  };
  const self: TestEngine = {
    engine: 'postgres',
    async setUp() {
      db = await createTestDatabase();
    },
    async tearDown() {
      await db?.drop();
    },
    async fresh() {
      const c = new pg.Client({ connectionString: need().url });
      await c.connect();
      try {
        await c.query('drop schema public cascade');
        await c.query('create schema public');
      } finally {
        await c.end();
      }
      return self.current();
    },
    current: () => need().url,
    open: async (migrations) => openStore(await self.fresh(), migrations),
    databaseName: () => need().name,
  };
  return self;
}

/**
 * The engines for `describe.each`: SQLite always, PostgreSQL when its cases run (see
 * postgresCasesRun). Each has its own database for the test file.
 */
export function storeEngines(): Array<[Engine, TestEngine]> {
  const list: Array<[Engine, TestEngine]> = [['sqlite', sqliteEngine()]];
  if (postgresCasesRun()) list.push(['postgres', postgresEngine()]);
  return list;
}
