// Scoping of a sync's public surface: a SCIM filter over the normalised person, compiled to a
// three-valued decision.
export { SCOPE_DECISIONS, compileScope } from './scope-filter.ts';
export type { Scope, ScopeDecision, ScopeResult } from './scope-filter.ts';
