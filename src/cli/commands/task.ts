// `roster task list|show|complete|cancel`: the work Roster needs a person for (what an app's API
// cannot do), with due times, checklists and evidence of who did it.
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { NotFoundError } from '../../core/errors.ts';
import type { ReadBackResolvers } from '../../tasks/read-back.ts';
import { isOverdue, type Task } from '../../tasks/task.ts';
import type { Store } from '../../store/store.ts';
import { withStore, type CliContext } from '../context.ts';
import { createOutput, formatTable } from '../output.ts';

// Kept equal to the repository's MAX_TASK_LIST_LIMIT by a test; importing it would load the store for --help.
export const MAX_LIMIT = 500;
const DEFAULT_LIMIT = 100;
const TITLE_COLUMN_WIDTH = 60;

export interface TaskCommandOptions {
  /** Read-backs by app; defaults to the ones Roster ships (tasks/read-back-registry.ts). */
  readonly readBacks?: ReadBackResolvers;
  /** "Now" for marking overdue tasks; defaults to the wall clock. */
  readonly now?: () => Date;
}

export function taskCommand(context: CliContext, options: TaskCommandOptions = {}): Command {
  const now = options.now ?? (() => new Date());
  const command = new Command('task').description(
    'list, show, complete and cancel tasks: the work an app cannot do by API, done by a person',
  );

  command
    .command('list')
    .description('list tasks, oldest first: id, state, due time (overdue marked), kind, title, assignee')
    .option('--open', 'only open tasks')
    .option('--connection <id>', 'only tasks of this connection')
    .option('--limit <n>', `at most this many tasks, 1 to ${MAX_LIMIT}`, parseLimit, DEFAULT_LIMIT)
    .option('--cursor <cursor>', 'continue after the previous page (its printed cursor)')
    .option('--json', 'print {"tasks": [...], "nextCursor": ...} as one JSON document')
    .action(
      async (flags: {
        open?: boolean;
        connection?: string;
        limit: number;
        cursor?: string;
        json?: boolean;
      }) => {
        const output = createOutput(context.streams, flags.json === true);
        await withStore(context, async (store) => {
          const page = await store.tasks.list({
            limit: flags.limit,
            ...(flags.open === true ? { state: 'open' as const } : {}),
            ...(flags.connection === undefined ? {} : { connectionId: flags.connection }),
            ...(flags.cursor === undefined ? {} : { cursor: flags.cursor }),
          });
          const at = now();
          output.result(
            { tasks: page.tasks.map((t) => describeTask(t, at)), nextCursor: page.nextCursor },
            () => (page.tasks.length === 0 ? '' : formatTasks(page.tasks, at)),
          );
          if (output.isJson) return;
          if (page.tasks.length === 0) output.note(flags.open === true ? 'No open tasks.' : 'No tasks.');
          if (page.nextCursor !== null) output.note(`More tasks: add --cursor ${page.nextCursor}`);
        });
      },
    );

  command
    .command('show')
    .description('show one task with its checklist, details, expectation and evidence')
    .argument('<id>', 'task id, as `roster task list` shows it')
    .option('--json', 'print the task as one JSON document')
    .action(async (id: string, flags: { json?: boolean }) => {
      const output = createOutput(context.streams, flags.json === true);
      await withStore(context, async (store) => {
        const task = await store.tasks.get(id);
        if (task === null) {
          throw new NotFoundError('task_not_found', `no task has id "${id}"; roster task list shows them`);
        }
        const at = now();
        output.result(describeTask(task, at), () => formatTask(task, at));
      });
    });

  command
    .command('complete')
    .description(
      'mark an open task done, with a note as evidence; a task that expects a change the app can show ' +
        'is accepted only when reading the app back agrees',
    )
    .argument('<id>', 'task id')
    .requiredOption(
      '--note <text>',
      'what was done, kept as evidence, e.g. "login access enabled in Personio"',
    )
    .option('--as <name>', 'who did it (default: cli:<your user name>)')
    .option('--json', 'print the task as one JSON document')
    .action(async (id: string, flags: { note: string; as?: string; json?: boolean }) => {
      const output = createOutput(context.streams, flags.json === true);
      await withStore(context, async (store) => {
        const task = await store.tasks.get(id);
        const readBack =
          task !== null && task.expectation !== null && task.state === 'open'
            ? await readBackFor(store, task, options.readBacks)
            : undefined;
        const done = await store.tasks.complete(id, {
          actor: actorOf(flags.as),
          note: flags.note,
          ...(readBack === undefined ? {} : { readBack }),
        });
        output.result(describeTask(done, now()), () => `Completed task ${done.id}: ${done.title}`);
      });
    });

  command
    .command('cancel')
    .description('cancel an open task, with the reason')
    .argument('<id>', 'task id')
    .requiredOption('--reason <text>', 'why the work is not needed, e.g. "person left before the start date"')
    .option('--as <name>', 'who cancels it (default: cli:<your user name>)')
    .option('--json', 'print the task as one JSON document')
    .action(async (id: string, flags: { reason: string; as?: string; json?: boolean }) => {
      const output = createOutput(context.streams, flags.json === true);
      await withStore(context, async (store) => {
        const cancelled = await store.tasks.cancel(id, { actor: actorOf(flags.as), reason: flags.reason });
        output.result(
          describeTask(cancelled, now()),
          () => `Cancelled task ${cancelled.id}: ${cancelled.title}`,
        );
      });
    });

  return command;
}

