// The store suite: the same behaviour checked against SQLite and PostgreSQL — schema and types,
// connections with sealed secrets, and tokens that reach exactly one connection.
import assert from 'node:assert/strict';
import { migrations } from './migrations/index.ts';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ConflictError, InvalidInputError, NotFoundError, SecretUnsealableError } from '../core/errors.ts';
import { createManualClock } from '../core/testing/manual-clock.ts';
import { createConnectionRepository, type ConnectionRepository } from './connection-repository.ts';
import { openDatabase } from './database.ts';
import { deriveKeys } from './root-key.ts';
import { createSecretBox } from './secret-box.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from './testing/test-database.ts';
import { LAST_USED_RESOLUTION_MS, createTokenRepository, type TokenRepository } from './token-repository.ts';

const keys = deriveKeys(Buffer.alloc(32, 1));
const otherKeys = deriveKeys(Buffer.alloc(32, 2));

for (const dialect of DIALECTS) {
  void describe(`store on ${dialect}`, () => {
    let test: TestDatabase;
    const clock = createManualClock(new Date('2026-03-01T09:00:00.000Z'));
    let connections: ConnectionRepository;
    let tokens: TokenRepository;

    before(async () => {
      test = await openTestDatabase(dialect);
      connections = createConnectionRepository({ db: test.db, secretBox: createSecretBox(keys), clock });
      tokens = createTokenRepository({ db: test.db, tokenHashKey: keys.tokenHash, clock });
    });
    after(async () => {
      await test?.close();
    });

    async function insertResource(connectionId: string, id: string, userName: string): Promise<void> {
      await test.db
        .insertInto('scim_resources')
        .values({
          connection_id: connectionId,
          id,
          resource_type: 'User',
          user_name: userName,
          user_name_key: userName.toLowerCase(),
          display_name: null,
          display_name_key: null,
          external_id: null,
          active: 1,
          data: JSON.stringify({ userName, name: { givenName: 'Ada' } }),
          version: 1,
          created_at: '2026-03-01T09:00:00.000Z',
          last_modified: '2026-03-01T09:00:00.000Z',
        })
        .execute();
    }

    void describe('database', () => {
      void it('reports its dialect', () => {
        assert.equal(test.dialect, dialect);
      });

      void it('creates every table of the schema and records the migration once', async () => {
        for (const table of [
          'connections',
          'tokens',
          'scim_resources',
          'group_members',
          'syncs',
          'sync_links',
          'sync_runs',
          'sync_operations',
          'scheduled_work',
          'leases',
          'audit_events',
        ] as const) {
          const rows = await test.db.selectFrom(table).selectAll().execute();
          assert.deepEqual(rows, []);
        }
        const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
          test.db,
        );
        assert.deepEqual(
          applied.rows.map((r) => r.name),
          Object.keys(migrations),
        );
      });

      void it('opens an already migrated database again without migrating twice', async () => {
        const again = await openDatabase({
          databaseUrl: test.databaseUrl,
          dataDir: test.dataDir,
          ...(test.postgresSchema === undefined ? {} : { postgresSchema: test.postgresSchema }),
        });
        try {
          const applied = await sql<{
            name: string;
          }>`select name from kysely_migration order by name`.execute(again.db);
          assert.equal(applied.rows.length, Object.keys(migrations).length);
        } finally {
          await again.close();
        }
      });

      void it('refuses a database migrated by a newer version, naming the cause', async () => {
        const scratch = await openTestDatabase(dialect);
        try {
          await sql`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(
            scratch.db,
          );
          await assert.rejects(
            openDatabase({
              databaseUrl: scratch.databaseUrl,
              dataDir: scratch.dataDir,
              ...(scratch.postgresSchema === undefined ? {} : { postgresSchema: scratch.postgresSchema }),
            }),
            (e: unknown) =>
              e instanceof Error &&
              (e as { code?: string }).code === 'migration_failed' &&
              /newer Roster version/.test(e.message),
          );
        } finally {
          await scratch.close();
        }
      });

      void it('returns JSON data as the text it stores and sequence numbers as numbers', async () => {
        await connections.create({ id: 'types', app: 'directory' });
        await insertResource('types', 'types-user-1', 'types@example.com');
        const row = await test.db
          .selectFrom('scim_resources')
          .select(['seq', 'data', 'active'])
          .where('id', '=', 'types-user-1')
          .executeTakeFirstOrThrow();
        assert.equal(typeof row.seq, 'number');
        assert.equal(typeof row.data, 'string');
        assert.deepEqual(JSON.parse(row.data), { userName: 'types@example.com', name: { givenName: 'Ada' } });
        const counted = await test.db
          .selectFrom('scim_resources')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(typeof counted.n, 'number');
      });

      void it('folds case in SQL the way the application does, beyond ASCII', async () => {
        const fold = dialect === 'sqlite' ? sql`roster_fold(${'ÄNNE Øyvind'})` : sql`lower(${'ÄNNE Øyvind'})`;
        const result = await sql<{ folded: string }>`select ${fold} as folded`.execute(test.db);
        assert.equal(result.rows[0]?.folded, 'ÄNNE Øyvind'.toLowerCase());
      });

      void it('enforces foreign keys', async () => {
        await assert.rejects(insertResource('no-such-connection', 'orphan-1', 'orphan@example.com'));
      });

      void it('rolls back every statement of a failed transaction', async () => {
        await connections.create({ id: 'atomic', app: 'directory' });
        await assert.rejects(
          test.db.transaction().execute(async (trx) => {
            await trx
              .updateTable('connections')
              .set({ display_name: 'changed' })
              .where('id', '=', 'atomic')
              .execute();
            throw new Error('abort');
          }),
          /abort/,
        );
        assert.equal((await connections.get('atomic'))?.displayName, 'atomic');
      });
    });

    void describe('connections', () => {
      void it('creates a connection and reads it back', async () => {
        const created = await connections.create({
          id: 'acme-directory',
          app: 'directory',
          displayName: 'ACME directory',
          settings: { region: 'eu' },
        });
        assert.deepEqual(created, {
          id: 'acme-directory',
          app: 'directory',
          displayName: 'ACME directory',
          settings: { region: 'eu' },
          hasSecrets: false,
          createdAt: '2026-03-01T09:00:00.000Z',
          updatedAt: '2026-03-01T09:00:00.000Z',
        });
        assert.deepEqual(await connections.get('acme-directory'), created);
      });

      void it('names a connection after its id when no name is given', async () => {
        const created = await connections.create({ id: 'plain', app: 'personio' });
        assert.equal(created.displayName, 'plain');
        assert.equal(created.app, 'personio');
      });

      void it('lists connections ordered by id', async () => {
        await connections.create({ id: 'list-b', app: 'directory' });
        await connections.create({ id: 'list-a', app: 'directory' });
        const ids = (await connections.list()).map((c) => c.id).filter((id) => id.startsWith('list-'));
        assert.deepEqual(ids, ['list-a', 'list-b']);
      });

      void it('answers null for a connection that does not exist', async () => {
        assert.equal(await connections.get('missing'), null);
      });

      void it('refuses ids that do not fit in a URL segment', async () => {
        for (const id of ['', 'Upper', '-leading', 'under_score', 'a/b', 'a'.repeat(64), 'x y', '..']) {
          await assert.rejects(
            connections.create({ id, app: 'directory' }),
            (e: unknown) => e instanceof InvalidInputError && e.code === 'connection_id_invalid',
            `id ${JSON.stringify(id)}`,
          );
        }
        assert.ok(await connections.create({ id: 'a'.repeat(63), app: 'directory' }));
        assert.ok(await connections.create({ id: '0-9', app: 'directory' }));
      });

      void it('refuses an app it does not know', async () => {
        await assert.rejects(
          connections.create({ id: 'unknown-app', app: 'bamboozle' }),
          (e: unknown) => e instanceof InvalidInputError && e.code === 'connection_app_unknown',
        );
        assert.equal(await connections.get('unknown-app'), null);
      });

      void it('refuses names with control characters', async () => {
        await assert.rejects(
          connections.create({ id: 'bad-name', app: 'directory', displayName: 'a\nb' }),
          (e: unknown) => e instanceof InvalidInputError && e.code === 'connection_name_invalid',
        );
      });

      void it('refuses a second connection with the same id and keeps the first', async () => {
        await connections.create({ id: 'dup', app: 'directory', displayName: 'first' });
        await assert.rejects(
          connections.create({ id: 'dup', app: 'personio', displayName: 'second' }),
          (e: unknown) => e instanceof ConflictError && e.code === 'connection_exists',
        );
        assert.equal((await connections.get('dup'))?.displayName, 'first');
      });

      void it('stores secrets sealed and opens them on request', async () => {
        const created = await connections.create({
          id: 'sealed',
          app: 'personio',
          secrets: { clientSecret: 'papi-very-secret' },
        });
        assert.equal(created.hasSecrets, true);
        assert.deepEqual(await connections.readSecrets('sealed'), { clientSecret: 'papi-very-secret' });
        const row = await test.db
          .selectFrom('connections')
          .select('secrets')
          .where('id', '=', 'sealed')
          .executeTakeFirstOrThrow();
        assert.ok(row.secrets);
        assert.doesNotMatch(row.secrets, /papi-very-secret/);
        assert.equal(await connections.readSecrets('plain'), null);
      });

      void it('replaces settings, keeps secrets unless new ones are given, and reports a missing connection', async () => {
        await connections.create({
          id: 'settable',
          app: 'personio',
          settings: { a: 1 },
          secrets: { s: 'one' },
        });
        clock.advance(1000);
        const updated = await connections.update('settable', { settings: { b: 2 } });
        assert.deepEqual(updated.settings, { b: 2 });
        assert.notEqual(updated.updatedAt, updated.createdAt);
        assert.deepEqual(await connections.readSecrets('settable'), { s: 'one' });
        await connections.update('settable', { settings: { b: 3 }, secrets: { s: 'two' } });
        assert.deepEqual(await connections.readSecrets('settable'), { s: 'two' });
        assert.deepEqual((await connections.get('settable'))?.settings, { b: 3 });
        await assert.rejects(connections.update('ghost', { settings: {} }), { code: 'connection_not_found' });
      });

      void it('refuses to open secrets copied onto another connection', async () => {
        await connections.create({
          id: 'victim',
          app: 'personio',
          secrets: { clientSecret: 'victim-secret' },
        });
        await connections.create({ id: 'thief', app: 'personio', secrets: { clientSecret: 'thief-secret' } });
        const victim = await test.db
          .selectFrom('connections')
          .select('secrets')
          .where('id', '=', 'victim')
          .executeTakeFirstOrThrow();
        await test.db
          .updateTable('connections')
          .set({ secrets: victim.secrets })
          .where('id', '=', 'thief')
          .execute();
        await assert.rejects(connections.readSecrets('thief'), SecretUnsealableError);
      });

      void it('refuses to open secrets under another root key', async () => {
        const other = createConnectionRepository({
          db: test.db,
          secretBox: createSecretBox(otherKeys),
          clock,
        });
        await assert.rejects(
          other.readSecrets('sealed'),
          (e: unknown) => e instanceof SecretUnsealableError && /different ROSTER_SECRET_KEY/.test(e.message),
        );
      });

      void it('deletes an empty connection together with its tokens', async () => {
        await connections.create({ id: 'short-lived', app: 'directory' });
        const issued = await tokens.create({ kind: 'scim', connectionId: 'short-lived' });
        assert.deepEqual(await connections.delete('short-lived'), { id: 'short-lived', resourceCount: 0 });
        assert.equal(await connections.get('short-lived'), null);
        assert.equal(await tokens.get(issued.record.id), null);
        assert.equal(await tokens.verify(issued.token, 'short-lived'), null);
      });

      void it('keeps a connection that still holds users unless forced, then deletes them too', async () => {
        await connections.create({ id: 'populated', app: 'directory' });
        await insertResource('populated', 'populated-user-1', 'one@example.com');
        await insertResource('populated', 'populated-user-2', 'two@example.com');
        await assert.rejects(
          connections.delete('populated'),
          (e: unknown) =>
            e instanceof ConflictError && e.code === 'connection_not_empty' && /2 SCIM/.test(e.message),
        );
        assert.ok(await connections.get('populated'));
        assert.deepEqual(await connections.delete('populated', { force: true }), {
          id: 'populated',
          resourceCount: 2,
        });
        const left = await test.db
          .selectFrom('scim_resources')
          .select('id')
          .where('connection_id', '=', 'populated')
          .execute();
        assert.deepEqual(left, []);
      });

      void it('reports a missing connection on delete and on reading secrets', async () => {
        await assert.rejects(
          connections.delete('ghost'),
          (e: unknown) => e instanceof NotFoundError && e.code === 'connection_not_found',
        );
        await assert.rejects(connections.readSecrets('ghost'), NotFoundError);
      });
    });

    void describe('tokens', () => {
      before(async () => {
        await connections.create({ id: 'tok-a', app: 'directory' });
        await connections.create({ id: 'tok-b', app: 'directory' });
      });

      void it('issues an rst_ token once and stores only its keyed hash', async () => {
        const issued = await tokens.create({ kind: 'scim', connectionId: 'tok-a', name: 'okta' });
        assert.match(issued.token, /^rst_[A-Za-z0-9_-]{43}$/);
        assert.deepEqual(issued.record, {
          id: issued.record.id,
          kind: 'scim',
          connectionId: 'tok-a',
          name: 'okta',
          createdAt: clock.now().toISOString(),
          expiresAt: null,
          lastUsedAt: null,
          revokedAt: null,
        });
        const row = await test.db
          .selectFrom('tokens')
          .selectAll()
          .where('id', '=', issued.record.id)
          .executeTakeFirstOrThrow();
        assert.match(row.token_hash, /^[0-9a-f]{64}$/);
        assert.ok(!JSON.stringify(row).includes(issued.token.slice(4)));
        assert.ok(!('tokenHash' in issued.record) && !('token_hash' in issued.record));
      });

      void it('issues no token for a connection without a SCIM endpoint', async () => {
        for (const app of ['scim', 'entra'] as const) {
          await connections.create({ id: `tok-${app}`, app });
          await assert.rejects(
            tokens.create({ kind: 'scim', connectionId: `tok-${app}` }),
            (error: unknown) =>
              error instanceof InvalidInputError &&
              error.code === 'connection_without_scim' &&
              error.message.includes('directory and personio'),
          );
        }
        assert.deepEqual(await tokens.list({ connectionId: 'tok-scim' }), []);
      });

      void it('verifies a token on its own connection only', async () => {
        const issued = await tokens.create({ kind: 'scim', connectionId: 'tok-a' });
        assert.deepEqual(await tokens.verify(issued.token, 'tok-a'), {
          tokenId: issued.record.id,
          expiresAt: null,
        });
        assert.equal(await tokens.verify(issued.token, 'tok-b'), null);
        assert.equal(await tokens.verify(issued.token, 'missing'), null);
      });

      void it('rejects malformed, unknown and altered tokens', async () => {
        const issued = await tokens.create({ kind: 'scim', connectionId: 'tok-a' });
        const last = issued.token.at(-1) === 'A' ? 'B' : 'A';
        for (const candidate of [
          '',
          'rst_',
          issued.token.slice(0, -1),
          `${issued.token.slice(0, -1)}${last}`,
          `${issued.token} `,
          issued.token.replace('rst_', 'RST_'),
          `rst_${'A'.repeat(43)}`,
        ]) {
          assert.equal(await tokens.verify(candidate, 'tok-a'), null, JSON.stringify(candidate));
        }
      });

      void it('rejects a token issued under another root key', async () => {
        const other = createTokenRepository({ db: test.db, tokenHashKey: otherKeys.tokenHash, clock });
        const issued = await other.create({ kind: 'scim', connectionId: 'tok-a' });
        assert.equal(await tokens.verify(issued.token, 'tok-a'), null);
      });

      void it('stops accepting a token at its expiry', async () => {
        const issued = await tokens.create({ kind: 'scim', connectionId: 'tok-a', expiresInMs: 60_000 });
        assert.equal(issued.record.expiresAt, new Date(clock.now().getTime() + 60_000).toISOString());
        clock.advance(59_999);
        assert.ok(await tokens.verify(issued.token, 'tok-a'));
        clock.advance(1);
        assert.equal(await tokens.verify(issued.token, 'tok-a'), null);
      });

      void it('stops accepting a revoked token and keeps the first revocation time', async () => {
        const issued = await tokens.create({ kind: 'scim', connectionId: 'tok-a' });
        const revoked = await tokens.revoke(issued.record.id);
        assert.equal(revoked.revokedAt, clock.now().toISOString());
        assert.equal(await tokens.verify(issued.token, 'tok-a'), null);
        clock.advance(1000);
        assert.equal((await tokens.revoke(issued.record.id)).revokedAt, revoked.revokedAt);
      });

      void it('reports revoking a token that does not exist', async () => {
        await assert.rejects(
          tokens.revoke('no-such-token'),
          (e: unknown) => e instanceof NotFoundError && e.code === 'token_not_found',
        );
      });

      void it('refuses a token for a connection that does not exist', async () => {
        await assert.rejects(
          tokens.create({ kind: 'scim', connectionId: 'nowhere' }),
          (e: unknown) => e instanceof NotFoundError && e.code === 'connection_not_found',
        );
      });

      void it('refuses invalid names and lifetimes', async () => {
        await assert.rejects(
          tokens.create({ kind: 'scim', connectionId: 'tok-a', name: 'a\u0007' }),
          (e: unknown) => e instanceof InvalidInputError && e.code === 'token_name_invalid',
        );
        for (const expiresInMs of [0, -5, 1.5, Number.NaN]) {
          await assert.rejects(
            tokens.create({ kind: 'scim', connectionId: 'tok-a', expiresInMs }),
            (e: unknown) => e instanceof InvalidInputError && e.code === 'token_expiry_invalid',
          );
        }
      });

      void it('keeps admin tokens off every SCIM connection', async () => {
        const admin = await tokens.create({ kind: 'admin', name: 'ops' });
        assert.equal(admin.record.connectionId, null);
        assert.equal(await tokens.verify(admin.token, 'tok-a'), null);
        assert.deepEqual(await tokens.verifyAdmin(admin.token), {
          tokenId: admin.record.id,
          expiresAt: null,
        });
        const scim = await tokens.create({ kind: 'scim', connectionId: 'tok-a' });
        assert.equal(await tokens.verifyAdmin(scim.token), null);
      });

      void it('records last use at most once a minute', async () => {
        const issued = await tokens.create({ kind: 'scim', connectionId: 'tok-b' });
        const lastUsed = async () => (await tokens.get(issued.record.id))?.lastUsedAt;
        await tokens.verify(issued.token, 'tok-b');
        const first = clock.now().toISOString();
        assert.equal(await lastUsed(), first);
        clock.advance(LAST_USED_RESOLUTION_MS - 1);
        await tokens.verify(issued.token, 'tok-b');
        assert.equal(await lastUsed(), first);
        clock.advance(2);
        await tokens.verify(issued.token, 'tok-b');
        assert.equal(await lastUsed(), clock.now().toISOString());
      });

      void it('lists tokens newest first, filtered by connection, without hashes', async () => {
        await connections.create({ id: 'tok-list', app: 'directory' });
        const first = await tokens.create({ kind: 'scim', connectionId: 'tok-list', name: 'first' });
        clock.advance(5);
        const second = await tokens.create({ kind: 'scim', connectionId: 'tok-list', name: 'second' });
        const listed = await tokens.list({ connectionId: 'tok-list' });
        assert.deepEqual(
          listed.map((t) => t.id),
          [second.record.id, first.record.id],
        );
        for (const token of await tokens.list()) {
          assert.deepEqual(Object.keys(token).sort(), [
            'connectionId',
            'createdAt',
            'expiresAt',
            'id',
            'kind',
            'lastUsedAt',
            'name',
            'revokedAt',
          ]);
        }
      });
    });
  });
}
