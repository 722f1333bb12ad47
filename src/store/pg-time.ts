import { sql } from 'kysely';

/** The database's clock in epoch milliseconds: replicas on machines whose clocks differ still agree. */
export const PG_NOW_MS = sql<string>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;