/** The read-back registered for the task's connection app, or undefined (the repository then explains). */
async function readBackFor(store: Store, task: Task, injected: ReadBackResolvers | undefined) {
  const connection = await store.connections.get(task.connectionId);
  if (connection === null) return undefined;
  const { resolveReadBack } = await import('../../tasks/read-back.ts');
  const resolvers = injected ?? (await import('../../tasks/read-back-registry.ts')).READ_BACKS;
  return resolveReadBack(resolvers, {
    connection,
    readSecrets: () => store.connections.readSecrets(connection.id),
  });
}

function actorOf(name: string | undefined): string {
  if (name !== undefined) return name;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No passwd entry (some containers): the journal still says it came from the command line.
    return 'cli';
  }
}

/** The JSON form: the task plus whether it is overdue now. */
function describeTask(task: Task, now: Date) {
  return { ...task, isOverdue: isOverdue(task, now) };
}

function formatDue(task: Task, now: Date): string {
  // Minutes are precise enough for an SLA in hours and keep the column narrow.
  const due = `${task.dueAt.slice(0, 16).replace('T', ' ')}Z`;
  return isOverdue(task, now) ? `${due} OVERDUE` : due;
}

function formatTasks(tasks: readonly Task[], now: Date): string {
  return formatTable(
    ['ID', 'STATE', 'DUE', 'KIND', 'TITLE', 'ASSIGNEE'],
    tasks.map((t) => [t.id, t.state, formatDue(t, now), t.kind, abbreviate(t.title), t.assignee]),
  );
}

function formatTask(task: Task, now: Date): string {
  const lines = [
    `Task ${task.id}`,
    `  title:      ${task.title}`,
    `  kind:       ${task.kind}`,
    `  state:      ${task.state}`,
    `  connection: ${task.connectionId}`,
    `  account:    ${task.accountId ?? '-'}`,
    `  person:     ${task.personId ?? '-'}`,
    `  assignee:   ${task.assignee ?? '-'}`,
    `  due:        ${formatDue(task, now)}`,
    `  created:    ${task.createdAt}`,
  ];
  if (task.expectation !== null) {
    lines.push(
      `  closes when the app shows ${task.expectation.attribute} = ${JSON.stringify(task.expectation.value)}`,
    );
  }
  if (task.checklist.length > 0) {
    lines.push('Checklist:');
    const mark = task.state === 'done' ? '[x]' : '[ ]';
    for (const item of task.checklist) lines.push(`  ${mark} ${item}`);
  }
  const details = Object.entries(task.details);
  if (details.length > 0) {
    lines.push('Details:');
    for (const [key, value] of details) lines.push(`  ${key}: ${String(value)}`);
  }
  if (task.evidence !== null) {
    lines.push(`Done by ${task.evidence.completedBy} at ${task.evidence.completedAt}: ${task.evidence.note}`);
  }
  if (task.cancelReason !== null) lines.push(`Cancelled (${task.updatedAt}): ${task.cancelReason}`);
  return lines.join('\n');
}

function abbreviate(text: string): string {
  return text.length <= TITLE_COLUMN_WIDTH ? text : `${text.slice(0, TITLE_COLUMN_WIDTH - 1)}…`;
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_LIMIT) {
    throw new InvalidArgumentError(`the limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return n;
}
