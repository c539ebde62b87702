// The audit log against SQLite and PostgreSQL: entries chain, tampering of every kind is found at the
// right seq, erasure keeps the chain verifying, and concurrent writers never fork it.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createManualClock } from '../core/testing/manual-clock.ts';
import { AUDIT_GENESIS_HASH, canonicalJson, hashEntry, sealContent } from './audit-log-chain.ts';
import { AUDIT_ERASURE_ACTION, createAuditLog, type AuditEventInput, type AuditLog } from './audit-log.ts';
import { openDatabase, type OpenDatabase } from './database.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from './testing/test-database.ts';

function event(n: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    actor: 'sync:hr-to-directory',
    action: 'account.update',
    outcome: 'applied',
    connectionId: 'directory',
    syncId: 'hr-to-directory',
    personId: `person-${n % 3}`,
    accountId: `account-${n}`,
    content: { before: { title: 'Engineer' }, after: { title: `Engineer ${n}` }, email: `p${n}@acme.test` },
    ...overrides,
  };
}

void describe('audit chain arithmetic', () => {
  void it('serialises content with sorted keys at every depth, so equal content digests alike', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: 'x' } }),
      canonicalJson({ a: { c: 'x', d: [1, { y: null, z: 0 }] }, b: 1 }),
    );
    assert.equal(canonicalJson({ b: 1, a: undefined, c: [undefined] }), '{"b":1,"c":[null]}');
    assert.equal(
      canonicalJson({ at: new Date('2026-01-01T00:00:00.000Z') }),
      '{"at":"2026-01-01T00:00:00.000Z"}',
    );
  });

  void it('refuses content JSON would silently alter', () => {
    assert.throws(() => canonicalJson({ n: Number.NaN }), RangeError);
    assert.throws(() => canonicalJson({ n: 1n }), TypeError);
    assert.throws(() => canonicalJson({ m: new Map([['a', 1]]) }), TypeError);
    assert.throws(() => canonicalJson({ f: () => 1 }), TypeError);
  });

  void it('salts the digest, so erased content cannot be confirmed by guessing it', () => {
    const a = sealContent({ email: 'ada@acme.test' });
    const b = sealContent({ email: 'ada@acme.test' });
    assert.notEqual(a.digest, b.digest);
    const salt = Buffer.alloc(16, 7);
    assert.equal(sealContent({ x: 1, y: 2 }, salt).digest, sealContent({ y: 2, x: 1 }, salt).digest);
  });

  void it('hashes every chained field, so changing any one changes the hash', () => {
    const fields = {
      prevHash: AUDIT_GENESIS_HASH,
      id: 'id',
      at: '2026-01-01T00:00:00.000Z',
      actor: 'cli',
      action: 'a',
      outcome: 'applied',
      connectionId: null,
      syncId: null,
      personId: 'p',
      accountId: null,
      contentDigest: 'd',
    };
    const base = hashEntry(fields);
    for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
      assert.notEqual(hashEntry({ ...fields, [key]: `${fields[key] ?? ''}x` }), base, key);
    }
    // A value moving from one field to its neighbour is a different entry.
    assert.notEqual(hashEntry({ ...fields, actor: 'clia', action: '' }), base);
  });
});

