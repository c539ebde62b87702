// The store's public surface: opening the database, keys and sealing, the repositories, the audit
// log and leases.
export {
  SQLITE_BUSY_TIMEOUT_MS,
  SQLITE_FOLD_FUNCTION,
  describePostgresUrl,
  openDatabase,
} from './database.ts';
export type { DatabaseOptions, Dialect, OpenDatabase } from './database.ts';
export type {
  ConnectionTable,
  Database,
  GroupMemberTable,
  ScimResourceTable,
  TokenTable,
} from './database-types.ts';
export { migrations } from './migrations/index.ts';
export { KEY_FILE_NAME, ROOT_KEY_BYTES, deriveKeys, resolveRootKey } from './root-key.ts';
export type { DerivedKeys, RootKey, RootKeyOptions } from './root-key.ts';
export { createSecretBox, secretAad } from './secret-box.ts';
export type { SecretBox } from './secret-box.ts';
export { createConnectionRepository } from './connection-repository.ts';
export type {
  ConnectionRepository,
  ConnectionRepositoryDependencies,
  ConnectionUpdate,
  NewConnection,
  RemovedConnection,
} from './connection-repository.ts';
export { LAST_USED_RESOLUTION_MS, createTokenRepository } from './token-repository.ts';
export type {
  IssuedToken,
  NewToken,
  TokenRepository,
  TokenRepositoryDependencies,
  VerifiedToken,
} from './token-repository.ts';
export {
  AUDIT_ERASURE_ACTION,
  AUDIT_CHAIN_PROBLEMS,
  MAX_AUDIT_LIST_LIMIT,
  createAuditLog,
} from './audit-log.ts';
export type {
  AuditChainProblem,
  AuditEntry,
  AuditErasure,
  AuditEventInput,
  AuditListFilter,
  AuditLog,
  AuditLogDependencies,
  AuditVerification,
} from './audit-log.ts';
export { AUDIT_GENESIS_HASH } from './audit-log-chain.ts';
export {
  acquireLease,
  createLeases,
  newLeaseHolder,
  readLease,
  releaseLease,
  renewLease,
  withLease,
} from './lease.ts';
export type { LeaseOutcome, LeaseState, Leases, WithLeaseOptions } from './lease.ts';
export { openStore } from './store.ts';
export type { Store, StoreOptions } from './store.ts';
