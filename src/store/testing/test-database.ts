// Test databases: SQLite in a fresh temporary directory, or PostgreSQL in a fresh schema of
// TEST_DATABASE_URL; each is removed on close. Never exported from the store's index.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { openDatabase, type Dialect, type OpenDatabase } from '../database.ts';
import type { Database } from '../database-types.ts';

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

export function testDatabaseUrl(): string {
  return process.env['TEST_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
}

export interface TestDatabase extends OpenDatabase {
  /** SQLite: the temporary data directory. PostgreSQL: a directory for anything else the test writes. */
  readonly dataDir: string;
  /** PostgreSQL only: the schema holding this database's tables. */
  readonly postgresSchema?: string;
  /** PostgreSQL only: the URL the database was opened with. */
  readonly databaseUrl: string | null;
}

/** A migrated, empty database of the given dialect. Close it to drop it. */
export async function openTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'roster-test-'));
  if (dialect === 'sqlite') {
    const opened = await openDatabase({ databaseUrl: null, dataDir });
    return {
      ...opened,
      dataDir,
      databaseUrl: null,
      close: async () => {
        await opened.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const databaseUrl = testDatabaseUrl();
  const postgresSchema = `test_${randomBytes(6).toString('hex')}`;
  const opened = await openDatabase({ databaseUrl, dataDir, postgresSchema, poolSize: 5 });
  return {
    ...opened,
    dataDir,
    databaseUrl,
    postgresSchema,
    close: async () => {
      await opened.close();
      await dropSchema(databaseUrl, postgresSchema);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A fixed 32-byte root key for tests, as base64. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 0x5a).toString('base64');

/**
 * Connection rows for tests that need a connection to exist and nothing else about it: no settings,
 * no secrets, written directly (the connection repository's own tests cover creating them properly).
 */
export async function addTestConnections(
  db: Kysely<Database>,
  ids: readonly string[],
  app = 'directory',
  at = new Date().toISOString(),
): Promise<void> {
  await db
    .insertInto('connections')
    .values(
      ids.map((id) => ({
        id,
        app,
        display_name: id,
        settings: '{}',
        secrets: null,
        created_at: at,
        updated_at: at,
      })),
    )
    .execute();
}
