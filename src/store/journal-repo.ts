import type { Kysely, Selectable } from 'kysely';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
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

/** A stored entry that does not parse: bad JSON, an unknown kind or state, or a request or steps of the wrong shape. */
export class UnreadableJournalEntryError extends Error {
  constructor(
    readonly journalId: string,
    readonly bindingName: string,
    readonly reason: string,
  ) {
    super(`journal entry ${journalId} (binding ${bindingName}) cannot be read: ${reason}`);
  }
}

/** How the stored JSON of one journal's entries is checked when read. */
export interface JournalReader<Step, Request> {
  steps: z.ZodType<Step[]>;
  request: z.ZodType<Request>;
}

const rowSchema = z.object({
  kind: z.enum(['create', 'update', 'import', 'delete']),
  state: z.enum(['applying', 'committed', 'rolling_back', 'rolled_back', 'stuck']),
});

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what} is not JSON`);
  }
}

function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(`${what}${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
}

/**
 * A row as an entry. With a reader, `request` and `steps` are validated; without one they are
 * only parsed as JSON (for callers that look at the state alone).
 */
function fromRow<Step, Request>(
  r: Selectable<ChangeJournalTable>,
  reader?: JournalReader<Step, Request>,
): JournalEntry<Step, Request> {
  try {
    const row = checked(rowSchema, r, 'row');
    const request = parseJson(r.request, 'request');
    const steps = parseJson(r.steps, 'steps');
    return {
      id: r.id,
      bindingName: r.binding_name,
      kind: row.kind,
      state: row.state,
      actor: r.actor,
      request: reader ? checked(reader.request, request, 'request') : (request as Request),
      steps: reader ? checked(reader.steps, steps, 'steps') : (steps as Step[]),
      error: r.error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  } catch (err) {
    throw new UnreadableJournalEntryError(r.id, r.binding_name, (err as Error).message);
  }
}

/**
 * The journal of multi-step LiveKit changes. Every step is written before and after it runs,
 * so a restart knows exactly what a change did. Callers keep secrets out of `request` and `steps`.
 */
export class JournalRepo {
  /** `recordable`: the store's check that a write now would last (see Store.recordable). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly recordable: () => Promise<{ ok: true } | { ok: false; reason: string }> = async () => ({
      ok: true,
    }),
  ) {}

  /**
   * Opens the journal of a change: the first write of every change, before anything is sent to
   * LiveKit. Refuses (throws) when the change could not be recorded, so nothing is created that the
   * database would lose.
   */
  async open<Step, Request>(
    e: { bindingName: string; kind: ChangeKind; actor: string; request: Request; steps: Step[] },
    now: Date,
  ): Promise<JournalEntry<Step, Request>> {
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
    return {
      id,
      bindingName: e.bindingName,
      kind: e.kind,
      state: 'applying',
      actor: e.actor,
      request: e.request,
      steps: e.steps,
      error: null,
      createdAt: at,
      updatedAt: at,
    };
  }

  async save<Step>(
    id: string,
    patch: { state?: ChangeState; steps?: Step[]; error?: string | null },
    now: Date,
  ): Promise<void> {
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

  /** Throws `UnreadableJournalEntryError` when the stored entry does not parse. */
  async get<Step, Request>(
    id: string,
    reader?: JournalReader<Step, Request>,
  ): Promise<JournalEntry<Step, Request> | undefined> {
    const r = await this.db.selectFrom('change_journal').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow<Step, Request>(r, reader) : undefined;
  }

  /**
   * Changes not finished: applying, rolling back, or stuck after a failed rollback. An entry
   * that does not parse is returned as its `UnreadableJournalEntryError`, so one bad row does
   * not hide the others.
   */
  async listOpen<Step, Request>(
    reader: JournalReader<Step, Request>,
  ): Promise<Array<JournalEntry<Step, Request> | UnreadableJournalEntryError>> {
    const rows = await this.db
      .selectFrom('change_journal')
      .selectAll()
      .where('state', 'in', OPEN_STATES)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => {
      try {
        return fromRow(r, reader);
      } catch (err) {
        if (err instanceof UnreadableJournalEntryError) return err;
        throw err;
      }
    });
  }

  /** Throws `UnreadableJournalEntryError` when a stored entry does not parse. */
  async listFor<Step, Request>(
    bindingName: string,
    limit = 20,
    reader?: JournalReader<Step, Request>,
  ): Promise<Array<JournalEntry<Step, Request>>> {
    const rows = await this.db
      .selectFrom('change_journal')
      .selectAll()
      .where('binding_name', '=', bindingName)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => fromRow<Step, Request>(r, reader));
  }
}
