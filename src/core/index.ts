// The core's public surface: domain types, ids, time and the error registry.
export { systemClock, toTimestamp } from './clock.ts';
export type { Clock } from './clock.ts';
export { newId, isUuid } from './ids.ts';
export { CONNECTION_APPS, CONNECTION_ID_PATTERN, isConnectionApp, isConnectionId } from './connection.ts';
export type { Connection, ConnectionApp } from './connection.ts';
export { TOKEN_KINDS, TOKEN_PATTERN, TOKEN_PREFIX, isTokenFormat, tokenStatus } from './token.ts';
export type { ApiToken, TokenKind, TokenStatus } from './token.ts';
export {
  ConfigError,
  ConflictError,
  DatabaseError,
  ERROR_CODES,
  InvalidInputError,
  ListenError,
  NotFoundError,
  RosterError,
  SecretKeyError,
  SecretUnsealableError,
  isRosterError,
} from './errors.ts';
export type {
  ConfigIssue,
  ConflictCode,
  ErrorCode,
  InvalidInputCode,
  NotFoundCode,
  RosterErrorOptions,
} from './errors.ts';
