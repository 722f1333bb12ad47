/** The server the PostgreSQL tests create their databases on (trust auth, a superuser). */
export const PG_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Set by the jest global setup: `up` or `down`. */
export const PG_STATE_ENV = 'SIPOPS_TEST_POSTGRES';
