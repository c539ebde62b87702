// Stored tasks: open (idempotent per connection and dedupe key), read, list with cursors, and close
// as done (with evidence, after a read-back where one can prove the change) or cancelled, each step
// journaled in the audit log in the same transaction as the change.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { systemClock, toTimestamp, type Clock } from '../core/clock.ts';
import { ConflictError, InvalidInputError, NotFoundError, TaskReadBackError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { Database, TaskTable } from '../store/database-types.ts';
import {
  MAX_TITLE_LENGTH,
  checkLine,
  checkNewTask,
  checkText,
  isTaskKind,
  isTaskState,
  type NewTask,
  type ReadBack,
  type Task,
  type TaskDetails,
  type TaskExpectation,
  type TaskState,
} from './task.ts';
import { decodeTaskCursor, encodeTaskCursor } from './task-cursor.ts';
import { readTaskSettings, type TaskSettings } from './task-settings.ts';

export interface TaskListFilter {
  readonly connectionId?: string | undefined;
  readonly state?: TaskState | undefined;
  readonly accountId?: string | undefined;
  /** 1 to MAX_TASK_LIST_LIMIT; default DEFAULT_TASK_LIST_LIMIT. */
  readonly limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

export interface TaskPage {
  /** Oldest first (ids are time-ordered). */
  readonly tasks: Task[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface TaskRepositoryDependencies {
  readonly db: Kysely<Database>;
  readonly audit: AuditLog;
  readonly clock?: Clock;
  /**
   * The task settings of a connection, for tasks opened without a due time or assignee. Default:
   * read from the stored connection's settings (`provisioning.taskSlaHours`, `.defaultAssignee`).
   */
  readonly settingsOf?: (connectionId: string) => Promise<TaskSettings>;
}

/** Audit actions, one per kind of step. */
export const TASK_AUDIT_ACTIONS = {
  opened: 'task.opened',
  completed: 'task.completed',
  cancelled: 'task.cancelled',
  verified: 'task.verified',
} as const;

/** The actor of steps Roster takes by itself (a superseded task, a read-back that agreed). */
export const ROSTER_ACTOR = 'roster';
export const DEFAULT_TASK_LIST_LIMIT = 100;
export const MAX_TASK_LIST_LIMIT = 500;
const HOUR_MS = 3_600_000;

export class TaskRepository {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditLog;
  readonly #clock: Clock;
  readonly #settingsOf: ((connectionId: string) => Promise<TaskSettings>) | undefined;

  constructor(deps: TaskRepositoryDependencies) {
    this.#db = deps.db;
    this.#audit = deps.audit;
    this.#clock = deps.clock ?? systemClock;
    this.#settingsOf = deps.settingsOf;
  }

  /**
   * Opens a task, or returns the open task with the same connection and dedupe key unchanged (a
   * retried write must not create a second task). The due time defaults to now plus the
   * connection's SLA, the assignee to its default assignee. Journals `task.opened`.
   *
   * @throws InvalidInputError `task_invalid`
   * @throws NotFoundError `connection_not_found`
   */
  async open(input: NewTask): Promise<Task> {
    checkNewTask(input);
    const existing = await this.#findOpen(this.#db, input.connectionId, input.dedupeKey);
    if (existing) return existing;
    const settings = await this.#settings(input.connectionId);
    return this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      const nowText = toTimestamp(now);
      const row: Selectable<TaskTable> = {
        id: newId(this.#clock),
        connection_id: input.connectionId,
        kind: input.kind,
        state: 'open',
        title: input.title,
        checklist: JSON.stringify(input.checklist),
        account_id: input.accountId ?? null,
        person_id: input.personId ?? null,
        dedupe_key: input.dedupeKey,
        due_at:
          input.dueAt === undefined
            ? toTimestamp(new Date(now.getTime() + settings.slaHours * HOUR_MS))
            : new Date(input.dueAt).toISOString(),
        assignee: input.assignee ?? settings.defaultAssignee,
        details: JSON.stringify(input.details ?? {}),
        expectation:
          input.expectation === undefined || input.expectation === null
            ? null
            : JSON.stringify({ attribute: input.expectation.attribute, value: input.expectation.value }),
        completed_by: null,
        completed_at: null,
        note: null,
        cancel_reason: null,
        created_at: nowText,
        updated_at: nowText,
      };
      // The partial unique index settles a race between two openers: the loser inserts nothing
      // (PostgreSQL waits for the winner's commit first) and returns the winner's task.
      const inserted = await trx
        .insertInto('tasks')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['connection_id', 'dedupe_key']).where('state', '=', sql.lit('open')).doNothing(),
        )
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
        const winner = await this.#findOpen(trx, input.connectionId, input.dedupeKey);
        if (winner) return winner;
        throw new Error(`task ${input.dedupeKey} of ${input.connectionId} neither inserted nor found`);
      }
      const task = toTask(row);
      await this.#audit.append(
        {
          actor: input.actor,
          action: TASK_AUDIT_ACTIONS.opened,
          outcome: 'applied',
          connectionId: task.connectionId,
          personId: task.personId,
          accountId: task.accountId,
          content: {
            taskId: task.id,
            kind: task.kind,
            title: task.title,
            dedupeKey: task.dedupeKey,
            dueAt: task.dueAt,
            assignee: task.assignee,
            expectation: task.expectation,
            details: task.details,
          },
        },
        trx,
      );
      return task;
    });
  }

  async get(id: string): Promise<Task | null> {
    const row = await this.#db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTask(row) : null;
  }

  /** @throws InvalidInputError `task_invalid` for a limit out of range or a cursor this list did not return */
  async list(filter: TaskListFilter = {}): Promise<TaskPage> {
    const limit = filter.limit ?? DEFAULT_TASK_LIST_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_TASK_LIST_LIMIT) {
      throw new InvalidInputError(
        'task_invalid',
        `a task list limit must be 1 to ${MAX_TASK_LIST_LIMIT}, not ${limit}`,
      );
    }
    let query = this.#db
      .selectFrom('tasks')
      .selectAll()
      .orderBy('id')
      .limit(limit + 1);
    if (filter.connectionId !== undefined) query = query.where('connection_id', '=', filter.connectionId);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
    if (filter.cursor !== undefined) query = query.where('id', '>', decodeTaskCursor(filter.cursor));
    const rows = await query.execute();
    const page = rows.slice(0, limit).map(toTask);
    const last = page.at(-1);
    return { tasks: page, nextCursor: rows.length > limit && last ? encodeTaskCursor(last.id) : null };
  }

  /**
   * Closes an open task as done, with the actor and note as evidence. A task with an expectation
   * needs `readBack`, and it must agree; otherwise the attempt is journaled and the task stays open.
   *
   * @throws NotFoundError `task_not_found`
   * @throws ConflictError `task_not_open`
   * @throws TaskReadBackError `task_read_back_unavailable`, `task_read_back_disagrees`
   * @throws InvalidInputError `task_invalid` for an empty note or actor
   */
  async complete(
    id: string,
    input: { actor: string; note: string; readBack?: ReadBack | undefined },
  ): Promise<Task> {
    checkLine(input.actor, 'actor', MAX_TITLE_LENGTH);
    const note = checkText(input.note, 'note');
    const task = await this.#getOpen(id);
    let observed: string | null = null;
    if (task.expectation !== null) {
      if (input.readBack === undefined) {
        throw new TaskReadBackError(
          'task_read_back_unavailable',
          `task ${id} closes only when reading the app back shows ${describeExpectation(task.expectation)}, ` +
            'and no read-back is available here; Roster closes it by itself once its next read shows the change',
          null,
        );
      }
      // Outside any transaction: a read-back is a network call and must not hold the write lock.
      const result = await input.readBack(task);
      observed = result.observed;
      if (!result.agrees) {
        await this.#audit.append({
          actor: input.actor,
          action: TASK_AUDIT_ACTIONS.completed,
          outcome: 'read_back_disagrees',
          connectionId: task.connectionId,
          personId: task.personId,
          accountId: task.accountId,
          content: { taskId: id, note, expectation: task.expectation, observed },
        });
        throw new TaskReadBackError(
          'task_read_back_disagrees',
          `task ${id} stays open: the app should show ${describeExpectation(task.expectation)}, ` +
            `but reading it back observed ${observed}; make the change in the app and complete it again`,
          observed,
        );
      }
    }
    return this.#close(id, {
      state: 'done',
      actor: input.actor,
      action: TASK_AUDIT_ACTIONS.completed,
      note,
      cancelReason: null,
      content: observed === null ? { note } : { note, observed },
    });
  }

  /**
   * Cancels an open task with a reason.
   * @throws NotFoundError `task_not_found`
   * @throws ConflictError `task_not_open`
   * @throws InvalidInputError `task_invalid` for an empty reason or actor
   */
  async cancel(id: string, input: { actor: string; reason: string }): Promise<Task> {
    checkLine(input.actor, 'actor', MAX_TITLE_LENGTH);
    const reason = checkText(input.reason, 'cancel reason');
    await this.#getOpen(id);
    return this.#close(id, {
      state: 'cancelled',
      actor: input.actor,
      action: TASK_AUDIT_ACTIONS.cancelled,
      note: null,
      cancelReason: reason,
      content: { reason },
    });
  }

  /**
   * Cancels the open task with this dedupe key because the state it worked towards is no longer
   * wanted (a user re-activated before their access was revoked). Journals each cancellation with
   * the reason, as `roster`. Resolves to how many tasks were cancelled: 0 or 1.
   */
  async cancelSuperseded(connectionId: string, dedupeKey: string, reason: string): Promise<number> {
    const checkedReason = checkText(reason, 'cancel reason');
    return this.#db.transaction().execute(async (trx) => {
      const open = await this.#findOpen(trx, connectionId, dedupeKey);
      if (!open) return 0;
      await this.#closeIn(trx, open, {
        state: 'cancelled',
        actor: ROSTER_ACTOR,
        action: TASK_AUDIT_ACTIONS.cancelled,
        note: null,
        cancelReason: checkedReason,
        content: { reason: checkedReason, superseded: true },
      });
      return 1;
    });
  }

  /**
   * Closes an open task as done because a read-back showed its expectation; the evidence names
   * `roster` and what was observed. Journals `task.verified`.
   * @throws NotFoundError `task_not_found`
   * @throws ConflictError `task_not_open`
   */
  async closeVerified(id: string, observed: string): Promise<Task> {
    const text = checkText(observed, 'observation');
    await this.#getOpen(id);
    return this.#close(id, {
      state: 'done',
      actor: ROSTER_ACTOR,
      action: TASK_AUDIT_ACTIONS.verified,
      note: `verified by read-back: ${text}`,
      cancelReason: null,
      content: { observed: text },
    });
  }

  async #settings(connectionId: string): Promise<TaskSettings> {
    if (this.#settingsOf) return this.#settingsOf(connectionId);
    const row = await this.#db
      .selectFrom('connections')
      .select('settings')
      .where('id', '=', connectionId)
      .executeTakeFirst();
    if (!row) {
      throw new NotFoundError(
        'connection_not_found',
        `no connection has id "${connectionId}"; roster connection list shows them`,
      );
    }
    return readTaskSettings(JSON.parse(row.settings) as Record<string, unknown>);
  }

  async #findOpen(
    db: Kysely<Database> | Transaction<Database>,
    connectionId: string,
    dedupeKey: string,
  ): Promise<Task | null> {
    const row = await db
      .selectFrom('tasks')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('dedupe_key', '=', dedupeKey)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return row ? toTask(row) : null;
  }

  async #getOpen(id: string): Promise<Task> {
    const task = await this.get(id);
    if (!task) throw notFound(id);
    if (task.state !== 'open') throw notOpen(task);
    return task;
  }

  #close(id: string, step: CloseStep): Promise<Task> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(id);
      return this.#closeIn(trx, toTask(row), step);
    });
  }

  async #closeIn(trx: Transaction<Database>, task: Task, step: CloseStep): Promise<Task> {
    const now = toTimestamp(this.#clock.now());
    const isDone = step.state === 'done';
    // Conditional on still being open: of two concurrent closers exactly one wins.
    const updated = await trx
      .updateTable('tasks')
      .set({
        state: step.state,
        completed_by: isDone ? step.actor : null,
        completed_at: isDone ? now : null,
        note: step.note,
        cancel_reason: step.cancelReason,
        updated_at: now,
      })
      .where('id', '=', task.id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      const current = await trx.selectFrom('tasks').selectAll().where('id', '=', task.id).executeTakeFirst();
      throw current ? notOpen(toTask(current)) : notFound(task.id);
    }
    await this.#audit.append(
      {
        actor: step.actor,
        action: step.action,
        outcome: 'applied',
        connectionId: task.connectionId,
        personId: task.personId,
        accountId: task.accountId,
        content: { taskId: task.id, kind: task.kind, ...step.content },
      },
      trx,
    );
    const row = await trx.selectFrom('tasks').selectAll().where('id', '=', task.id).executeTakeFirstOrThrow();
    return toTask(row);
  }
}

