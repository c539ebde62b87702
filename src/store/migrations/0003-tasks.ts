// Tasks: work for a person that a connector cannot do itself (granting Personio login access,
// assigning roles), with a checklist, a due time, an assignee, evidence and, where a read-back can
// prove the change, the expectation that read-back must meet.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('checklist', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('person_id', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('assignee', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('expectation', 'text')
    .addColumn('completed_by', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('note', 'text')
    .addColumn('cancel_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // At most one open task per piece of work: opening it again (a retried SCIM write, a second
  // reconcile pass) finds the open one. Closed tasks keep their key, so the same work may recur.
  await db.schema
    .createIndex('tasks_open_dedupe')
    .on('tasks')
    .columns(['connection_id', 'dedupe_key'])
    .unique()
    .where(sql.ref('state'), '=', 'open')
    .execute();
  await db.schema
    .createIndex('tasks_connection_state')
    .on('tasks')
    .columns(['connection_id', 'state', 'id'])
    .execute();
  await db.schema.createIndex('tasks_state').on('tasks').columns(['state', 'id']).execute();
  await db.schema.createIndex('tasks_account').on('tasks').columns(['account_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('tasks').execute();
}
