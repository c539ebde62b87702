// `roster audit verify|list` as a user runs them on SQLite: real child processes against a
// database the test fills through the store, checked by stdout, stderr and exit code. The
// PostgreSQL wiring is checked in audit-postgres.test.ts; the SQL of both is the store suite's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditLog } from '../../store/audit-log.ts';
import type { TestDatabase } from '../../store/testing/test-database.ts';
import { runInProcess, runRoster } from '../testing/run-roster.ts';
import { MAX_AUDIT_LIST_LIMIT, json, openAuditFixture, tamperWithContent } from './audit-test-fixture.ts';

const dialect = 'sqlite';

// Each case starts real processes; on a busy machine that takes longer than the default timeout.
void describe('roster audit', { timeout: 300_000 }, () => {
  let test: TestDatabase;
  let audit: AuditLog;
  let env: NodeJS.ProcessEnv;
  let seqs: readonly number[];

  before(async () => {
    ({ test, audit, env, seqs } = await openAuditFixture(dialect));
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
      runRoster(['audit', 'list', '--sync', 'hr-to-directory', '--action', 'account.update', '--json'], env),
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

  void it('pages with --limit and --after, filters with --since, and says how to read the next page', async () => {
    const [first, second, since, future] = await Promise.all([
      runRoster(['audit', 'list', '--limit', '4'], env),
      runRoster(['audit', 'list', '--limit', '4', '--after', String(seqs[3]), '--json'], env),
      runRoster(
        ['audit', 'list', '--since', '2000-01-01', '--limit', String(MAX_AUDIT_LIST_LIMIT), '--json'],
        env,
      ),
      runRoster(['audit', 'list', '--since', '2999-01-01T00:00:00Z', '--json'], env),
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trimEnd().split('\n').length, 5);
    assert.match(first.stderr, new RegExp(`--after ${seqs[3]}`));
    assert.deepEqual(
      json<{ seq: number }[]>(second).map((e) => e.seq),
      seqs.slice(4),
    );
    assert.equal(since.code, 0, since.stderr);
    assert.equal(json<unknown[]>(since).length, 6);
    assert.deepEqual(json(future), []);
  });

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
    await tamperWithContent(test, target, 'Title 3', 'Title X');

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
