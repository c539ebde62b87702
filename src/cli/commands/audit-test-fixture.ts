// Test fixture for the `roster audit` tests: a database of either dialect holding six journaled
// changes, and the environment that points a real `roster` process at it.
import { MAX_AUDIT_LIST_LIMIT, createAuditLog, type AuditLog } from '../../store/audit-log.ts';
import type { Dialect } from '../../store/database.ts';
import { TEST_SECRET_KEY, openTestDatabase, type TestDatabase } from '../../store/testing/test-database.ts';
import { testEnvironment, type RosterRun } from '../testing/run-roster.ts';

export { MAX_AUDIT_LIST_LIMIT };

export interface AuditFixture {
  readonly test: TestDatabase;
  readonly audit: AuditLog;
  /** For `runRoster`: the same database as `test`. */
  readonly env: NodeJS.ProcessEnv;
  /** The seqs of the six entries, in order. Entry n is about person-(n % 3), account-n. */
  readonly seqs: readonly number[];
}

export async function openAuditFixture(dialect: Dialect): Promise<AuditFixture> {
  const test = await openTestDatabase(dialect);
  const audit = createAuditLog({ db: test.db, dialect });
  const seqs: number[] = [];
  for (let n = 0; n < 6; n++) {
    const entry = await audit.append({
      actor: 'sync:hr-to-directory',
      action: n === 0 ? 'account.create' : 'account.update',
      outcome: 'applied',
      connectionId: n % 2 === 0 ? 'directory' : 'okta',
      syncId: n % 2 === 0 ? 'hr-to-directory' : 'hr-to-okta',
      personId: `person-${n % 3}`,
      accountId: `account-${n}`,
      content: { after: { title: `Title ${n}`, email: `person${n}@acme.test` } },
    });
    seqs.push(entry.seq);
  }
  return { test, audit, env: environmentFor(test), seqs };
}

function environmentFor(test: TestDatabase): NodeJS.ProcessEnv {
  if (test.databaseUrl === null) return testEnvironment({ ROSTER_DATA_DIR: test.dataDir });
  // The CLI reads one URL; the test's schema goes in as the connection's search_path.
  const url = new URL(test.databaseUrl);
  url.searchParams.set('options', `-c search_path=${test.postgresSchema ?? 'public'}`);
  return testEnvironment({
    DATABASE_URL: url.href,
    ROSTER_SECRET_KEY: TEST_SECRET_KEY,
    ROSTER_DATA_DIR: test.dataDir,
  });
}

/** Edits one entry's stored content behind the log's back, as someone with database access could. */
export async function tamperWithContent(
  test: TestDatabase,
  seq: number,
  from: string,
  to: string,
): Promise<void> {
  const row = await test.db
    .selectFrom('audit_events')
    .select('content')
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();
  await test.db
    .updateTable('audit_events')
    .set({ content: (row.content ?? '').replace(from, to) })
    .where('seq', '=', seq)
    .execute();
}

export function json<T = unknown>(run: RosterRun): T {
  return JSON.parse(run.stdout) as T;
}
