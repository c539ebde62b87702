// Opens the one database Roster runs on (embedded SQLite by default, PostgreSQL with DATABASE_URL)
// and brings its schema up to date before anything else touches it.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type MigrationResultSet,
  type SqliteDialectConfig,
} from 'kysely';
import type pg from 'pg';
import { DatabaseError } from '../core/errors.ts';
import type { Database } from './database-types.ts';
import { migrations } from './migrations/index.ts';

export type Dialect = 'sqlite' | 'postgres';

/** Where the database lives. `Config` satisfies this shape, so `openDatabase(config)` works. */
export interface DatabaseOptions {
  /** A postgres:// URL, or null for SQLite in `dataDir`. */
  readonly databaseUrl: string | null;
  /** Holds `roster.db` on SQLite; created (mode 0700) when missing. */
  readonly dataDir: string;
  /**
   * PostgreSQL only: the schema every table lives in (its `search_path`), created when missing.
   * Tests use one schema per test file; production leaves it unset (the URL's default, `public`).
   */
  readonly postgresSchema?: string;
  /** PostgreSQL only: most pooled connections per process. */
  readonly poolSize?: number;
  /** Receives errors of idle pooled connections, which have no request to fail. */
  readonly onBackgroundError?: (error: Error) => void;
}

/** An open database. `close` waits for running queries and releases every connection. */
export interface OpenDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

/** SQLite waits this long for another writer (the CLI beside a running server) before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** SQL function registered on every SQLite connection: Unicode lower-case, as `String#toLowerCase`. */
export const SQLITE_FOLD_FUNCTION = 'roster_fold';
// Starting instances may wait behind another one's migration, which can take longer than a write.
const SQLITE_MIGRATION_BUSY_TIMEOUT_MS = 120_000;
const POSTGRES_SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

// PostgreSQL type oids (pg_type.oid).
const PG_INT8 = 20;
const PG_JSON = 114;
const PG_JSONB = 3802;

/**
 * Opens the database and runs pending migrations. Safe to call from several processes at once:
 * migrations run under a lock (SQLite: an immediate transaction; PostgreSQL: an advisory lock).
 *
 * @throws DatabaseError `database_unavailable` when it cannot be opened or reached,
 *   `migration_failed` when the schema cannot be brought up to date.
 */
export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  return options.databaseUrl === null
    ? openSqlite(options.dataDir)
    : openPostgres(options.databaseUrl, options);
}

