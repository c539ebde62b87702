// Tasks on SQLite and PostgreSQL: opening is idempotent per connection and dedupe key (also when two
// openers race), due times follow the connection's SLA, closing needs an open task and, where the
// task has an expectation, a read-back that agrees; every step lands in the audit log.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ConflictError, NotFoundError, TaskReadBackError } from '../core/errors.ts';
import { createManualClock } from '../core/testing/manual-clock.ts';
import { createAuditLog, type AuditLog } from '../store/audit-log.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../store/testing/test-database.ts';
import type { NewTask } from './task.ts';
import { TaskRepository } from './task-repository.ts';

const T0 = new Date('2026-06-01T09:00:00.000Z');
const HOUR = 3_600_000;

function grantLogin(overrides: Partial<NewTask> = {}): NewTask {
  return {
    connectionId: 'personio',
    kind: 'grant_login',
    title: 'Grant Personio login access to Ada Lovelace',
    checklist: ['Open the employee in Personio', 'Enable login access'],
    accountId: 'acc-1',
    personId: 'p-1',
    dedupeKey: 'grant_login:acc-1',
    details: { email: 'ada@example.com' },
    actor: 'token:t1',
    ...overrides,
  };
}

for (const dialect of DIALECTS) {
  void describe(`tasks on ${dialect}`, { timeout: 120_000 }, () => {
    let test: TestDatabase;
    let audit: AuditLog;
    let tasks: TaskRepository;
    const clock = createManualClock(T0);

    before(async () => {
      test = await openTestDatabase(dialect);
      audit = createAuditLog({ db: test.db, dialect, clock });
      tasks = new TaskRepository({ db: test.db, audit, clock });
      const now = T0.toISOString();
      await test.db
        .insertInto('connections')
        .values([
          {
            id: 'personio',
            app: 'personio',
            display_name: 'Personio',
            settings: JSON.stringify({
              provisioning: { taskSlaHours: 8, defaultAssignee: 'it@example.com' },
            }),
            secrets: null,
            created_at: now,
            updated_at: now,
          },
          {
            id: 'dir',
            app: 'directory',
            display_name: 'dir',
            settings: '{}',
            secrets: null,
            created_at: now,
            updated_at: now,
          },
        ])
        .execute();
    });
    after(async () => {
      await test?.close();
    });
    /** The audit entries of one task and action, oldest first. */
    async function journalOf(taskId: string, action: string) {
      const entries = await audit.list({ action, limit: 1000 });
      return entries.filter((e) => (e.content as { taskId?: string } | null)?.taskId === taskId);
    }

    beforeEach(async () => {
      clock.set(T0);
      await test.db.deleteFrom('tasks').execute();
    });

    void it('opens a task due after the connection SLA, assigned to its default assignee, and journals it', async () => {
      const task = await tasks.open(grantLogin());
      assert.equal(task.state, 'open');
      assert.equal(task.dueAt, new Date(T0.getTime() + 8 * HOUR).toISOString());
      assert.equal(task.assignee, 'it@example.com');
      assert.deepEqual(task.checklist, ['Open the employee in Personio', 'Enable login access']);
      assert.equal(task.evidence, null);
      assert.deepEqual(await tasks.get(task.id), task);
      const [entry] = await journalOf(task.id, 'task.opened');
      assert.equal(entry?.actor, 'token:t1');
      assert.equal(entry?.accountId, 'acc-1');
      assert.equal(entry?.connectionId, 'personio');
    });

    void it('uses 24 hours and no assignee for a connection without task settings, and honours explicit values', async () => {
      const plain = await tasks.open(grantLogin({ connectionId: 'dir' }));
      assert.equal(plain.dueAt, new Date(T0.getTime() + 24 * HOUR).toISOString());
      assert.equal(plain.assignee, null);
      const explicit = await tasks.open(
        grantLogin({ dedupeKey: 'x', dueAt: '2026-06-02T12:00:00+02:00', assignee: 'grace@example.com' }),
      );
      assert.equal(explicit.dueAt, '2026-06-02T10:00:00.000Z');
      assert.equal(explicit.assignee, 'grace@example.com');
    });

    void it('returns the open task instead of opening a duplicate, also when two openers race', async () => {
      const first = await tasks.open(grantLogin());
      clock.advance(1000);
      const again = await tasks.open(grantLogin({ title: 'another title' }));
      assert.equal(again.id, first.id);
      assert.equal(again.title, first.title);
      await test.db.deleteFrom('tasks').execute();
      const raced = await Promise.all(Array.from({ length: 5 }, () => tasks.open(grantLogin())));
      assert.equal(new Set(raced.map((t) => t.id)).size, 1);
      assert.equal((await tasks.list({ connectionId: 'personio' })).tasks.length, 1);
      // The same key on another connection is other work.
      const other = await tasks.open(grantLogin({ connectionId: 'dir' }));
      assert.notEqual(other.id, raced[0]?.id);
    });

    void it('opens the same work again once the earlier task is closed', async () => {
      const first = await tasks.open(grantLogin());
      await tasks.complete(first.id, { actor: 'cli', note: 'done in Personio' });
      const second = await tasks.open(grantLogin());
      assert.notEqual(second.id, first.id);
      assert.equal(second.state, 'open');
    });

    void it('completes an open task with evidence and refuses to close it twice', async () => {
      const task = await tasks.open(grantLogin());
      clock.advance(HOUR);
      const done = await tasks.complete(task.id, { actor: 'admin-token:a1', note: 'login enabled' });
      assert.equal(done.state, 'done');
      assert.deepEqual(done.evidence, {
        completedBy: 'admin-token:a1',
        completedAt: new Date(T0.getTime() + HOUR).toISOString(),
        note: 'login enabled',
      });
      await assert.rejects(tasks.complete(task.id, { actor: 'cli', note: 'again' }), (e: unknown) => {
        assert.ok(e instanceof ConflictError);
        assert.equal(e.code, 'task_not_open');
        assert.match(e.message, /done \(by admin-token:a1/);
        return true;
      });
      await assert.rejects(tasks.cancel(task.id, { actor: 'cli', reason: 'x' }), { code: 'task_not_open' });
      await assert.rejects(tasks.closeVerified(task.id, 'seen'), { code: 'task_not_open' });
      const [entry] = await journalOf(task.id, 'task.completed');
      assert.equal(entry?.actor, 'admin-token:a1');
    });

    void it('answers task_not_found for an unknown id and task_invalid for an empty note', async () => {
      await assert.rejects(tasks.complete('nope', { actor: 'cli', note: 'n' }), (e: unknown) => {
        assert.ok(e instanceof NotFoundError);
        assert.equal(e.code, 'task_not_found');
        return true;
      });
      await assert.rejects(tasks.cancel('nope', { actor: 'cli', reason: 'r' }), { code: 'task_not_found' });
      const task = await tasks.open(grantLogin());
      await assert.rejects(tasks.complete(task.id, { actor: 'cli', note: '  ' }), { code: 'task_invalid' });
      assert.equal((await tasks.get(task.id))?.state, 'open');
    });

    void it('refuses to open a task for an unknown connection or with a secret-looking detail', async () => {
      await assert.rejects(tasks.open(grantLogin({ connectionId: 'ghost' })), {
        code: 'connection_not_found',
      });
      await assert.rejects(tasks.open(grantLogin({ details: { apiToken: 'x' } })), { code: 'task_invalid' });
      await assert.rejects(tasks.open(grantLogin({ kind: 'bogus' as never })), { code: 'task_invalid' });
      await assert.rejects(tasks.open(grantLogin({ dueAt: 'tomorrow' })), { code: 'task_invalid' });
      assert.equal((await tasks.list()).tasks.length, 0);
    });

    void it('keeps a task with an expectation open until a read-back agrees', async () => {
      const task = await tasks.open(grantLogin({ expectation: { attribute: 'loginAccess', value: true } }));
      await assert.rejects(tasks.complete(task.id, { actor: 'cli', note: 'did it' }), (e: unknown) => {
        assert.ok(e instanceof TaskReadBackError);
        assert.equal(e.code, 'task_read_back_unavailable');
        return true;
      });
      let seen: string | null = null;
      await assert.rejects(
        tasks.complete(task.id, {
          actor: 'cli',
          note: 'did it',
          readBack: (t) => {
            seen = t.id;
            return Promise.resolve({ agrees: false, observed: 'loginAccess = false' });
          },
        }),
        (e: unknown) => {
          assert.ok(e instanceof TaskReadBackError);
          assert.equal(e.code, 'task_read_back_disagrees');
          assert.equal(e.observed, 'loginAccess = false');
          assert.match(e.message, /loginAccess = true/);
          return true;
        },
      );
      assert.equal(seen, task.id);
      assert.equal((await tasks.get(task.id))?.state, 'open');
      const refused = await journalOf(task.id, 'task.completed');
      assert.deepEqual(
        refused.map((e) => e.outcome),
        ['read_back_disagrees'],
      );
      const done = await tasks.complete(task.id, {
        actor: 'cli',
        note: 'did it',
        readBack: () => Promise.resolve({ agrees: true, observed: 'loginAccess = true' }),
      });
      assert.equal(done.state, 'done');
      assert.equal(done.evidence?.note, 'did it');
    });

    void it('closes a task as verified by a read-back, naming roster and what it observed', async () => {
      const task = await tasks.open(grantLogin({ expectation: { attribute: 'loginAccess', value: true } }));
      const done = await tasks.closeVerified(task.id, 'loginAccess = true');
      assert.equal(done.state, 'done');
      assert.equal(done.evidence?.completedBy, 'roster');
      assert.match(done.evidence?.note ?? '', /loginAccess = true/);
      const [entry] = await journalOf(task.id, 'task.verified');
      assert.equal(entry?.actor, 'roster');
    });

    void it('cancels a task with a reason, and a superseded task automatically', async () => {
      const task = await tasks.open(grantLogin());
      const cancelled = await tasks.cancel(task.id, { actor: 'cli', reason: 'done by hand elsewhere' });
      assert.equal(cancelled.state, 'cancelled');
      assert.equal(cancelled.cancelReason, 'done by hand elsewhere');
      assert.equal(cancelled.evidence, null);

      const revoke = await tasks.open(grantLogin({ kind: 'revoke_login', dedupeKey: 'revoke_login:acc-1' }));
      assert.equal(await tasks.cancelSuperseded('personio', 'revoke_login:acc-1', 'user re-activated'), 1);
      assert.equal(await tasks.cancelSuperseded('personio', 'revoke_login:acc-1', 'user re-activated'), 0);
      const after = await tasks.get(revoke.id);
      assert.equal(after?.state, 'cancelled');
      assert.equal(after?.cancelReason, 'user re-activated');
      const [auto] = await journalOf(revoke.id, 'task.cancelled');
      assert.equal(auto?.actor, 'roster');
      assert.deepEqual(auto?.content, {
        taskId: revoke.id,
        kind: 'revoke_login',
        reason: 'user re-activated',
        superseded: true,
      });
    });

    void it('lets exactly one of two concurrent closers win', async () => {
      const task = await tasks.open(grantLogin());
      const results = await Promise.allSettled([
        tasks.complete(task.id, { actor: 'a', note: 'one' }),
        tasks.cancel(task.id, { actor: 'b', reason: 'two' }),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const rejected = results.find((r) => r.status === 'rejected');
      assert.equal((rejected?.reason as { code?: string }).code, 'task_not_open');
    });

    void it('lists by connection, state and account, page by page with cursors', async () => {
      const opened = [];
      for (let i = 0; i < 7; i += 1) {
        clock.advance(1);
        opened.push(
          await tasks.open(grantLogin({ dedupeKey: `k${i}`, accountId: i % 2 === 0 ? 'even' : 'odd' })),
        );
      }
      await tasks.open(grantLogin({ connectionId: 'dir', dedupeKey: 'k0' }));
      await tasks.cancel(opened[0]!.id, { actor: 'cli', reason: 'r' });

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<TaskRepository['list']>> = await tasks.list({
          connectionId: 'personio',
          limit: 3,
          ...(cursor === null ? {} : { cursor }),
        });
        assert.ok(page.tasks.length <= 3);
        seen.push(...page.tasks.map((t) => t.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      assert.deepEqual(
        seen,
        opened.map((t) => t.id),
      );

      const open = await tasks.list({ connectionId: 'personio', state: 'open' });
      assert.equal(open.tasks.length, 6);
      assert.equal(open.nextCursor, null);
      assert.equal((await tasks.list({ accountId: 'odd' })).tasks.length, 3);
      assert.equal((await tasks.list({ state: 'cancelled' })).tasks.length, 1);
      await assert.rejects(tasks.list({ cursor: 'garbage!' }), { code: 'task_invalid' });
      await assert.rejects(tasks.list({ limit: 0 }), { code: 'task_invalid' });
    });
  });
}
