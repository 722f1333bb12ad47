import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';

interface Tables {
  bindings: { name: string; id: string | null };
}

/**
 * Every binding gets an identity that is never reused: a UUID assigned at creation and kept
 * through edits (existing rows get one here). A deleted binding leaves a tombstone (its id, name
 * and when it was deleted), so a button or dialog shown for it can say what became of it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('bindings').addColumn('id', 'text').execute();
  const t = db as unknown as Kysely<Tables>;
  for (const { name } of await t.selectFrom('bindings').select('name').execute()) {
    await t.updateTable('bindings').set({ id: randomUUID() }).where('name', '=', name).execute();
  }
  await db.schema.createIndex('bindings_id').unique().on('bindings').column('id').execute();

  await db.schema
    .createTable('binding_tombstones')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text', (c) => c.notNull())
    .execute();
}
