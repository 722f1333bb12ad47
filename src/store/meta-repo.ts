import type { Kysely } from 'kysely';
import type { Database } from './schema';

/** Small key/value facts that must survive a restart (e.g. the last summary run). */
export class MetaRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value;
  }

  async set(key: string, value: string, now = new Date()): Promise<void> {
    await this.db
      .insertInto('meta')
      .values({ key, value, updated_at: now.toISOString() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now.toISOString() }))
      .execute();
  }
}
