// `roster audit verify|list` on PostgreSQL (DATABASE_URL): the commands reach the same log the store
// writes, and a broken chain exits 1. Output formats and arguments are covered in audit.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditLog } from '../../store/audit-log.ts';
import type { TestDatabase } from '../../store/testing/test-database.ts';
import { runRoster } from '../testing/run-roster.ts';
import { json, openAuditFixture, tamperWithContent } from './audit-test-fixture.ts';

// Each case starts real processes; on a busy machine that takes longer than the default timeout.
void describe('roster audit on PostgreSQL', { timeout: 300_000 }, () => {
  let test: TestDatabase;
  let audit: AuditLog;
  let env: NodeJS.ProcessEnv;
  let seqs: readonly number[];

  before(async () => {
    ({ test, audit, env, seqs } = await openAuditFixture('postgres'));
  });
  after(async () => {
    await test?.close();
  });

  void it('verifies the log and lists a person’s entries, erased content included', async () => {
    await audit.erasePerson('person-1', { actor: 'admin:dpo' });
    const [verify, listed] = await Promise.all([
      runRoster(['audit', 'verify', '--json'], env),
      runRoster(['audit', 'list', '--person', 'person-1', '--json'], env),
    ]);
    assert.equal(verify.code, 0, verify.stderr);
    assert.deepEqual(json<{ ok: boolean; entries: number }>(verify).entries, 7);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      json<{ accountId: string | null; action: string; isErased: boolean }[]>(listed).map((e) => [
        e.accountId,
        e.action,
        e.isErased,
      ]),
      [
        ['account-1', 'account.update', true],
        ['account-4', 'account.update', true],
        [null, 'person.erase', false],
      ],
    );
  });

  void it('exits 1 with the seq of the first broken entry', async () => {
    await tamperWithContent(test, seqs[2]!, 'Title 2', 'Title X');
    const run = await runRoster(['audit', 'verify', '--json'], env);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(json<{ ok: boolean; brokenAt: number; problem: string }>(run), {
      ...json<Record<string, unknown>>(run),
      ok: false,
      brokenAt: seqs[2],
      problem: 'content_digest_mismatch',
    });
  });
});
