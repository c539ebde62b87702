// The first schema: connections, tokens, SCIM resources and group memberships.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = await detectPostgres(db);
  const json = isPostgres ? sql`jsonb` : sql`text`;

  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.references('connections.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('scim_resources')
    .addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) =>
      isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text')
    .addColumn('user_name_key', 'text')
    .addColumn('display_name', 'text')
    .addColumn('display_name_key', 'text')
    .addColumn('external_id', 'text')
    .addColumn('active', 'integer')
    .addColumn('data', json, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('scim_resources_user_name_key')
    .on('scim_resources')
    .columns(['connection_id', 'resource_type', 'user_name_key'])
    .unique()
    .execute();
  await db.schema
    .createIndex('scim_resources_display_name_key')
    .on('scim_resources')
    .columns(['connection_id', 'resource_type', 'display_name_key'])
    .unique()
    .where(sql.ref('resource_type'), '=', 'Group')
    .execute();
  await db.schema
    .createIndex('scim_resources_external_id')
    .on('scim_resources')
    .columns(['connection_id', 'resource_type', 'external_id'])
    .execute();
  await db.schema
    .createIndex('scim_resources_type_seq')
    .on('scim_resources')
    .columns(['connection_id', 'resource_type', 'seq'])
    .execute();

  await db.schema
    .createTable('group_members')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull().references('scim_resources.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('scim_resources.id').onDelete('cascade'))
    .addColumn('member_type', 'text', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'member_id'])
    .execute();
  await db.schema.createIndex('group_members_member').on('group_members').columns(['member_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('group_members').execute();
  await db.schema.dropTable('scim_resources').execute();
  await db.schema.dropTable('tokens').execute();
  await db.schema.dropTable('connections').execute();
}

async function detectPostgres(db: Kysely<unknown>): Promise<boolean> {
  const adapter = db.getExecutor().adapter;
  return adapter.constructor.name === 'PostgresAdapter';
}
