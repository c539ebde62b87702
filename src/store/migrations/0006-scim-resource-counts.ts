// How many Users and Groups each connection holds, kept by triggers on scim_resources. An unfiltered
// list answers `totalResults` from this row instead of counting every resource, so a page of 100
// costs O(page) at 100,000 users. Triggers, not application code, keep it: every path that writes
// scim_resources (the repository, bulk seeding, a connection's cascading delete) is covered.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

  await db.schema
    .createTable('scim_resource_counts')
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('scim_resource_counts_pk', ['connection_id', 'resource_type'])
    .execute();

  await sql`
    insert into scim_resource_counts (connection_id, resource_type, n)
    select connection_id, resource_type, count(*) from scim_resources group by connection_id, resource_type
  `.execute(db);

  if (isPostgres) {
    // One row per (connection, type), so concurrent creates in one connection queue on it. A
    // deferred constraint trigger updates it at commit, not at the insert, so the row is locked only
    // while the transaction commits, not while the rest of it (members, outbox rows) runs.
    await sql`
      create function scim_resource_count() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          insert into scim_resource_counts (connection_id, resource_type, n)
          values (new.connection_id, new.resource_type, 1)
          on conflict (connection_id, resource_type) do update set n = scim_resource_counts.n + 1;
          return new;
        end if;
        update scim_resource_counts set n = n - 1
        where connection_id = old.connection_id and resource_type = old.resource_type;
        return old;
      end
      $$
    `.execute(db);
    await sql`
      create constraint trigger scim_resources_count after insert or delete on scim_resources
      deferrable initially deferred
      for each row execute function scim_resource_count()
    `.execute(db);
    return;
  }

  await sql`
    create trigger scim_resources_count_insert after insert on scim_resources
    begin
      insert into scim_resource_counts (connection_id, resource_type, n)
      values (new.connection_id, new.resource_type, 1)
      on conflict (connection_id, resource_type) do update set n = n + 1;
    end
  `.execute(db);
  await sql`
    create trigger scim_resources_count_delete after delete on scim_resources
    begin
      update scim_resource_counts set n = n - 1
      where connection_id = old.connection_id and resource_type = old.resource_type;
    end
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';
  if (isPostgres) {
    await sql`drop trigger scim_resources_count on scim_resources`.execute(db);
    await sql`drop function scim_resource_count()`.execute(db);
  } else {
    await sql`drop trigger scim_resources_count_insert`.execute(db);
    await sql`drop trigger scim_resources_count_delete`.execute(db);
  }
  await db.schema.dropTable('scim_resource_counts').execute();
}
