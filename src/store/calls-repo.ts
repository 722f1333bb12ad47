import type { Kysely, Selectable, Updateable } from 'kysely';
import type { CallRecordsTable, Database } from './schema';

/** `loopback`: a loopback test call (both legs in one record; never counted as inbound traffic). */
export type CallDirection = 'inbound' | 'test' | 'loopback';

export interface CallRecord {
  id: string;
  direction: CallDirection;
  bindingName: string | null;
  roomName: string | null;
  caller: string | null;
  callee: string | null;
  actor: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  agentJoined: boolean;
  sipStatus: number | null;
  outcome: string;
  endReason: string | null;
  setupMs: number | null;
  durationMs: number | null;
  slackChannel: string | null;
  slackTs: string | null;
  detail: Record<string, unknown> | null;
}

function fromRow(r: Selectable<CallRecordsTable>): CallRecord {
  return {
    id: r.id,
    direction: r.direction as CallDirection,
    bindingName: r.binding_name,
    roomName: r.room_name,
    caller: r.caller,
    callee: r.callee,
    actor: r.actor,
    startedAt: r.started_at,
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
    agentJoined: r.agent_joined === 1,
    sipStatus: r.sip_status,
    outcome: r.outcome,
    endReason: r.end_reason,
    setupMs: r.setup_ms,
    durationMs: r.duration_ms,
    slackChannel: r.slack_channel,
    slackTs: r.slack_ts,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  };
}

function toRow(c: Partial<CallRecord>): Updateable<CallRecordsTable> {
  const row: Updateable<CallRecordsTable> = {};
  if (c.direction !== undefined) row.direction = c.direction;
  if (c.bindingName !== undefined) row.binding_name = c.bindingName;
  if (c.roomName !== undefined) row.room_name = c.roomName;
  if (c.caller !== undefined) row.caller = c.caller;
  if (c.callee !== undefined) row.callee = c.callee;
  if (c.actor !== undefined) row.actor = c.actor;
  if (c.startedAt !== undefined) row.started_at = c.startedAt;
  if (c.answeredAt !== undefined) row.answered_at = c.answeredAt;
  if (c.endedAt !== undefined) row.ended_at = c.endedAt;
  if (c.agentJoined !== undefined) row.agent_joined = c.agentJoined ? 1 : 0;
  if (c.sipStatus !== undefined) row.sip_status = c.sipStatus;
  if (c.outcome !== undefined) row.outcome = c.outcome;
  if (c.endReason !== undefined) row.end_reason = c.endReason;
  if (c.setupMs !== undefined) row.setup_ms = c.setupMs;
  if (c.durationMs !== undefined) row.duration_ms = c.durationMs;
  if (c.slackChannel !== undefined) row.slack_channel = c.slackChannel;
  if (c.slackTs !== undefined) row.slack_ts = c.slackTs;
  if (c.detail !== undefined) row.detail = c.detail === null ? null : JSON.stringify(c.detail);
  return row;
}

/** Inbound calls and test calls, for threads, summaries and statistics. */
export class CallsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(c: Pick<CallRecord, 'id' | 'direction' | 'startedAt' | 'outcome'> & Partial<CallRecord>): Promise<void> {
    const row = toRow(c);
    await this.db
      .insertInto('call_records')
      .values({
        id: c.id,
        direction: c.direction,
        started_at: c.startedAt,
        outcome: c.outcome,
        agent_joined: c.agentJoined ? 1 : 0,
        ...row,
      } as CallRecordsTable)
      .execute();
  }

  async update(id: string, patch: Partial<CallRecord>): Promise<void> {
    const row = toRow(patch);
    if (Object.keys(row).length === 0) return;
    await this.db.updateTable('call_records').set(row).where('id', '=', id).execute();
  }

  async get(id: string): Promise<CallRecord | undefined> {
    const r = await this.db.selectFrom('call_records').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async findByRoom(roomName: string, direction?: CallDirection): Promise<CallRecord | undefined> {
    let q = this.db.selectFrom('call_records').selectAll().where('room_name', '=', roomName);
    if (direction) q = q.where('direction', '=', direction);
    const r = await q.orderBy('started_at', 'desc').executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  /** The latest record of each of `roomNames` (those that have one), in one query. */
  async latestByRooms(roomNames: readonly string[], direction: CallDirection): Promise<Map<string, CallRecord>> {
    const out = new Map<string, CallRecord>();
    if (roomNames.length === 0) return out;
    const rows = await this.db
      .selectFrom('call_records')
      .selectAll()
      .where('room_name', 'in', [...new Set(roomNames)])
      .where('direction', '=', direction)
      .orderBy('started_at', 'desc')
      .execute();
    for (const r of rows) if (r.room_name !== null && !out.has(r.room_name)) out.set(r.room_name, fromRow(r));
    return out;
  }

  /** Calls started at or after `sinceIso`, oldest first. */
  async listSince(
    sinceIso: string,
    opts: { direction?: CallDirection; bindingName?: string } = {},
  ): Promise<CallRecord[]> {
    let q = this.db.selectFrom('call_records').selectAll().where('started_at', '>=', sinceIso);
    if (opts.direction) q = q.where('direction', '=', opts.direction);
    if (opts.bindingName) q = q.where('binding_name', '=', opts.bindingName);
    return (await q.orderBy('started_at', 'asc').execute()).map(fromRow);
  }

  /** The most recent call of a direction per binding. */
  async latest(direction: CallDirection, bindingName: string): Promise<CallRecord | undefined> {
    const r = await this.db
      .selectFrom('call_records')
      .selectAll()
      .where('direction', '=', direction)
      .where('binding_name', '=', bindingName)
      .orderBy('started_at', 'desc')
      .executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }
}
