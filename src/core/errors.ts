// The error registry: every exceptional failure Roster raises outside the SCIM protocol layer, each
// with a stable lower_snake `code` that scripts, logs and docs/errors.md can rely on.

/**
 * Every code Roster may put in `RosterError.code`. Append only: a released code never changes
 * meaning. docs/errors.md documents each one, in this order (a test keeps them in step).
 */
export const ERROR_CODES = [
  'config_invalid',
  'secret_key_invalid',
  'secret_key_insecure',
  'secret_unsealable',
  'database_unavailable',
  'migration_failed',
  'connection_id_invalid',
  'connection_app_unknown',
  'connection_name_invalid',
  'connection_exists',
  'connection_not_found',
  'connection_not_empty',
  'token_name_invalid',
  'token_expiry_invalid',
  'token_not_found',
  'connection_without_scim',
  'listen_failed',
  'lease_lost',
  'sync_id_invalid',
  'sync_invalid',
  'sync_exists',
  'sync_not_found',
  'connection_settings_invalid',
  'task_invalid',
  'task_not_found',
  'task_not_open',
  'task_read_back_disagrees',
  'task_read_back_unavailable',
  'admin_token_required',
  'request_invalid',
  'request_too_large',
  'route_not_found',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a caller passes when it wraps a lower-level failure; `cause` keeps the original for logs. */
export interface RosterErrorOptions {
  readonly cause?: unknown;
}

/**
 * Base of every registered error. `message` tells a person what happened and how to fix it;
 * `code` tells a program which case it is. Subclasses narrow `code` to the cases they cover.
 */
export abstract class RosterError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;

  protected constructor(code: C, message: string, options?: RosterErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** One invalid environment variable, with what is wrong and how to fix it. */
export interface ConfigIssue {
  readonly variable: string;
  readonly problem: string;
  readonly fix: string;
}

/** The environment cannot produce a working configuration; `issues` lists every bad variable. */
export class ConfigError extends RosterError<'config_invalid'> {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: RosterErrorOptions) {
    const count =
      issues.length === 1 ? '1 environment variable is' : `${issues.length} environment variables are`;
    const lines = issues.map((i) => `  - ${i.variable}: ${i.problem} Fix: ${i.fix}`);
    super('config_invalid', [`Invalid configuration: ${count} invalid.`, ...lines].join('\n'), options);
    this.issues = Object.freeze([...issues]);
  }
}

/** The root secret key (ROSTER_SECRET_KEY or the generated key file) is unusable. */
export class SecretKeyError extends RosterError<'secret_key_invalid' | 'secret_key_insecure'> {
  override readonly name = 'SecretKeyError';

  constructor(
    code: 'secret_key_invalid' | 'secret_key_insecure',
    message: string,
    options?: RosterErrorOptions,
  ) {
    super(code, message, options);
  }
}

/**
 * A sealed secret cannot be opened: it was sealed under another key, belongs to another row or
 * column, or was altered. Never carries the plaintext or the key.
 */
export class SecretUnsealableError extends RosterError<'secret_unsealable'> {
  override readonly name = 'SecretUnsealableError';

  constructor(message: string, options?: RosterErrorOptions) {
    super('secret_unsealable', message, options);
  }
}

/** The database cannot be opened, reached or brought to the current schema. */
export class DatabaseError extends RosterError<'database_unavailable' | 'migration_failed'> {
  override readonly name = 'DatabaseError';

  constructor(
    code: 'database_unavailable' | 'migration_failed',
    message: string,
    options?: RosterErrorOptions,
  ) {
    super(code, message, options);
  }
}

export type InvalidInputCode =
  | 'connection_id_invalid'
  | 'connection_app_unknown'
  | 'connection_name_invalid'
  | 'token_name_invalid'
  | 'token_expiry_invalid'
  | 'connection_without_scim'
  | 'sync_id_invalid'
  | 'sync_invalid'
  | 'connection_settings_invalid'
  | 'task_invalid';

/** A caller-supplied value breaks a domain rule; nothing was written. */
export class InvalidInputError extends RosterError<InvalidInputCode> {
  override readonly name = 'InvalidInputError';

  constructor(code: InvalidInputCode, message: string, options?: RosterErrorOptions) {
    super(code, message, options);
  }
}

export type NotFoundCode = 'connection_not_found' | 'token_not_found' | 'sync_not_found' | 'task_not_found';

/** The named connection or token does not exist. */
export class NotFoundError extends RosterError<NotFoundCode> {
  override readonly name = 'NotFoundError';

  constructor(code: NotFoundCode, message: string, options?: RosterErrorOptions) {
    super(code, message, options);
  }
}

export type ConflictCode = 'connection_exists' | 'connection_not_empty' | 'sync_exists' | 'task_not_open';

/** The request clashes with what is stored; nothing was written. */
export class ConflictError extends RosterError<ConflictCode> {
  override readonly name = 'ConflictError';

  constructor(code: ConflictCode, message: string, options?: RosterErrorOptions) {
    super(code, message, options);
  }
}

/** The server cannot listen on the configured address (port in use, address not available). */
export class ListenError extends RosterError<'listen_failed'> {
  override readonly name = 'ListenError';

  constructor(message: string, options?: RosterErrorOptions) {
    super('listen_failed', message, options);
  }
}

/**
 * A lease was lost while its work ran (taken over, removed, or not renewed in time); another
 * process may have run the same work alongside.
 */
export class LeaseLostError extends RosterError<'lease_lost'> {
  override readonly name = 'LeaseLostError';

  constructor(message: string, options?: RosterErrorOptions) {
    super('lease_lost', message, options);
  }
}

/**
 * A task cannot be completed by hand because a read-back must prove the change first: the
 * read-back showed something else (`task_read_back_disagrees`, with what it observed), or no
 * read-back exists for the connection's app (`task_read_back_unavailable`). The task stays open.
 */
export class TaskReadBackError extends RosterError<
  'task_read_back_disagrees' | 'task_read_back_unavailable'
> {
  override readonly name = 'TaskReadBackError';
  /** What the read-back saw; null when there was no read-back. Never a secret. */
  readonly observed: string | null;

  constructor(
    code: 'task_read_back_disagrees' | 'task_read_back_unavailable',
    message: string,
    observed: string | null,
    options?: RosterErrorOptions,
  ) {
    super(code, message, options);
    this.observed = observed;
  }
}

export type RequestErrorCode =
  'admin_token_required' | 'request_invalid' | 'request_too_large' | 'route_not_found' | 'internal_error';

/** An admin API request cannot be served as sent; `status` is the HTTP status it answers with. */
export class RequestError extends RosterError<RequestErrorCode> {
  override readonly name = 'RequestError';
  readonly status: number;

  constructor(code: RequestErrorCode, status: number, message: string, options?: RosterErrorOptions) {
    super(code, message, options);
    this.status = status;
  }
}

/** Narrows an unknown thrown value to a registered error. */
export function isRosterError(value: unknown): value is RosterError {
  return value instanceof RosterError && (ERROR_CODES as readonly string[]).includes(value.code);
}
