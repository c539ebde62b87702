// Tables of the reconciler: sync definitions and their state, the links between people and
// accounts, the operation journal used for idempotent apply, future-dated work, run leases, and
// the hash-chained audit log.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

  await db.schema
    .createTable('syncs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source_connection_id', 'text', (c) => c.notNull().references('connections.id'))
    .addColumn('target_connection_id', 'text', (c) => c.notNull().references('connections.id'))
    .addColumn('mapping', 'text')
    .addColumn('scope', 'text')
    .addColumn('every_ms', 'integer', (c) => c.notNull())
    .addColumn('full_every_ms', 'integer', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('watermark', 'text')
    .addColumn('last_full_read_at', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('last_status', 'text')
    .addColumn('held_hash', 'text')
    .addColumn('held_reason', 'text')
    .addColumn('approved_hash', 'text')
    .addColumn('next_due_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sync_links')
    .addColumn('sync_id', 'text', (c) => c.notNull().references('syncs.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('applied_digest', 'text')
    .addColumn('linked_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_links_pk', ['sync_id', 'account_id'])
    .execute();
  await db.schema
    .createIndex('sync_links_source')
    .on('sync_links')
    .columns(['sync_id', 'source_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sync_id', 'text', (c) => c.notNull().references('syncs.id').onDelete('cascade'))
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('plan_hash', 'text')
    .addColumn('counts', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('sync_runs_sync').on('sync_runs').columns(['sync_id', 'started_at']).execute();

  await db.schema
    .createTable('sync_operations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sync_id', 'text', (c) => c.notNull().references('syncs.id').onDelete('cascade'))
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sync_operations_status')
    .on('sync_operations')
    .columns(['sync_id', 'status'])
    .execute();

  await db.schema
    .createTable('scheduled_work')
    .addColumn('sync_id', 'text', (c) => c.notNull().references('syncs.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scheduled_work_pk', ['sync_id', 'person_id', 'kind'])
    .execute();
  await db.schema.createIndex('scheduled_work_due').on('scheduled_work').columns(['due_at']).execute();

  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) =>
      isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text')
    .addColumn('sync_id', 'text')
    .addColumn('person_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('content', 'text')
    .addColumn('content_digest', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_person').on('audit_events').columns(['person_id']).execute();
  await db.schema
    .createIndex('audit_events_connection')
    .on('audit_events')
    .columns(['connection_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_events',
    'leases',
    'scheduled_work',
    'sync_operations',
    'sync_runs',
    'sync_links',
    'syncs',
  ])
    await db.schema.dropTable(table).execute();
}
