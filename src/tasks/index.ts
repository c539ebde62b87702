// Tasks: the model, the per-connection task settings, the repository and the read-backs per app.
export {
  MAX_CHECKLIST_ITEMS,
  MAX_NOTE_LENGTH,
  MAX_TITLE_LENGTH,
  TASK_KINDS,
  TASK_STATES,
  isOverdue,
  isTaskKind,
  isTaskState,
} from './task.ts';
export type {
  NewTask,
  ReadBack,
  Task,
  TaskDetails,
  TaskEvidence,
  TaskExpectation,
  TaskKind,
  TaskState,
} from './task.ts';
export { DEFAULT_TASK_SLA_HOURS, MAX_TASK_SLA_HOURS, readTaskSettings } from './task-settings.ts';
export type { TaskSettings } from './task-settings.ts';
export {
  DEFAULT_TASK_LIST_LIMIT,
  MAX_TASK_LIST_LIMIT,
  ROSTER_ACTOR,
  TASK_AUDIT_ACTIONS,
  TaskRepository,
} from './task-repository.ts';
export type { TaskListFilter, TaskPage, TaskRepositoryDependencies } from './task-repository.ts';
export { resolveReadBack } from './read-back.ts';
export type { ReadBackContext, ReadBackFactory, ReadBackResolvers } from './read-back.ts';
export { READ_BACKS } from './read-back-registry.ts';