interface CloseStep {
  readonly state: Exclude<TaskState, 'open'>;
  readonly actor: string;
  readonly action: string;
  readonly note: string | null;
  readonly cancelReason: string | null;
  readonly content: Readonly<Record<string, unknown>>;
}

function notFound(id: string): NotFoundError {
  return new NotFoundError('task_not_found', `no task has id "${id}"; roster task list shows them`);
}

function notOpen(task: Task): ConflictError {
  const how =
    task.state === 'done'
      ? `done (by ${task.evidence?.completedBy ?? 'unknown'} at ${task.evidence?.completedAt ?? 'unknown'})`
      : `cancelled (${task.cancelReason ?? 'no reason given'})`;
  return new ConflictError('task_not_open', `task ${task.id} is ${how}; only open tasks can be closed`);
}

function describeExpectation(expectation: TaskExpectation): string {
  return `${expectation.attribute} = ${JSON.stringify(expectation.value)}`;
}

function toTask(row: Selectable<TaskTable>): Task {
  if (!isTaskKind(row.kind) || !isTaskState(row.state)) {
    throw new Error(`task ${row.id} has unknown kind ${row.kind} or state ${row.state}`);
  }
  const evidence =
    row.state === 'done' && row.completed_by !== null && row.completed_at !== null
      ? Object.freeze({ completedBy: row.completed_by, completedAt: row.completed_at, note: row.note ?? '' })
      : null;
  return Object.freeze({
    id: row.id,
    connectionId: row.connection_id,
    kind: row.kind,
    state: row.state,
    title: row.title,
    checklist: Object.freeze(JSON.parse(row.checklist) as string[]),
    accountId: row.account_id,
    personId: row.person_id,
    dedupeKey: row.dedupe_key,
    assignee: row.assignee,
    dueAt: row.due_at,
    details: Object.freeze(JSON.parse(row.details) as TaskDetails),
    expectation:
      row.expectation === null ? null : Object.freeze(JSON.parse(row.expectation) as TaskExpectation),
    evidence,
    cancelReason: row.cancel_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}
