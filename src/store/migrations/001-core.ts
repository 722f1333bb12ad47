import { sql, type Kysely } from 'kysely';

/** Core tables: bindings, the change journal, the audit log, webhook de-duplication, calls, validation runs. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bindings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('digest_password', 'text')
    .addColumn('inbound_trunk_id', 'text')
    .addColumn('dispatch_rule_id', 'text')
    .addColumn('outbound_trunk_id', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('change_journal')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('binding_name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_journal_state').on('change_journal').columns(['state']).execute();
  await db.schema
    .createIndex('change_journal_binding')
    .on('change_journal')
    .columns(['binding_name', 'created_at'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('binding_name', 'text')
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at']).execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('room_name', 'text')
    .execute();
  await db.schema.createIndex('webhook_events_received').on('webhook_events').columns(['received_at']).execute();

  await db.schema
    .createTable('call_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('binding_name', 'text')
    .addColumn('room_name', 'text')
    .addColumn('caller', 'text')
    .addColumn('callee', 'text')
    .addColumn('actor', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('agent_joined', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sip_status', 'integer')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('end_reason', 'text')
    .addColumn('setup_ms', 'integer')
    .addColumn('duration_ms', 'integer')
    .addColumn('slack_channel', 'text')
    .addColumn('slack_ts', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('call_records_started').on('call_records').columns(['started_at']).execute();
  await db.schema.createIndex('call_records_room').on('call_records').columns(['room_name']).execute();

  await db.schema
    .createTable('validation_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('results', 'text')
    .execute();

  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await sql`select 1`.execute(db);
}
