// `roster task` and `roster connection set` as a user runs them: real child processes against a
// temporary SQLite data dir holding tasks, checked by stdout, stderr and exit code; the read-back of
// a completion is injected in-process, as an app's connector registers one.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createAuditLog, type AuditLog } from '../../store/audit-log.ts';
import {
  addTestConnections,
  openTestDatabase,
  type TestDatabase,
} from '../../store/testing/test-database.ts';
import { MAX_TASK_LIST_LIMIT } from '../../tasks/task-repository.ts';
import { TaskRepository } from '../../tasks/task-repository.ts';
import type { NewTask, Task } from '../../tasks/task.ts';
import type { CliContext } from '../context.ts';
import { runInProcess, runRoster, testEnvironment, type RosterRun } from '../testing/run-roster.ts';
import { MAX_LIMIT, taskCommand } from './task.ts';

const HOUR = 3_600_000;

function json<T = Record<string, unknown>>(run: RosterRun): T {
  return JSON.parse(run.stdout) as T;
}

function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    connectionId: 'acme',
    kind: 'grant_login',
    title: 'Grant Personio login access to Ada Lovelace',
    checklist: ['Open Ada in Personio', 'Enable login access'],
    accountId: 'acc-ada',
    dedupeKey: 'grant_login:acc-ada',
    actor: 'token:t1',
    ...overrides,
  };
}

