import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. Timestamps are ISO-8601 UTC text, IDs are text,
 * JSON is stored as text: the same SQL runs on SQLite and PostgreSQL.
 */

export interface BindingsTable {
  name: string;
  id: string; // UUID assigned at creation, kept through edits, never reused (migration 007)
  spec: string; // JSON BindingSpec without the digest password
  digest_password: string | null; // write-only secret, never rendered
  inbound_trunk_id: string | null;
  dispatch_rule_id: string | null;
  outbound_trunk_id: string | null;
  version: number;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
}

export interface BindingTombstonesTable {
  id: string; // the deleted binding's id
  name: string;
  deleted_at: string;
}

export interface ChangeJournalTable {
  id: string;
  binding_name: string;
  kind: string; // create | update | delete | import
  state: string; // pending | applying | committed | rolling_back | rolled_back | failed
  actor: string;
  request: string; // JSON: what was asked (secrets excluded)
  steps: string; // JSON array of journaled steps
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  id: string;
  at: string;
  actor: string;
  action: string;
  binding_name: string | null;
  before: string | null; // JSON, secrets excluded
  after: string | null; // JSON, secrets excluded
  detail: string | null;
}

export interface WebhookEventsTable {
  id: string; // LiveKit event id EV_…
  received_at: string;
  event: string;
  room_name: string | null;
  payload: string | null; // the verified event as JSON, until processed
  processed_at: string | null;
  /** Stored order across replicas (PostgreSQL bigserial; null on SQLite, see migration 009). */
  seq: Generated<string | null>;
}

export interface CallRecordsTable {
  id: string;
  direction: string; // inbound | test
  binding_name: string | null;
  room_name: string | null;
  caller: string | null;
  callee: string | null;
  actor: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  agent_joined: number; // 0/1
  sip_status: number | null;
  outcome: string; // in-progress | answered | failed | completed | missed …
  end_reason: string | null;
  setup_ms: number | null;
  duration_ms: number | null;
  slack_channel: string | null;
  slack_ts: string | null;
  detail: string | null; // JSON
}

export interface HealthRunsTable {
  id: string;
  trigger: string; // schedule | manual | startup
  started_at: string;
  finished_at: string | null;
  results: string | null; // JSON
}

export interface MetaTable {
  key: string;
  value: string;
  updated_at: string;
}

/** Epoch ms travel as strings from PostgreSQL's bigint; Number() them. */
export interface CoordinationLeasesTable {
  key: string; // binding:<name> | slot:<name>
  holder: string;
  expires_at: number | string;
  done: number; // 0/1: a slot served
}

export interface ChannelPacingTable {
  channel: string;
  next_at: number | string;
}

export interface TestCallAttemptsTable {
  id: string;
  user_id: string;
  binding_name: string;
  trunk_domain: string; // trunkDomainKey()
  admitted_at_ms: number;
  start_at_ms: number; // its trunk-domain slot
}

export interface TestCallInflightTable {
  binding_name: string;
  user_id: string;
  number: string;
  since_ms: number;
  lease_until_ms: number; // past this, the entry no longer counts (its process died)
  holder: string; // the process instance that admitted it
}

export interface TestCallGuardKeysTable {
  key: string; // user:U… | binding:name | domain:fqdn
  admissions: number;
  updated_at_ms: number;
}

export interface SlackActionPressesTable {
  key: string; // hash of what makes one press
  action_id: string;
  user_id: string;
  first_at_ms: number;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface Database {
  bindings: BindingsTable;
  binding_tombstones: BindingTombstonesTable;
  change_journal: ChangeJournalTable;
  audit_log: AuditLogTable;
  webhook_events: WebhookEventsTable;
  call_records: CallRecordsTable;
  health_runs: HealthRunsTable;
  meta: MetaTable;
  test_call_attempts: TestCallAttemptsTable;
  test_call_inflight: TestCallInflightTable;
  test_call_guard_keys: TestCallGuardKeysTable;
  slack_action_presses: SlackActionPressesTable;
  schema_migrations: MigrationsTable;
  coordination_leases: CoordinationLeasesTable;
  channel_pacing: ChannelPacingTable;
}

export type { Generated };
