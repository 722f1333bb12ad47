import type { Kysely, Selectable } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Binding, BindingResources, BindingSpec, EstResources } from '../domain/binding';
import type { ObjectLookup } from '../domain/object-identity';
import { DIGEST_PASSWORD_COLUMN, type SecretsAtRest } from '../secrets/at-rest';
import type { BindingsTable, Database } from './schema';

/** The EST resource IDs ride in the spec JSON (`estResources`), so no column is needed for them. */
type StoredSpec = Omit<BindingSpec, 'auth'> & {
  auth: { kind: 'acl' } | { kind: 'digest'; username: string };
  estResources?: EstResources;
};

/** The row of `spec`; a digest password is sealed (throws SecretsKeyError without SECRETS_KEY). */
function toRow(
  spec: BindingSpec,
  secrets: SecretsAtRest,
  est?: EstResources,
): { spec: string; digest_password: string | null } {
  const { auth, ...rest } = spec;
  const extra = est ? { estResources: est } : {};
  const stored: StoredSpec =
    auth.kind === 'digest'
      ? { ...rest, ...extra, auth: { kind: 'digest', username: auth.username } }
      : { ...rest, ...extra, auth: { kind: 'acl' } };
  return {
    spec: JSON.stringify(stored),
    digest_password: auth.kind === 'digest' ? secrets.seal(auth.password, DIGEST_PASSWORD_COLUMN) : null,
  };
}

function fromRow(row: Selectable<BindingsTable>, secrets: SecretsAtRest): Binding {
  const { estResources, ...stored } = JSON.parse(row.spec) as StoredSpec;
  const password = row.digest_password === null ? '' : secrets.open(row.digest_password, DIGEST_PASSWORD_COLUMN);
  const auth: BindingSpec['auth'] =
    stored.auth.kind === 'digest' ? { kind: 'digest', username: stored.auth.username, password } : { kind: 'acl' };
  const resources: BindingResources = {
    ...(row.inbound_trunk_id ? { inboundTrunkId: row.inbound_trunk_id } : {}),
    ...(row.dispatch_rule_id ? { dispatchRuleId: row.dispatch_rule_id } : {}),
    ...(row.outbound_trunk_id ? { outboundTrunkId: row.outbound_trunk_id } : {}),
    ...(estResources ? { est: estResources } : {}),
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
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretsAtRest,
  ) {}

  private fromRow = (row: Selectable<BindingsTable>): Binding => fromRow(row, this.secrets);

  /**
   * Seals every stored digest password with SECRETS_KEY that is in plain text (written by an older
   * version) or sealed with SECRETS_KEY_PREVIOUS (a rotation); run at start. Returns how many were
   * sealed again; throws SecretsKeyError when one cannot be read with the configured keys.
   */
  async resealSecrets(): Promise<number> {
    if (!this.secrets.canStore) return 0;
    const rows = await this.db
      .selectFrom('bindings')
      .select(['id', 'digest_password'])
      .where('digest_password', 'is not', null)
      .execute();
    let n = 0;
    for (const row of rows) {
      if (!row.digest_password || !this.secrets.needsReseal(row.digest_password)) continue;
      const sealed = this.secrets.seal(
        this.secrets.open(row.digest_password, DIGEST_PASSWORD_COLUMN),
        DIGEST_PASSWORD_COLUMN,
      );
      await this.db
        .updateTable('bindings')
        .set({ digest_password: sealed })
        .where('id', '=', row.id)
        .where('digest_password', '=', row.digest_password)
        .execute();
      n += 1;
    }
    return n;
  }

  async list(): Promise<Binding[]> {
    const rows = await this.db.selectFrom('bindings').selectAll().orderBy('name').execute();
    return rows.map(this.fromRow);
  }

  /** Every binding's name, in order (no specs read, no secrets opened). */
  async names(): Promise<string[]> {
    const rows = await this.db.selectFrom('bindings').select('name').orderBy('name').execute();
    return rows.map((r) => r.name);
  }

  async get(name: string): Promise<Binding | undefined> {
    const row = await this.db.selectFrom('bindings').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? this.fromRow(row) : undefined;
  }

  async getById(id: string): Promise<Binding | undefined> {
    const row = await this.db.selectFrom('bindings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.fromRow(row) : undefined;
  }

  /** What became of the binding with identity `id`: live (name, version), deleted (name, when) or never known. */
  async lookupIdentity(id: string): Promise<ObjectLookup> {
    const live = await this.db
      .selectFrom('bindings')
      .select(['id', 'name', 'version'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (live) return { state: 'live', id: live.id, name: live.name, version: live.version };
    const gone = await this.db.selectFrom('binding_tombstones').selectAll().where('id', '=', id).executeTakeFirst();
    return gone ? { state: 'deleted', id: gone.id, name: gone.name, deletedAt: gone.deleted_at } : { state: 'unknown' };
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('bindings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
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
        ...toRow(spec, this.secrets, resources.est),
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
        ...toRow(spec, this.secrets, resources.est),
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
