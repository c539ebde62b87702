// The pure core of the reconciler: correlation, effective-dated lifecycle, the plan and its guards.
// No I/O, no clock: time and the source read status come in as parameters.
export {
  ACTIVE_PATH,
  DEFAULT_PLAN_OPTIONS,
  LEFT_SCOPE_ACTIONS,
  OPERATION_CAUSES,
  OPERATION_KINDS,
  SOURCE_READS,
  currentAttributeValue,
  hashOperations,
  isSameAttributeValue,
  plan,
  planToJson,
  sortOperations,
} from './account-plan.ts';
export type {
  AttributeChange,
  DesiredAttributes,
  DesiredPerson,
  LeftScopeAction,
  OperationCause,
  OperationKind,
  Plan,
  PlanInput,
  PlanOperation,
  PlanOptions,
  PlannedMatch,
  ScheduledChange,
  SourceRead,
  WithheldOperation,
} from './account-plan.ts';
export { canonicalJson, sha256Hex } from './canonical-json.ts';
export {
  CONFLICT_KINDS,
  DEFAULT_CORRELATION_OPTIONS,
  MATCH_REASONS,
  compareSourceIds,
  correlate,
  normalizeEmail,
  profilesByPersonKey,
  unrewrittenEmail,
} from './correlation.ts';
export type {
  AccountLink,
  ConflictKind,
  Correlation,
  CorrelationConflict,
  CorrelationMatch,
  CorrelationOptions,
  MatchReason,
  PersonProfiles,
  SupersededProfile,
} from './correlation.ts';
export {
  DEFAULT_LIFECYCLE_POLICY,
  LEAVE_HANDLINGS,
  LIFECYCLE_PHASES,
  LIFECYCLE_STATES,
  combinedLifecycle,
  desiredLifecycle,
} from './lifecycle.ts';
export type {
  LeaveHandling,
  Lifecycle,
  LifecycleHistory,
  LifecyclePhase,
  LifecyclePolicy,
  LifecycleState,
  LifecycleStep,
} from './lifecycle.ts';
export {
  addCalendarDays,
  isCalendarDate,
  isTimeZone,
  localDateOf,
  readCalendarDate,
  startOfLocalDay,
} from './local-day.ts';
export { IDENTITY_PATHS, guard, guardThreshold } from './plan-guard.ts';
export type { GuardInput, GuardResult } from './plan-guard.ts';