void describe('roster task and connection set', { timeout: 300_000 }, () => {
  let test: TestDatabase;
  let audit: AuditLog;
  let tasks: TaskRepository;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    test = await openTestDatabase('sqlite');
    audit = createAuditLog({ db: test.db, dialect: 'sqlite' });
    tasks = new TaskRepository({ db: test.db, audit });
    env = testEnvironment({ ROSTER_DATA_DIR: test.dataDir });
    await addTestConnections(test.db, ['acme', 'other']);
  });
  after(async () => {
    await test?.close();
  });

  void it('prints help for each task command and for connection set, each offering --json', async () => {
    const commands = [
      ['task'],
      ['task', 'list'],
      ['task', 'show'],
      ['task', 'complete'],
      ['task', 'cancel'],
      ['connection', 'set'],
    ];
    const runs = await Promise.all(commands.map((c) => runInProcess([...c, '--help'], env)));
    runs.forEach((run, i) => {
      const name = ['roster', ...(commands[i] ?? [])].join(' ');
      assert.equal(run.code, 0, `${name} --help: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^Usage: ${name}`), name);
      if ((commands[i] ?? []).length === 2) assert.match(run.stdout, /--json/, `${name} offers --json`);
    });
  });

  void it('keeps its list limit equal to the repository maximum', () => {
    assert.equal(MAX_LIMIT, MAX_TASK_LIST_LIMIT);
  });

  void it('lists tasks as a table with overdue ones marked, filters them, and shows one', async () => {
    const late = await tasks.open(
      newTask({ dueAt: new Date(Date.now() - HOUR).toISOString(), assignee: 'it@acme.test' }),
    );
    const fine = await tasks.open(
      newTask({ kind: 'grant_role', dedupeKey: 'role:acc-ada', title: 'Give Ada the HR role' }),
    );
    const elsewhere = await tasks.open(newTask({ connectionId: 'other', dedupeKey: 'x' }));
    await tasks.cancel(elsewhere.id, { actor: 'cli', reason: 'not needed' });

    const [table, open, onlyOther, shown, shownJson] = await Promise.all([
      runRoster(['task', 'list'], env),
      runRoster(['task', 'list', '--open', '--json'], env),
      runRoster(['task', 'list', '--connection', 'other', '--json'], env),
      runRoster(['task', 'show', late.id], env),
      runRoster(['task', 'show', late.id, '--json'], env),
    ]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ID +STATE +DUE +KIND +TITLE +ASSIGNEE$/);
    assert.equal(lines.length, 4);
    const lateLine = lines.find((l) => l.startsWith(late.id)) ?? '';
    assert.match(
      lateLine,
      /open +\d{4}-\d{2}-\d{2} \d{2}:\d{2}Z OVERDUE +grant_login +Grant Personio login access to Ada Lovelace +it@acme\.test/,
    );
    assert.doesNotMatch(lines.find((l) => l.startsWith(fine.id)) ?? '', /OVERDUE/);

    assert.equal(open.code, 0, open.stderr);
    const openPage = json<{ tasks: (Task & { isOverdue: boolean })[]; nextCursor: string | null }>(open);
    assert.deepEqual(
      openPage.tasks.map((t) => [t.id, t.isOverdue]),
      [
        [late.id, true],
        [fine.id, false],
      ],
    );
    assert.equal(openPage.nextCursor, null);
    assert.deepEqual(
      json<{ tasks: Task[] }>(onlyOther).tasks.map((t) => [t.id, t.state, t.cancelReason]),
      [[elsewhere.id, 'cancelled', 'not needed']],
    );

    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /\[ \] Open Ada in Personio\n {2}\[ \] Enable login access/);
    assert.match(shown.stdout, /assignee: +it@acme\.test/);
    assert.equal(json(shownJson)['id'], late.id);
  });

  void it('pages a long list with a cursor printed on stderr', async () => {
    const first = await runRoster(['task', 'list', '--limit', '1'], env);
    assert.equal(first.code, 0, first.stderr);
    const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const second = await runRoster(['task', 'list', '--limit', '1', '--cursor', cursor, '--json'], env);
    assert.equal(second.code, 0, second.stderr);
    const ids = json<{ tasks: Task[] }>(second).tasks.map((t) => t.id);
    assert.equal(ids.length, 1);
    assert.ok(!first.stdout.includes(ids[0] ?? '?'));
  });

  void it('completes and cancels open tasks with evidence, and refuses a second close or bad input', async () => {
    const task = await tasks.open(newTask({ dedupeKey: 'complete-me' }));
    const other = await tasks.open(newTask({ dedupeKey: 'cancel-me' }));
    const done = await runRoster(
      ['task', 'complete', task.id, '--note', 'enabled login access', '--as', 'grace', '--json'],
      env,
    );
    assert.equal(done.code, 0, done.stderr);
    const evidence = json<Task>(done).evidence;
    assert.equal(evidence?.completedBy, 'grace');
    assert.equal(evidence?.note, 'enabled login access');

    const [again, noReason, emptyNote, unknown, cancelled] = await Promise.all([
      runRoster(['task', 'complete', task.id, '--note', 'twice', '--json'], env),
      runRoster(['task', 'cancel', other.id], env),
      runRoster(['task', 'complete', other.id, '--note', ' ', '--json'], env),
      runRoster(['task', 'show', 'no-such-task', '--json'], env),
      runRoster(['task', 'cancel', other.id, '--reason', 'done by HR', '--json'], env),
    ]);
    assert.equal(again.code, 1);
    assert.equal(json<{ error: { code: string } }>(again).error.code, 'task_not_open');
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /--reason/);
    assert.equal(emptyNote.code, 2);
    assert.equal(json<{ error: { code: string } }>(emptyNote).error.code, 'task_invalid');
    assert.equal(unknown.code, 1);
    assert.equal(json<{ error: { code: string } }>(unknown).error.code, 'task_not_found');
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(json<Task>(cancelled).cancelReason, 'done by HR');

    const journal = await audit.list({ action: 'task.completed', limit: 100 });
    assert.ok(
      journal.some((e) => e.actor === 'grace' && (e.content as { taskId?: string }).taskId === task.id),
    );
  });

  void it('refuses to complete a task that needs a read-back when the app has none, saying how it closes', async () => {
    const task = await tasks.open(
      newTask({ dedupeKey: 'needs-read-back', expectation: { attribute: 'loginAccess', value: true } }),
    );
    const run = await runRoster(['task', 'complete', task.id, '--note', 'did it'], env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no read-back is available/);
    assert.match(run.stderr, /closes it by itself/);
    assert.equal((await tasks.get(task.id))?.state, 'open');
  });

  void it('completes a task with an expectation only when the injected read-back of its app agrees', async () => {
    const task = await tasks.open(
      newTask({ dedupeKey: 'read-back', expectation: { attribute: 'loginAccess', value: true } }),
    );
    let agrees = false;
    let sawConnection = '';
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const context: CliContext = { env, streams: { stdout, stderr: new PassThrough() } };
    const run = () =>
      taskCommand(context, {
        readBacks: {
          directory: ({ connection }) => {
            sawConnection = connection.id;
            return Promise.resolve(() =>
              Promise.resolve({ agrees, observed: `loginAccess = ${String(agrees)}` }),
            );
          },
        },
      }).parseAsync(['complete', task.id, '--note', 'enabled', '--json'], { from: 'user' });

    await assert.rejects(run(), { code: 'task_read_back_disagrees' });
    assert.equal(sawConnection, 'acme');
    assert.equal((await tasks.get(task.id))?.state, 'open');
    agrees = true;
    await run();
    assert.equal(JSON.parse(printed).state, 'done');
  });

  void it('sets a connection’s settings, checked by its connector, printing and journaling only the changed keys', async () => {
    const good = join(test.dataDir, 'settings.json');
    const bad = join(test.dataDir, 'bad.yaml');
    await writeFile(good, JSON.stringify({ pageSize: 50 }));
    await writeFile(bad, 'pageSize: 50\nbogus: true\n');

    const set = await runRoster(['connection', 'set', 'acme', '--settings', good], env);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Updated settings of acme: pageSize/);
    const same = await runRoster(['connection', 'set', 'acme', '--settings', good, '--json'], env);
    assert.deepEqual(json(same)['changedSettings'], []);

    const refused = await runRoster(['connection', 'set', 'acme', '--settings', bad, '--json'], env);
    assert.equal(refused.code, 2);
    assert.equal(json<{ error: { code: string } }>(refused).error.code, 'connection_settings_invalid');
    const missing = await runRoster(['connection', 'set', 'ghost', '--settings', good, '--json'], env);
    assert.equal(missing.code, 1);
    assert.equal(json<{ error: { code: string } }>(missing).error.code, 'connection_not_found');

    const row = await test.db
      .selectFrom('connections')
      .select('settings')
      .where('id', '=', 'acme')
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.settings), { pageSize: 50 });
    const journal = await audit.list({ action: 'connection.settings', connectionId: 'acme', limit: 10 });
    assert.deepEqual(
      journal.map((e) => e.content),
      [
        { changedSettings: ['pageSize'], replacedSecrets: null },
        { changedSettings: [], replacedSecrets: null },
      ],
    );
  });
});
