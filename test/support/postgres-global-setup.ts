import pg from 'pg';
import { PG_ADMIN_URL, PG_STATE_ENV } from './postgres-env';

/**
 * Jest global setup: asks the PostgreSQL server of the tests (TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres) once whether it answers, and tells the test files
 * through the environment. Without a server the PostgreSQL cases are left out with one warning;
 * REQUIRE_POSTGRES=1 keeps them in, so they fail.
 */
export default async function globalSetup(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  let up = false;
  try {
    await client.connect();
    await client.query('select 1');
    up = true;
  } catch {
    up = false;
  } finally {
    await client.end().catch(() => undefined);
  }
  process.env[PG_STATE_ENV] = up ? 'up' : 'down';
  if (!up && process.env.REQUIRE_POSTGRES !== '1') {
    console.warn(
      `PostgreSQL not answering at ${PG_ADMIN_URL}: skipping the PostgreSQL store cases (REQUIRE_POSTGRES=1 makes this fail)`,
    );
  }
}
