import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Database } from './schema';

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  bindingName: string | null;
  before: unknown;
  after: unknown;
  detail: string | null;
}

/** Who changed what, when. Callers pass secret-free values (see `redactSpec`). */
export class AuditRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async record(
    e: { actor: string; action: string; bindingName?: string; before?: unknown; after?: unknown; detail?: string },
    now = new Date(),
  ): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        id: randomUUID(),
        at: now.toISOString(),
        actor: e.actor,
        action: e.action,
        binding_name: e.bindingName ?? null,
        before: e.before === undefined ? null : JSON.stringify(e.before),
        after: e.after === undefined ? null : JSON.stringify(e.after),
        detail: e.detail ?? null,
      })
      .execute();
  }

  async list(opts: { bindingName?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    let q = this.db
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('at', 'desc')
      .limit(opts.limit ?? 100);
    if (opts.bindingName) q = q.where('binding_name', '=', opts.bindingName);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      bindingName: r.binding_name,
      before: r.before ? (JSON.parse(r.before) as unknown) : null,
      after: r.after ? (JSON.parse(r.after) as unknown) : null,
      detail: r.detail,
    }));
  }
}
