// Seeds the directory in-process through the store and measures the rate: users through
// `ScimRepository.create`, then the bulk of them as the very rows `create` writes (checked against
// a row `create` wrote), and one group with 10,000 members through the repository.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { USER_RESOURCE_SCHEMA } from '../src/scim/attribute-resolver.ts';
import { normalizeResourceInput } from '../src/scim/resource-input.ts';
import { URN, type ScimResource } from '../src/scim/schema.ts';
import type { OpenDatabase } from '../src/store/database.ts';
import type { ScimResourceTable } from '../src/store/database-types.ts';
import { ScimRepository, foldKey } from '../src/store/scim-repository.ts';

const DEPARTMENTS = ['Sales', 'Engineering', 'People', 'Finance', 'Support'] as const;
const BULK_STATEMENT_ROWS = 500;
const BULK_TRANSACTION_ROWS = 10_000;
const REPOSITORY_CONCURRENCY = 8;
const NORMALIZE_SAMPLE_EVERY = 1000;

/** The userName of the `index`-th seeded user of a connection (`prefix` tells connections apart). */
export function benchUserName(prefix: string, index: number): string {
  return `${prefix}${String(index).padStart(6, '0')}@bench.example`;
}

/** A User as an IdP sends it on POST: core and enterprise attributes, one work email. */
export function benchUserBody(userName: string, index: number): ScimResource {
  const [local = userName] = userName.split('@');
  return {
    schemas: [URN.user, URN.enterpriseUser],
    userName,
    externalId: `ext-${local}`,
    name: { givenName: 'Bench', familyName: local, formatted: `Bench ${local}` },
    displayName: `Bench ${local}`,
    emails: [{ value: userName, type: 'work', primary: true }],
    title: 'Engineer',
    active: true,
    [URN.enterpriseUser]: {
      employeeNumber: String(index),
      department: DEPARTMENTS[index % DEPARTMENTS.length],
    },
  };
}

export interface SeedRate {
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
}

export interface SeedReport {
  /** Ids of the large connection's users, in seeding order. */
  readonly userIds: readonly string[];
  readonly groupId: string;
  /** Users of the small reference connection, through `ScimRepository.create`. */
  readonly repositoryCreate: SeedRate;
  /** Users of the large connection written as `create`'s rows, in multi-row inserts. */
  readonly bulkRows: SeedRate;
  /** The 10,000-member group, through `ScimRepository.create`. */
  readonly group: SeedRate;
  readonly totalSeconds: number;
}

export interface SeedOptions {
  readonly database: OpenDatabase;
  readonly largeConnection: string;
  readonly largeUsers: number;
  readonly smallConnection: string;
  readonly smallUsers: number;
  readonly groupMembers: number;
  /** Called between phases, for progress on stderr. */
  readonly progress: (message: string) => void;
}

