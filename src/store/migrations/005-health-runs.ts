import type { Kysely } from 'kysely';

/**
 * One name per concept: the table of health runs, created as `validation_runs` by 001, is
 * `health_runs`. A rename keeps every stored run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('validation_runs').renameTo('health_runs').execute();
}
