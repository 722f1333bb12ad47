import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Binding, BindingResources, BindingSpec } from '../domain/binding';
import type { ObjectLookup } from '../domain/object-identity';
import type { BindingsTable, Database } from './schema';

type StoredSpec = Omit<BindingSpec, 'auth'> & { auth: { kind: 'acl' } | { kind: 'digest'; username: string } };

function toRow(spec: BindingSpec): { spec: string; digest_password: string | null } {
  const { auth, ...rest } = spec;
  const stored: StoredSpec =
    auth.kind === 'digest' ? { ...rest, auth: { kind: 'digest', username: auth.username } } : { ...rest, auth: { kind: 'acl' } };
  return { spec: JSON.stringify(stored), digest_password: auth.kind === 'digest' ? auth.password : null };
}

function fromRow(row: Selectable<BindingsTable>): Binding {
  const stored = JSON.parse(row.spec) as StoredSpec;
  const auth: BindingSpec['auth'] =
    stored.auth.kind === 'digest'
      ? { kind: 'digest', username: stored.auth.username, password: row.digest_password ?? '' }
      : { kind: 'acl' };
  const resources: BindingResources = {
    ...(row.inbound_trunk_id ? { inboundTrunkId: row.inbound_trunk_id } : {}),
    ...(row.dispatch_rule_id ? { dispatchRuleId: row.dispatch_rule_id } : {}),
    ...(row.outbound_trunk_id ? { outboundTrunkId: row.outbound_trunk_id } : {}),
  };
  return {
    ...stored,
    id: row.id,
    auth,
    resources,
    version: row.version,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/** Bindings and the LiveKit resource IDs they own. */
export class BindingsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<Binding[]> {
    const rows = await this.db.selectFrom('bindings').selectAll().orderBy('name').execute();
    return rows.map(fromRow);
  }

  async get(name: string): Promise<Binding | undefined> {
    const row = await this.db.selectFrom('bindings').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async getById(id: string): Promise<Binding | undefined> {
    const row = await this.db.selectFrom('bindings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** What became of the binding with identity `id`: live (name, version), deleted (name, when) or never known. */
  async lookupIdentity(id: string): Promise<ObjectLookup> {
    const live = await this.db.selectFrom('bindings').select(['id', 'name', 'version']).where('id', '=', id).executeTakeFirst();
    if (live) return { state: 'live', id: live.id, name: live.name, version: live.version };
    const gone = await this.db.selectFrom('binding_tombstones').selectAll().where('id', '=', id).executeTakeFirst();
    return gone ? { state: 'deleted', id: gone.id, name: gone.name, deletedAt: gone.deleted_at } : { state: 'unknown' };
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('bindings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Insert a new binding with a new identity; fails if the name exists. */
  async insert(spec: BindingSpec, resources: BindingResources, actor: string, now = new Date()): Promise<Binding> {
    const at = now.toISOString();
    await this.db
      .insertInto('bindings')
      .values({
        name: spec.name,
        id: randomUUID(),
        ...toRow(spec),
        inbound_trunk_id: resources.inboundTrunkId ?? null,
        dispatch_rule_id: resources.dispatchRuleId ?? null,
        outbound_trunk_id: resources.outboundTrunkId ?? null,
        version: 1,
        created_by: actor,
        created_at: at,
        updated_by: actor,
        updated_at: at,
      })
      .execute();
    return (await this.get(spec.name))!;
  }

  /**
   * Replace spec and resources if the stored version is `expectedVersion` (optimistic lock).
   * Returns undefined when someone else changed it first.
   */
  async update(
    spec: BindingSpec,
    resources: BindingResources,
    actor: string,
    expectedVersion: number,
    now = new Date(),
  ): Promise<Binding | undefined> {
    const res = await this.db
      .updateTable('bindings')
      .set({
        ...toRow(spec),
        inbound_trunk_id: resources.inboundTrunkId ?? null,
        dispatch_rule_id: resources.dispatchRuleId ?? null,
        outbound_trunk_id: resources.outboundTrunkId ?? null,
        version: expectedVersion + 1,
        updated_by: actor,
        updated_at: now.toISOString(),
      })
      .where('name', '=', spec.name)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    return this.get(spec.name);
  }

  /** Deletes the binding `name`, leaving a tombstone of its identity (run inside a transaction to keep both or neither). */
  async delete(name: string, now = new Date()): Promise<boolean> {
    const row = await this.db.selectFrom('bindings').select('id').where('name', '=', name).executeTakeFirst();
    if (!row) return false;
    const res = await this.db.deleteFrom('bindings').where('id', '=', row.id).executeTakeFirst();
    if (Number(res.numDeletedRows) !== 1) return false;
    await this.db
      .insertInto('binding_tombstones')
      .values({ id: row.id, name, deleted_at: now.toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return true;
  }
}