export async function seedDirectory(options: SeedOptions): Promise<SeedReport> {
  const { database, progress } = options;
  const repository = new ScimRepository(database.db, database.dialect);
  const started = performance.now();

  // The small connection, user by user through the repository: the store's own create rate.
  let next = 0;
  const t0 = performance.now();
  const smallIds: string[] = [];
  const createOne = async (): Promise<void> => {
    for (let i = next++; i < options.smallUsers; i = next++) {
      const body = benchUserBody(benchUserName('small', i), i);
      const stored = await repository.create(
        options.smallConnection,
        'User',
        normalizeResourceInput(body, USER_RESOURCE_SCHEMA, 'create'),
      );
      smallIds.push(stored.id);
    }
  };
  await Promise.all(Array.from({ length: REPOSITORY_CONCURRENCY }, () => createOne()));
  const repositoryCreate = rate(options.smallUsers, performance.now() - t0);
  progress(
    `${options.smallUsers} users through ScimRepository.create: ${repositoryCreate.perSecond.toFixed(0)}/s`,
  );
  // Its users belong to a group as the large connection's first users do, so that a page of 100 in
  // either connection renders the same `groups` and only the connection's size differs.
  await repository.create(
    options.smallConnection,
    'Group',
    { schemas: [URN.group], displayName: 'Bench group of the small connection' },
    smallIds.map((value) => ({ value, type: 'User' as const })),
  );

  // The large connection: the first user through the repository, the rest as identical rows.
  const t1 = performance.now();
  const first = normalizeResourceInput(
    benchUserBody(benchUserName('user', 0), 0),
    USER_RESOURCE_SCHEMA,
    'create',
  );
  const created = await repository.create(options.largeConnection, 'User', first);
  await assertSameRowFormat(database, created.id, bulkRow(options.largeConnection, first, created.created));
  const userIds: string[] = [created.id];
  let batch: Omit<ScimResourceTable, 'seq'>[] = [];
  const flush = async (): Promise<void> => {
    const rows = batch;
    batch = [];
    await database.db.transaction().execute(async (tx) => {
      for (let i = 0; i < rows.length; i += BULK_STATEMENT_ROWS)
        await tx
          .insertInto('scim_resources')
          .values(rows.slice(i, i + BULK_STATEMENT_ROWS))
          .execute();
    });
  };
  for (let i = 1; i < options.largeUsers; i++) {
    const data = benchUserBody(benchUserName('user', i), i);
    // The bodies are already in the form `normalizeResourceInput` stores (it costs ~0.1 ms a user,
    // most of the seeding time), so only a sample goes through it, to prove that still holds.
    if (i % NORMALIZE_SAMPLE_EVERY === 0) assertNormalized(data);
    const row = bulkRow(options.largeConnection, data, new Date().toISOString());
    userIds.push(row.id);
    batch.push(row);
    if (batch.length === BULK_TRANSACTION_ROWS) {
      await flush();
      if (i % 50_000 < BULK_TRANSACTION_ROWS) progress(`${i + 1} users written`);
    }
  }
  if (batch.length > 0) await flush();
  const bulkRows = rate(options.largeUsers, performance.now() - t1);
  progress(`${options.largeUsers} users as create's rows: ${bulkRows.perSecond.toFixed(0)}/s`);

  // The group through the repository: membership inserts are chunked there.
  const t2 = performance.now();
  const group = await repository.create(
    options.largeConnection,
    'Group',
    { schemas: [URN.group], displayName: `Bench group of ${options.groupMembers}` },
    userIds.slice(0, options.groupMembers).map((value) => ({ value, type: 'User' as const })),
  );
  const groupRate = rate(options.groupMembers, performance.now() - t2);
  progress(`group with ${options.groupMembers} members: ${groupRate.seconds.toFixed(1)} s`);

  // Autovacuum would vacuum and analyse the new rows within a minute or so (setting the visibility
  // map that index-only scans need); do it now so the measured plans are the steady-state ones.
  if (database.dialect === 'postgres')
    await sql`vacuum (analyze) scim_resources, group_members`.execute(database.db);

  return {
    userIds,
    groupId: group.id,
    repositoryCreate,
    bulkRows,
    group: groupRate,
    totalSeconds: (performance.now() - started) / 1000,
  };
}

function assertNormalized(body: ScimResource): void {
  const stored = JSON.stringify(normalizeResourceInput(body, USER_RESOURCE_SCHEMA, 'create'));
  if (stored !== JSON.stringify(body))
    throw new Error(
      `normalizeResourceInput changes the seeding bodies now (${stored}); update bench/scim-seed.ts`,
    );
}

/** The row `ScimRepository.create` writes for a User (see its `indexedColumns`). */
function bulkRow(connectionId: string, data: ScimResource, now: string): Omit<ScimResourceTable, 'seq'> {
  const userName = typeof data['userName'] === 'string' ? data['userName'] : null;
  return {
    connection_id: connectionId,
    id: randomUUID(),
    resource_type: 'User',
    user_name: userName,
    user_name_key: userName === null ? null : foldKey(userName),
    display_name: typeof data['displayName'] === 'string' ? data['displayName'] : null,
    display_name_key: null,
    external_id: typeof data['externalId'] === 'string' ? data['externalId'] : null,
    active: data['active'] === false ? 0 : 1,
    data: JSON.stringify(data),
    version: 1,
    created_at: now,
    last_modified: now,
  };
}

/**
 * Refuses to seed when the bulk row for a user differs from the row `create` stored for it in any
 * column but the generated ones: the benchmark must measure the rows the server itself writes.
 */
async function assertSameRowFormat(
  database: OpenDatabase,
  createdId: string,
  expected: Omit<ScimResourceTable, 'seq'>,
): Promise<void> {
  const stored = await database.db
    .selectFrom('scim_resources')
    .selectAll()
    .where('id', '=', createdId)
    .executeTakeFirstOrThrow();
  const generated = new Set(['seq', 'id']);
  const differences = Object.keys(stored)
    .filter((column) => !generated.has(column))
    .filter((column) => {
      const a = (stored as unknown as Record<string, unknown>)[column];
      const b = (expected as unknown as Record<string, unknown>)[column];
      return column === 'data' ? canonicalJson(a) !== canonicalJson(b) : a !== b;
    });
  if (differences.length > 0)
    throw new Error(
      `the bulk seeding rows no longer match ScimRepository.create (columns ${differences.join(', ')}); update bench/scim-seed.ts`,
    );
}

/** JSON text with object keys sorted at every level (jsonb does not keep key order). */
function canonicalJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, inner]) => [k, sortKeys(inner)]),
    );
  };
  return JSON.stringify(sortKeys(typeof value === 'string' ? JSON.parse(value) : value));
}

function rate(count: number, ms: number): SeedRate {
  return { count, seconds: ms / 1000, perSecond: (count * 1000) / Math.max(ms, 1) };
}
