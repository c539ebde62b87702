// The task model: work for a person that a connector cannot do (Personio's API cannot grant login
// access or assign roles), its states, what a read-back must show, and the checks a new task passes.
import { InvalidInputError } from '../core/errors.ts';

export const TASK_KINDS = [
  'grant_login',
  'revoke_login',
  'grant_role',
  'revoke_role',
  'change_email',
  'review_warning',
  'apply_failed',
  'revoke_access',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_STATES = ['open', 'done', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** What a read-back of the app must show before the task may close, e.g. `{ attribute: 'loginAccess', value: true }`. */
export interface TaskExpectation {
  readonly attribute: string;
  readonly value: string | boolean | null;
}

/** Plain values describing the work; never secrets (keys that name one are refused). */
export type TaskDetails = Readonly<Record<string, string | number | boolean | null>>;

export interface NewTask {
  readonly connectionId: string;
  readonly kind: TaskKind;
  readonly title: string;
  readonly checklist: readonly string[];
  readonly accountId?: string | null | undefined;
  readonly personId?: string | null | undefined;
  /** Identifies the work within the connection: opening the same key while a task is open returns that task. */
  readonly dedupeKey: string;
  /** Unset or null: the connection's `provisioning.defaultAssignee`, if any. */
  readonly assignee?: string | null | undefined;
  /** ISO-8601 instant; unset: now plus the connection's `provisioning.taskSlaHours` (default 24). */
  readonly dueAt?: string | undefined;
  readonly details?: TaskDetails | undefined;
  /** When set, the task closes only once a read-back shows this. */
  readonly expectation?: TaskExpectation | null | undefined;
  /** Who asked, for the audit log: `token:<id>`, `admin-token:<id>`, `cli`, `roster`. */
  readonly actor: string;
}

/** Who closed a task as done, when, and their note (or what the read-back observed). */
export interface TaskEvidence {
  readonly completedBy: string;
  readonly completedAt: string;
  readonly note: string;
}

export interface Task {
  readonly id: string;
  readonly connectionId: string;
  readonly kind: TaskKind;
  readonly state: TaskState;
  readonly title: string;
  readonly checklist: readonly string[];
  readonly accountId: string | null;
  readonly personId: string | null;
  readonly dedupeKey: string;
  readonly assignee: string | null;
  /** ISO-8601 UTC. */
  readonly dueAt: string;
  readonly details: TaskDetails;
  readonly expectation: TaskExpectation | null;
  /** Set once the task is done; null while open and when cancelled. */
  readonly evidence: TaskEvidence | null;
  /** Set once the task is cancelled. */
  readonly cancelReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * Reads the app and says whether it shows the task's expectation. Supplied by the caller (the
 * connector's owner knows how to read its app); `observed` is a short description, never a secret.
 */
export type ReadBack = (task: Task) => Promise<{ agrees: boolean; observed: string }>;

export function isTaskKind(value: string): value is TaskKind {
  return (TASK_KINDS as readonly string[]).includes(value);
}

export function isTaskState(value: string): value is TaskState {
  return (TASK_STATES as readonly string[]).includes(value);
}

/** True when the task is open and its due time has passed. */
export function isOverdue(task: Pick<Task, 'state' | 'dueAt'>, now: Date): boolean {
  return task.state === 'open' && task.dueAt < now.toISOString();
}

export const MAX_TITLE_LENGTH = 200;
export const MAX_CHECKLIST_ITEMS = 50;
export const MAX_LINE_LENGTH = 500;
export const MAX_NOTE_LENGTH = 2000;
export const MAX_DEDUPE_KEY_LENGTH = 300;
export const MAX_DETAILS = 50;
// A guard, not a guarantee: callers must not put secrets in details, and a key naming one is refused.
const SECRET_KEY_PATTERN = /secret|password|passwd|token|api_?key|credential|private_?key/i;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f]/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function invalid(message: string): InvalidInputError {
  return new InvalidInputError('task_invalid', message);
}

/** A single line of text: non-empty, bounded, without control characters. */
export function checkLine(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(`a task's ${field} must be non-empty text`);
  if (value.length > max) throw invalid(`a task's ${field} must be at most ${max} characters`);
  if (CONTROL_CHARACTERS.test(value) || value.includes('\n')) {
    throw invalid(`a task's ${field} must be one line without control characters`);
  }
  return value;
}

/** A note or reason: may span lines, but no other control characters. */
export function checkText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(`a task's ${field} must be non-empty text`);
  if (value.length > MAX_NOTE_LENGTH)
    throw invalid(`a task's ${field} must be at most ${MAX_NOTE_LENGTH} characters`);
  if (CONTROL_CHARACTERS.test(value)) throw invalid(`a task's ${field} must not hold control characters`);
  return value;
}

/** Parses an ISO-8601 instant with a zone into the stored form, or throws task_invalid. */
export function checkInstant(value: string, field: string): string {
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw invalid(`a task's ${field} must be an ISO-8601 instant with a zone, not "${value}"`);
  return new Date(ms).toISOString();
}

/** Checks everything of a new task that does not depend on stored state. */
export function checkNewTask(task: NewTask): void {
  if (typeof task.kind !== 'string' || !isTaskKind(task.kind)) {
    throw invalid(`"${String(task.kind)}" is not a task kind; use one of ${TASK_KINDS.join(', ')}`);
  }
  checkLine(task.title, 'title', MAX_TITLE_LENGTH);
  checkLine(task.dedupeKey, 'dedupe key', MAX_DEDUPE_KEY_LENGTH);
  checkLine(task.actor, 'actor', MAX_TITLE_LENGTH);
  if (!Array.isArray(task.checklist) || task.checklist.length > MAX_CHECKLIST_ITEMS) {
    throw invalid(`a task's checklist must be a list of at most ${MAX_CHECKLIST_ITEMS} lines`);
  }
  for (const item of task.checklist) checkLine(item, 'checklist item', MAX_LINE_LENGTH);
  for (const field of ['accountId', 'personId', 'assignee'] as const) {
    const value = task[field];
    if (value !== undefined && value !== null) checkLine(value, field, MAX_TITLE_LENGTH);
  }
  if (task.dueAt !== undefined) checkInstant(task.dueAt, 'due time');
  const details = task.details ?? {};
  if (typeof details !== 'object' || Array.isArray(details))
    throw invalid("a task's details must be an object");
  const entries = Object.entries(details);
  if (entries.length > MAX_DETAILS) throw invalid(`a task may have at most ${MAX_DETAILS} details`);
  for (const [key, value] of entries) {
    checkLine(key, 'detail name', MAX_TITLE_LENGTH);
    if (SECRET_KEY_PATTERN.test(key)) {
      throw invalid(
        `a task's detail "${key}" looks like a secret; tasks are shown to people and journaled, so never hold secrets`,
      );
    }
    const isPlain =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!isPlain)
      throw invalid(`a task's detail "${key}" must be text, a finite number, true, false or null`);
    if (typeof value === 'string' && value.length > MAX_NOTE_LENGTH) {
      throw invalid(`a task's detail "${key}" must be at most ${MAX_NOTE_LENGTH} characters`);
    }
  }
  const expectation = task.expectation;
  if (expectation !== undefined && expectation !== null) {
    checkLine(expectation.attribute, 'expectation attribute', MAX_TITLE_LENGTH);
    const value: unknown = expectation.value;
    if (!(value === null || typeof value === 'string' || typeof value === 'boolean')) {
      throw invalid("a task's expectation value must be text, true, false or null");
    }
  }
}
