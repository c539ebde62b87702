// Tables of the SCIM gateway into Personio: the link between a SCIM User and its Personio employee,
// the outbox of SCIM writes still to be applied to Personio, and the group → role memberships Roster
// has already turned into tasks (so a group change becomes a diff, not a repeat of every task).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

  await db.schema
    .createTable('personio_links')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('employee_id', 'text')
    // unclaimed | pending | linked | error | unlinked
    .addColumn('state', 'text', (c) => c.notNull())
    // import (listed from Personio) | idp (created by an identity provider)
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('personio_links_pk', ['connection_id', 'resource_id'])
    .execute();
  await db.schema
    .createIndex('personio_links_employee')
    .on('personio_links')
    .columns(['connection_id', 'employee_id'])
    .execute();

  await db.schema
    .createTable('personio_outbox')
    .addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) =>
      isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    // create | update | delete
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('desired', 'text')
    .addColumn('before', 'text')
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    // pending | applying | applied | rejected | failed
    .addColumn('status', 'text', (c) => c.notNull())
    // 1 once the client was answered before the outcome was known (a later rejection becomes a task)
    .addColumn('acknowledged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('outcome', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('personio_outbox_due')
    .on('personio_outbox')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('personio_outbox_resource')
    .on('personio_outbox')
    .columns(['connection_id', 'resource_id', 'seq'])
    .execute();

  await db.schema
    .createTable('personio_role_members')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('personio_role_members_pk', ['connection_id', 'group_id', 'resource_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('personio_role_members').execute();
  await db.schema.dropTable('personio_outbox').execute();
  await db.schema.dropTable('personio_links').execute();
}