async function openSqlite(dataDir: string): Promise<OpenDatabase> {
  const file = join(dataDir, 'roster.db');
  let sqlite: SqliteDatabase.Database;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // The database holds personal data and token hashes: create it owner-only. SQLite gives its
    // -wal and -shm files the same permissions as the database file.
    closeSync(openSync(file, 'a', 0o600));
    sqlite = new SqliteDatabase(file);
  } catch (cause) {
    throw new DatabaseError(
      'database_unavailable',
      `cannot open the SQLite database ${file}: ${messageOf(cause)}. Check that ROSTER_DATA_DIR is writable.`,
      { cause },
    );
  }
  try {
    // busy_timeout first: switching to WAL takes a lock another starting process may hold.
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // WAL lets the CLI and readers work beside a running server's writes.
    sqlite.pragma('journal_mode = WAL');
    // FULL syncs the WAL on every commit, so an acknowledged write survives power loss, not only a
    // killed process (NORMAL would survive kill -9 but may lose the last commits on power loss).
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    // SQLite's lower() folds ASCII only; SCIM's case-insensitive comparisons need the same Unicode
    // folding the application uses for its stored keys (String#toLowerCase), as PostgreSQL's lower().
    sqlite.function(SQLITE_FOLD_FUNCTION, { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? value.toLowerCase() : value,
    );
  } catch (cause) {
    sqlite.close();
    throw new DatabaseError(
      'database_unavailable',
      `cannot prepare the SQLite database ${file}: ${messageOf(cause)}`,
      { cause },
    );
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  try {
    await migrateSqlite(db, sqlite);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

async function migrateSqlite(db: Kysely<Database>, sqlite: SqliteDatabase.Database): Promise<void> {
  // Kysely takes no migration lock on SQLite and runs migrations outside a transaction. Holding
  // BEGIN IMMEDIATE on the shared handle around the Migrator makes the whole run one atomic write
  // that other processes wait for; they then find nothing left to do.
  if (isSqliteUpToDate(sqlite)) return;
  sqlite.pragma(`busy_timeout = ${SQLITE_MIGRATION_BUSY_TIMEOUT_MS}`);
  try {
    sqlite.exec('BEGIN IMMEDIATE');
  } catch (cause) {
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    throw new DatabaseError(
      'migration_failed',
      `cannot lock the database to migrate it: ${messageOf(cause)}`,
      {
        cause,
      },
    );
  }
  try {
    const result = await new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      // Migrations are numbered when work starts and may land out of order (0004 after 0005):
      // a database that ran the later one still runs the earlier one instead of refusing.
      allowUnorderedMigrations: true,
    }).migrateToLatest();
    throwOnMigrationError(result);
    sqlite.exec('COMMIT');
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  } finally {
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }
}

/** True when every known migration is recorded: opening then needs no write lock at all. */
function isSqliteUpToDate(sqlite: SqliteDatabase.Database): boolean {
  const table = sqlite
    .prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'")
    .get();
  if (table === undefined) return false;
  const applied = new Set(
    (sqlite.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name),
  );
  const known = Object.keys(migrations);
  // An unknown applied migration means a newer Roster migrated this file: let the Migrator say so.
  return applied.size === known.length && known.every((name) => applied.has(name));
}

/**
 * SQLite's default BEGIN is deferred: a transaction that reads and then writes can fail at once
 * with SQLITE_BUSY when another process wrote in between, without waiting for busy_timeout.
 * BEGIN IMMEDIATE takes the write lock up front, so concurrent writers queue instead. Within one
 * process Kysely already serialises everything on the single connection, so this costs nothing.
 */
/**
 * Kysely prepares a statement for every query, and compiling SQL is a large share of a short query's
 * cost on SQLite. Statements are reusable (SQLite recompiles them itself after a schema change), so
 * keep the most recent ones. Roster never streams results, so no cached statement is ever busy.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, size = 256): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      const cached = cache.get(text);
      if (cached !== undefined) {
        // Most recently used last, so the oldest is evicted first.
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const statement = sqlite.prepare(text);
      cache.set(text, statement);
      if (cache.size > size) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return statement;
    },
  };
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<OpenDatabase> {
  const schema = options.postgresSchema;
  if (schema !== undefined && !POSTGRES_SCHEMA_PATTERN.test(schema)) {
    throw new DatabaseError('database_unavailable', `"${schema}" is not a valid PostgreSQL schema name`);
  }
  // Loaded only for PostgreSQL: SQLite deployments and short CLI runs skip the driver.
  const { default: postgres } = await import('pg');
  const pool = new postgres.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'roster',
    types: { getTypeParser: pgTypeParserFor(postgres.types) as typeof pg.types.getTypeParser },
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // Without a listener an idle connection's error (a database restart) would crash the process.
  pool.on('error', (error) => options.onBackgroundError?.(error));

  let currentSchema: string;
  try {
    const client = await pool.connect();
    try {
      if (schema !== undefined) {
        // Concurrent CREATE SCHEMA IF NOT EXISTS can still collide on PostgreSQL; serialise it.
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`roster:schema:${schema}`]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query('COMMIT');
      }
      const result = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      currentSchema = result.rows[0]?.schema ?? 'public';
    } finally {
      client.release();
    }
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new DatabaseError(
      'database_unavailable',
      `cannot connect to PostgreSQL at ${describePostgresUrl(url)}: ${messageOf(cause)}. Check DATABASE_URL and that the server is running.`,
      { cause },
    );
  }

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // Kysely's Migrator holds a session advisory lock on PostgreSQL while it migrates, in one
    // transaction. The migration tables are looked up in our schema only: otherwise a table of
    // that name in any other schema would count as present.
    if (!(await isPostgresUpToDate(pool, currentSchema))) {
      for (let attempt = 1; ; attempt++) {
        const result = await new Migrator({
          db,
          provider: { getMigrations: async () => migrations },
          migrationTableSchema: currentSchema,
          allowUnorderedMigrations: true,
        }).migrateToLatest();
        // Kysely's table introspection reads every schema of the database; one dropped meanwhile by
        // another client (3F000, invalid_schema_name) fails the whole look-up. It is transient: retry.
        if (result.error !== undefined && pgCodeOf(result.error) === '3F000' && attempt < 5) continue;
        throwOnMigrationError(result);
        break;
      }
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

function pgTypeParserFor(types: typeof pg.types) {
  return (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) => {
    // JSON stays text: rows type `data` as string, and the SCIM layer parses it once, where needed.
    if (oid === PG_JSONB || oid === PG_JSON) return (value) => value;
    if (oid === PG_INT8) return parseInt8;
    return types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  };
}

/** int8 (bigserial sequence numbers, count(*)) as a number; refuses values a double cannot hold. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds Number.MAX_SAFE_INTEGER`);
  return n;
}

function pgCodeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when every known migration is recorded in this schema: opening then migrates nothing. */
async function isPostgresUpToDate(pool: pg.Pool, schema: string): Promise<boolean> {
  try {
    const result = await pool.query<{ name: string }>(
      `SELECT name FROM ${quoteIdentifier(schema)}.kysely_migration`,
    );
    const applied = new Set(result.rows.map((r) => r.name));
    const known = Object.keys(migrations);
    return applied.size === known.length && known.every((name) => applied.has(name));
  } catch {
    return false; // no migration table yet
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function throwOnMigrationError(result: MigrationResultSet): void {
  if (result.error === undefined) return;
  const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
  const hint = /previously executed migration .* is missing/.test(messageOf(result.error))
    ? ' The database was migrated by a newer Roster version; run that version or restore a backup.'
    : '';
  throw new DatabaseError(
    'migration_failed',
    `${failed ? `migration ${failed} failed` : 'migrations failed'}: ${messageOf(result.error)}.${hint}`,
    { cause: result.error },
  );
}

/** host:port/database of a PostgreSQL URL, never its user or password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