for (const dialect of DIALECTS) {
  void describe(`audit log on ${dialect}`, () => {
    let test: TestDatabase;
    let audit: AuditLog;
    const clock = createManualClock(new Date('2026-04-01T08:00:00.000Z'));

    before(async () => {
      test = await openTestDatabase(dialect);
      audit = createAuditLog({ db: test.db, dialect, clock });
    });
    after(async () => {
      await test?.close();
    });
    beforeEach(async () => {
      await test.db.deleteFrom('audit_events').execute();
    });

    async function appendMany(count: number): Promise<number[]> {
      const seqs: number[] = [];
      for (let n = 0; n < count; n++) {
        clock.advance(1000);
        seqs.push((await audit.append(event(n))).seq);
      }
      return seqs;
    }

    void it('chains each entry to the one before it, starting from the genesis value', async () => {
      const first = await audit.append(event(1));
      const second = await audit.append(event(2));
      assert.equal(first.prevHash, AUDIT_GENESIS_HASH);
      assert.equal(second.prevHash, first.hash);
      assert.ok(second.seq > first.seq);
      assert.deepEqual(first.content, event(1).content);
      assert.equal(first.isErased, false);
      assert.deepEqual(await audit.verify(), {
        ok: true,
        entries: 2,
        head: { seq: second.seq, hash: second.hash },
      });
    });

    void it('verifies an empty log', async () => {
      assert.deepEqual(await audit.verify(), { ok: true, entries: 0, head: null });
    });

    void it('returns each entry as stored, with ids null when not given', async () => {
      const appended = await audit.append({
        actor: 'cli',
        action: 'connection.add',
        outcome: 'applied',
        content: null,
      });
      const withDate = await audit.append({
        ...event(1),
        content: { at: new Date('2026-04-01T08:00:00.000Z'), skipped: undefined },
      });
      const [listed, listedWithDate] = await audit.list({ limit: 10 });
      assert.deepEqual(listed, appended);
      assert.deepEqual(listedWithDate, withDate);
      assert.deepEqual(withDate.content, { at: '2026-04-01T08:00:00.000Z' });
      assert.equal(listed?.connectionId, null);
      assert.equal(listed?.content, null);
    });

    void it('refuses malformed events without writing anything', async () => {
      await assert.rejects(audit.append({ ...event(1), actor: '' }), TypeError);
      await assert.rejects(
        audit.append({ ...event(1), content: { n: Number.POSITIVE_INFINITY } }),
        RangeError,
      );
      assert.deepEqual(await audit.list({ limit: 10 }), []);
    });

    void it('verifies across many batches without loading the whole log', async () => {
      const seqs = await appendMany(23);
      assert.deepEqual(await audit.verify({ batchSize: 5 }), {
        ok: true,
        entries: 23,
        head: { seq: seqs.at(-1), hash: (await audit.list({ limit: 1, afterSeq: seqs.at(-2)! }))[0]?.hash },
      });
    });

    void it('finds altered content at its seq', async () => {
      const seqs = await appendMany(6);
      const target = seqs[3]!;
      const row = await test.db
        .selectFrom('audit_events')
        .select('content')
        .where('seq', '=', target)
        .executeTakeFirstOrThrow();
      await test.db
        .updateTable('audit_events')
        .set({ content: row.content!.replace('Engineer 3', 'Director') })
        .where('seq', '=', target)
        .execute();
      const result = await audit.verify({ batchSize: 2 });
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.equal(result.brokenAt, target);
      assert.equal(result.problem, 'content_digest_mismatch');
      assert.equal(result.entries, 3);
      assert.match(result.reason, new RegExp(`entry ${target}`));
    });

    void it('finds altered content whose digest was recomputed, through the hash', async () => {
      const seqs = await appendMany(4);
      const forged = sealContent({ after: { title: 'Director' } });
      await test.db
        .updateTable('audit_events')
        .set({ content: forged.text, content_digest: forged.digest })
        .where('seq', '=', seqs[1]!)
        .execute();
      const result = await audit.verify();
      assert.ok(!result.ok);
      assert.equal(result.brokenAt, seqs[1]);
      assert.equal(result.problem, 'hash_mismatch');
    });

    void it('finds an altered hash at its seq', async () => {
      const seqs = await appendMany(5);
      await test.db
        .updateTable('audit_events')
        .set({ hash: 'f'.repeat(64) })
        .where('seq', '=', seqs[2]!)
        .execute();
      const result = await audit.verify({ batchSize: 3 });
      assert.ok(!result.ok);
      assert.equal(result.brokenAt, seqs[2]);
      assert.equal(result.problem, 'hash_mismatch');
    });

    void it('finds an altered field such as the actor at its seq', async () => {
      const seqs = await appendMany(3);
      await test.db
        .updateTable('audit_events')
        .set({ actor: 'admin:someone' })
        .where('seq', '=', seqs[0]!)
        .execute();
      const result = await audit.verify();
      assert.ok(!result.ok);
      assert.equal(result.brokenAt, seqs[0]);
      assert.equal(result.problem, 'hash_mismatch');
    });

    void it('finds a removed entry at the seq of the entry after it', async () => {
      const seqs = await appendMany(6);
      await test.db.deleteFrom('audit_events').where('seq', '=', seqs[2]!).execute();
      const result = await audit.verify({ batchSize: 2 });
      assert.ok(!result.ok);
      assert.equal(result.brokenAt, seqs[3]);
      assert.equal(result.problem, 'prev_hash_mismatch');
      assert.match(result.reason, new RegExp(`does not link to entry ${seqs[1]}`));
    });

    void it('finds a removed first entry', async () => {
      const seqs = await appendMany(3);
      await test.db.deleteFrom('audit_events').where('seq', '=', seqs[0]!).execute();
      const result = await audit.verify();
      assert.ok(!result.ok);
      assert.equal(result.brokenAt, seqs[1]);
      assert.equal(result.problem, 'prev_hash_mismatch');
    });

    void it('finds two reordered entries at the first of them', async () => {
      const seqs = await appendMany(5);
      const [a, b] = [seqs[1]!, seqs[2]!];
      // Swap the two rows' seq through a free value, as someone reordering the log by hand would.
      await test.db.updateTable('audit_events').set({ seq: -1 }).where('seq', '=', a).execute();
      await test.db.updateTable('audit_events').set({ seq: a }).where('seq', '=', b).execute();
      await test.db.updateTable('audit_events').set({ seq: b }).where('seq', '=', -1).execute();
      const result = await audit.verify();
      assert.ok(!result.ok);
      assert.equal(result.brokenAt, a);
      assert.equal(result.problem, 'prev_hash_mismatch');
    });

    void it('finds an inserted entry, even one with a valid hash of its own', async () => {
      const seqs = await appendMany(3);
      const last = await audit.list({ limit: 1, afterSeq: seqs[1]! });
      const forged = sealContent({ forged: true });
      const fields = {
        prevHash: last[0]!.prevHash,
        id: 'forged',
        at: '2026-04-01T08:00:01.500Z',
        actor: 'cli',
        action: 'account.delete',
        outcome: 'applied',
        connectionId: null,
        syncId: null,
        personId: null,
        accountId: null,
        contentDigest: forged.digest,
      };
      await test.db
        .insertInto('audit_events')
        .values({
          seq: seqs[1]! + 1000,
          id: fields.id,
          at: fields.at,
          actor: fields.actor,
          action: fields.action,
          outcome: fields.outcome,
          connection_id: null,
          sync_id: null,
          person_id: null,
          account_id: null,
          content: forged.text,
          content_digest: forged.digest,
          prev_hash: fields.prevHash,
          hash: hashEntry(fields),
        })
        .execute();
      // Placed last by seq, it links to the second entry, not to the third just before it.
      const result = await audit.verify();
      assert.ok(!result.ok);
      assert.equal(result.brokenAt, seqs[1]! + 1000);
    });

    void it('erases a person’s content and the chain still verifies', async () => {
      await appendMany(9);
      const before = await audit.list({ personId: 'person-1', limit: 100 });
      assert.equal(before.length, 3);
      const erasure = await audit.erasePerson('person-1', { actor: 'admin:dpo' });
      assert.equal(erasure.erasedEntries, 3);
      assert.equal(erasure.entry.action, AUDIT_ERASURE_ACTION);
      assert.equal(erasure.entry.actor, 'admin:dpo');
      assert.deepEqual(erasure.entry.content, { erasedEntries: 3 });

      const after = await audit.list({ personId: 'person-1', limit: 100 });
      assert.deepEqual(
        after.map((e) => [e.seq, e.isErased, e.content, e.contentDigest, e.hash]),
        [
          ...before.map((e) => [e.seq, true, null, e.contentDigest, e.hash]),
          [erasure.entry.seq, false, { erasedEntries: 3 }, erasure.entry.contentDigest, erasure.entry.hash],
        ],
      );
      const stored = await test.db
        .selectFrom('audit_events')
        .select('content')
        .where('person_id', '=', 'person-1')
        .execute();
      assert.ok(stored.every((r) => r.content === null || !r.content.includes('@acme.test')));
      // Other people keep their content.
      assert.ok((await audit.list({ personId: 'person-2', limit: 100 })).every((e) => !e.isErased));
      assert.deepEqual(await audit.verify({ batchSize: 4 }), {
        ok: true,
        entries: 10,
        head: { seq: erasure.entry.seq, hash: erasure.entry.hash },
      });

      // Erasing again erases nothing new, and keeps the first erasure's record.
      const again = await audit.erasePerson('person-1');
      assert.equal(again.erasedEntries, 0);
      assert.equal(
        (await audit.list({ action: AUDIT_ERASURE_ACTION, limit: 10 })).filter((e) => !e.isErased).length,
        2,
      );
      assert.equal((await audit.verify()).ok, true);
    });

    void it('still finds tampering after an erasure', async () => {
      const seqs = await appendMany(6);
      await audit.erasePerson('person-0');
      await test.db
        .updateTable('audit_events')
        .set({ content_digest: '0'.repeat(64) })
        .where('seq', '=', seqs[3]!)
        .execute();
      const result = await audit.verify();
      assert.ok(!result.ok);
      assert.equal(result.brokenAt, seqs[3]);
      assert.equal(result.problem, 'hash_mismatch');
    });

    void it('lists by person, connection, sync, action and time, in chain order, page by page', async () => {
      const seqs = await appendMany(9);
      await audit.append(event(9, { connectionId: 'okta', syncId: 'hr-to-okta', action: 'account.create' }));
      assert.deepEqual(
        (await audit.list({ personId: 'person-0', limit: 100 })).map((e) => e.accountId),
        ['account-0', 'account-3', 'account-6', 'account-9'],
      );
      assert.deepEqual(
        (await audit.list({ connectionId: 'okta', limit: 100 })).map((e) => e.accountId),
        ['account-9'],
      );
      assert.deepEqual(
        (await audit.list({ syncId: 'hr-to-okta', limit: 100 })).map((e) => e.accountId),
        ['account-9'],
      );
      assert.equal((await audit.list({ action: 'account.create', limit: 100 })).length, 1);
      assert.equal(
        (await audit.list({ since: new Date('2026-04-01T08:00:00.000Z'), limit: 100 })).length,
        10,
      );
      const newest = await audit.list({ limit: 100 });
      const since = new Date(newest.at(-3)!.at);
      assert.equal((await audit.list({ since, limit: 100 })).length, 3);
      const page1 = await audit.list({ limit: 4 });
      const page2 = await audit.list({ limit: 4, afterSeq: page1.at(-1)!.seq });
      assert.deepEqual(
        page1.map((e) => e.seq),
        seqs.slice(0, 4),
      );
      assert.deepEqual(
        page2.map((e) => e.seq),
        seqs.slice(4, 8),
      );
      await assert.rejects(audit.list({ limit: 0 }), RangeError);
      await assert.rejects(audit.list({ limit: 1001 }), RangeError);
    });

    void it('commits an entry with the change it describes, or neither', async () => {
      await test.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('leases')
          .values({ name: 'with-entry', holder: 'h', acquired_at: '', expires_at: '' })
          .execute();
        await audit.append(event(1), trx);
      });
      await assert.rejects(
        test.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('leases')
            .values({ name: 'rolled-back', holder: 'h', acquired_at: '', expires_at: '' })
            .execute();
          await audit.append(event(2), trx);
          throw new Error('apply failed');
        }),
        /apply failed/,
      );
      assert.equal((await audit.list({ limit: 10 })).length, 1);
      assert.deepEqual(
        (await test.db.selectFrom('leases').select('name').execute()).map((r) => r.name),
        ['with-entry'],
      );
      await test.db.deleteFrom('leases').execute();
      // An append after the rollback links to the committed entry, not the rolled-back one.
      await audit.append(event(3));
      assert.equal((await audit.verify()).ok, true);
    });

    void it('refuses a caller “transaction” that is not one', async () => {
      await assert.rejects(audit.append(event(1), test.db as never), TypeError);
    });

    void it('keeps one unbroken chain under 20 concurrent appends', async () => {
      await Promise.all(Array.from({ length: 20 }, (_, n) => audit.append(event(n))));
      assert.deepEqual(await audit.verify({ batchSize: 7 }).then((r) => r.ok && r.entries), 20);
    });

    if (dialect === 'postgres') {
      void it('keeps one unbroken chain under 20 concurrent appends from two database instances', async () => {
        const second: OpenDatabase = await openDatabase({
          databaseUrl: test.databaseUrl,
          dataDir: test.dataDir,
          postgresSchema: test.postgresSchema!,
          poolSize: 5,
        });
        try {
          const other = createAuditLog({ db: second.db, dialect, clock });
          await Promise.all(
            Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? audit : other).append(event(n))),
          );
          const result = await audit.verify();
          assert.deepEqual(result.ok && result.entries, 20);
        } finally {
          await second.close();
        }
      });

      void it('refuses to append in a transaction whose snapshot could miss the last entry', async () => {
        await assert.rejects(
          test.db
            .transaction()
            .setIsolationLevel('repeatable read')
            .execute((trx) => audit.append(event(1), trx)),
          /READ COMMITTED/,
        );
        assert.equal(
          (await sql<{ n: number }>`select count(*) as n from audit_events`.execute(test.db)).rows[0]?.n,
          0,
        );
      });
    }
  });
}
