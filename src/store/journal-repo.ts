import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { ChangeJournalTable, Database } from './schema';

export type ChangeKind = 'create' | 'update' | 'import' | 'delete';

/**
 * applying → committed, or applying → rolling_back → rolled_back.
 * `stuck`: rollback itself failed; the next start (or retry) takes it up again.
 */
export type ChangeState = 'applying' | 'committed' | 'rolling_back' | 'rolled_back' | 'stuck';

export const OPEN_STATES: ChangeState[] = ['applying', 'rolling_back', 'stuck'];

export interface JournalEntry<Step, Request> {
  id: string;
  bindingName: string;
  kind: ChangeKind;
  state: ChangeState;
  actor: string;
  request: Request;
  steps: Step[];
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

function fromRow<Step, Request>(r: Selectable<ChangeJournalTable>): JournalEntry<Step, Request> {
  return {
    id: r.id,
    bindingName: r.binding_name,
    kind: r.kind as ChangeKind,
    state: r.state as ChangeState,
    actor: r.actor,
    request: JSON.parse(r.request) as Request,
    steps: JSON.parse(r.steps) as Step[],
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * The journal of multi-step LiveKit changes. Every step is written before and after it runs,
 * so a restart knows exactly what a change did. Callers keep secrets out of `request` and `steps`.
 */
export class JournalRepo {
  /** `recordable`: the store's check that a write now would last (see Store.recordable). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly recordable: () => Promise<{ ok: true } | { ok: false; reason: string }> = async () => ({ ok: true }),
  ) {}

  /**
   * Opens the journal of a change: the first write of every change, before anything is sent to
   * LiveKit. Refuses (throws) when the change could not be recorded, so nothing is created that the
   * database would lose.
   */
  async open<Step, Request>(e: { bindingName: string; kind: ChangeKind; actor: string; request: Request; steps: Step[] }, now: Date): Promise<JournalEntry<Step, Request>> {
    const check = await this.recordable();
    if (!check.ok) throw new Error(check.reason);
    const at = now.toISOString();
    const id = `CH_${randomUUID()}`;
    await this.db
      .insertInto('change_journal')
      .values({
        id,
        binding_name: e.bindingName,
        kind: e.kind,
        state: 'applying',
        actor: e.actor,
        request: JSON.stringify(e.request),
        steps: JSON.stringify(e.steps),
        error: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    return { id, bindingName: e.bindingName, kind: e.kind, state: 'applying', actor: e.actor, request: e.request, steps: e.steps, error: null, createdAt: at, updatedAt: at };
  }

  async save<Step>(id: string, patch: { state?: ChangeState; steps?: Step[]; error?: string | null }, now: Date): Promise<void> {
    await this.db
      .updateTable('change_journal')
      .set({
        ...(patch.state ? { state: patch.state } : {}),
        ...(patch.steps ? { steps: JSON.stringify(patch.steps) } : {}),
        ...(patch.error !== undefined ? { error: patch.error } : {}),
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  async get<Step, Request>(id: string): Promise<JournalEntry<Step, Request> | undefined> {
    const r = await this.db.selectFrom('change_journal').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow<Step, Request>(r) : undefined;
  }

  /** Changes not finished: applying, rolling back, or stuck after a failed rollback. */
  async listOpen<Step, Request>(): Promise<Array<JournalEntry<Step, Request>>> {
    const rows = await this.db.selectFrom('change_journal').selectAll().where('state', 'in', OPEN_STATES).orderBy('created_at').execute();
    return rows.map((r) => fromRow<Step, Request>(r));
  }

  async listFor<Step, Request>(bindingName: string, limit = 20): Promise<Array<JournalEntry<Step, Request>>> {
    const rows = await this.db
      .selectFrom('change_journal')
      .selectAll()
      .where('binding_name', '=', bindingName)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => fromRow<Step, Request>(r));
  }
}
