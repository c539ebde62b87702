// `roster audit verify|list` as a user runs them: real child processes against a database the test
// fills through the store, on SQLite and PostgreSQL, checked by stdout, stderr and exit code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_AUDIT_LIST_LIMIT, createAuditLog, type AuditLog } from '../../store/audit-log.ts';
import {
  DIALECTS,
  TEST_SECRET_KEY,
  openTestDatabase,
  type TestDatabase,
} from '../../store/testing/test-database.ts';
import { runInProcess, runRoster, testEnvironment, type RosterRun } from '../testing/run-roster.ts';

function json<T = unknown>(run: RosterRun): T {
  return JSON.parse(run.stdout) as T;
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

for (const dialect of DIALECTS) {
  // Each case starts real processes; on a busy machine that takes longer than the default timeout.
  void describe(`roster audit on ${dialect}`, { timeout: 300_000 }, () => {
    let test: TestDatabase;
    let audit: AuditLog;
    let env: NodeJS.ProcessEnv;
    const seqs: number[] = [];

    before(async () => {
      test = await openTestDatabase(dialect);
      audit = createAuditLog({ db: test.db, dialect });
      env = environmentFor(test);
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
    });
    after(async () => {
      await test?.close();
    });

    // Runs start in parallel where they only read: each is a whole process, and they add up.
    void it('verifies an intact log, and lists entries as a table or JSON filtered by person, connection and sync', async () => {
      const [verify, verifyJson, table, byPerson, byConnection, bySync, none] = await Promise.all([
        runRoster(['audit', 'verify'], env),
        runRoster(['audit', 'verify', '--json'], env),
        runRoster(['audit', 'list'], env),
        runRoster(['audit', 'list', '--person', 'person-1', '--json'], env),
        runRoster(['audit', 'list', '--connection', 'okta', '--json'], env),
        runRoster(
          ['audit', 'list', '--sync', 'hr-to-directory', '--action', 'account.update', '--json'],
          env,
        ),
        runRoster(['audit', 'list', '--person', 'nobody'], env),
      ]);
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(
        verify.stdout,
        /^The audit log is intact: 6 entries verified\.\nLast entry: \d+, hash [0-9a-f]{64}\n$/,
      );
      assert.match(verify.stderr, /Keep the last hash somewhere else/);
      assert.equal(verifyJson.code, 0, verifyJson.stderr);
      const result = json<{ ok: boolean; entries: number; head: { seq: number; hash: string } }>(verifyJson);
      assert.equal(result.ok, true);
      assert.equal(result.entries, 6);
      assert.equal(result.head.seq, seqs.at(-1));

      assert.equal(table.code, 0, table.stderr);
      const lines = table.stdout.trimEnd().split('\n');
      assert.match(
        lines[0] ?? '',
        /^SEQ +AT +ACTOR +ACTION +OUTCOME +CONNECTION +SYNC +PERSON +ACCOUNT +CONTENT$/,
      );
      assert.equal(lines.length, 7);
      assert.match(
        lines[1] ?? '',
        /sync:hr-to-directory +account\.create +applied +directory +hr-to-directory +person-0 +account-0 +\{"after":/,
      );

      assert.equal(byPerson.code, 0, byPerson.stderr);
      assert.deepEqual(
        json<{ accountId: string }[]>(byPerson).map((e) => e.accountId),
        ['account-1', 'account-4'],
      );
      assert.deepEqual(
        json<{ accountId: string }[]>(byConnection).map((e) => e.accountId),
        ['account-1', 'account-3', 'account-5'],
      );
      assert.deepEqual(
        json<{ accountId: string }[]>(bySync).map((e) => e.accountId),
        ['account-2', 'account-4'],
      );
      const entry = json<Record<string, unknown>[]>(bySync)[0] ?? {};
      assert.deepEqual(entry['content'], { after: { title: 'Title 2', email: 'person2@acme.test' } });
      assert.equal(entry['isErased'], false);
      assert.match(String(entry['hash']), /^[0-9a-f]{64}$/);

      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, '');
      assert.match(none.stderr, /No audit entries match/);
    });

    if (dialect === 'sqlite') {
      // Paging is the same SQL on both dialects (the store suite covers it there); once is enough here.
      void it('pages with --limit and --after, filters with --since, and says how to read the next page', async () => {
        const [first, second, since, future, largest] = await Promise.all([
          runRoster(['audit', 'list', '--limit', '4'], env),
          runRoster(['audit', 'list', '--limit', '4', '--after', String(seqs[3]), '--json'], env),
          runRoster(['audit', 'list', '--since', '2000-01-01', '--json'], env),
          runRoster(['audit', 'list', '--since', '2999-01-01T00:00:00Z', '--json'], env),
          runRoster(['audit', 'list', '--limit', String(MAX_AUDIT_LIST_LIMIT), '--json'], env),
        ]);
        assert.equal(first.code, 0, first.stderr);
        assert.equal(first.stdout.trimEnd().split('\n').length, 5);
        assert.match(first.stderr, new RegExp(`--after ${seqs[3]}`));
        assert.deepEqual(
          json<{ seq: number }[]>(second).map((e) => e.seq),
          seqs.slice(4),
        );
        assert.equal(json<unknown[]>(since).length, 6);
        assert.deepEqual(json(future), []);
        assert.equal(largest.code, 0, largest.stderr);
        assert.equal(json<unknown[]>(largest).length, 6);
      });
    }

    void it('shows erased content as erased, and the chain still verifies', async () => {
      await audit.erasePerson('person-2', { actor: 'admin:dpo' });
      const [table, verify] = await Promise.all([
        runRoster(['audit', 'list', '--person', 'person-2'], env),
        runRoster(['audit', 'verify', '--json'], env),
      ]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /account-2 +\(erased\)/);
      assert.match(table.stdout, /admin:dpo +person\.erase +applied/);
      assert.ok(!table.stdout.includes('person2@acme.test'));
      assert.equal(verify.code, 0, verify.stderr);
      assert.equal(json<{ entries: number }>(verify).entries, 7);
    });

    void it('exits 1 naming the first broken entry and why when the log was tampered with', async () => {
      const target = seqs[3]!;
      const row = await test.db
        .selectFrom('audit_events')
        .select('content')
        .where('seq', '=', target)
        .executeTakeFirstOrThrow();
      await test.db
        .updateTable('audit_events')
        .set({ content: row.content!.replace('Title 3', 'Title X') })
        .where('seq', '=', target)
        .execute();

      const [run, asJson] = await Promise.all([
        runRoster(['audit', 'verify'], env),
        runRoster(['audit', 'verify', '--json'], env),
      ]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(`^The audit log is broken at entry ${target} \\(content_digest_mismatch\\)`),
      );
      assert.match(run.stdout, /changed after it was written/);
      assert.match(run.stdout, /The 3 entries before it verified/);
      assert.match(run.stderr, /Keep the database as it is/);

      assert.equal(asJson.code, 1, asJson.stderr);
      const body = json<Record<string, unknown>>(asJson);
      assert.equal(body['ok'], false);
      assert.equal(body['brokenAt'], target);
      assert.equal(body['problem'], 'content_digest_mismatch');
      assert.equal(body['entries'], 3);
      assert.match(String(body['reason']), new RegExp(`entry ${target}`));

      await test.db.deleteFrom('audit_events').where('seq', '=', target).execute();
      const removed = await runRoster(['audit', 'verify'], env);
      assert.equal(removed.code, 1, removed.stderr);
      assert.match(removed.stdout, new RegExp(`broken at entry ${seqs[4]} \\(prev_hash_mismatch\\)`));
    });
  });
}

// Argument checks end before any database is opened, so they run in this process, once.
void describe('roster audit list arguments', () => {
  void it('refuses a bad --limit, --after or --since as a usage error, with one JSON document', async () => {
    for (const args of [
      ['--limit', '0'],
      ['--limit', String(MAX_AUDIT_LIST_LIMIT + 1)],
      ['--limit', 'ten'],
      ['--after', '-3'],
      ['--since', 'yesterday'],
      ['--since', '2026-03-01T09:00'],
    ]) {
      const run = await runInProcess(['audit', 'list', ...args, '--json'], {});
      assert.equal(run.code, 2, args.join(' '));
      assert.equal(json<{ error: { code: string } }>(run).error.code, 'usage', args.join(' '));
    }
  });
});
