// The connector contract: what a connector declares (its manifest), the parts it implements (people,
// accounts, groups), the context it is opened with, and the one registry of error kinds the engine
// decides by. Connectors are plain objects; nothing here does I/O.
import type { z } from 'zod';
import type { Clock } from '../core/index.ts';
import type { HttpClientFactory, RateLimitPolicy } from './http/http-client.ts';

export type { Clock } from '../core/index.ts';

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Every failure a connector reports has exactly one of these kinds; the engine decides by kind alone.
 * - `unauthenticated`: credentials missing, wrong or revoked (after one token refresh).
 * - `forbidden`: authenticated but not allowed (missing scope, attribute not whitelisted for writing).
 * - `not_found`: the addressed record does not exist.
 * - `conflict`: the app's state disagrees with the request (duplicate on create; a listing that changed
 *   while it was being paged, which means "restart the read from the first page").
 * - `rate_limited`: the app asked us to slow down; `retryAfterMs` says for how long.
 * - `unavailable`: transient (5xx, timeout, connection reset, malformed or truncated response); retry later.
 * - `invalid_request`: permanent for this input (validation error, bad settings, refused URL, bad cursor).
 * - `unsupported`: the app's API cannot do this at all; the engine turns it into a task for a person.
 */
export const CONNECTOR_ERROR_KINDS = [
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'unavailable',
  'invalid_request',
  'unsupported',
] as const;
export type ConnectorErrorKind = (typeof CONNECTOR_ERROR_KINDS)[number];

/**
 * Whether a write reached the app. `not_applied`: it certainly did not (rejected before processing,
 * never sent); `unknown`: it may have (timeout or 5xx after the request was sent). A create whose
 * outcome is `unknown` must be settled by reading back, never by sending it again.
 */
export const WRITE_OUTCOMES = ['not_applied', 'unknown'] as const;
export type WriteOutcome = (typeof WRITE_OUTCOMES)[number];

/** Kinds the engine may retry later without changing the request. */
export function isRetryableKind(kind: ConnectorErrorKind): boolean {
  return kind === 'rate_limited' || kind === 'unavailable';
}

export interface ConnectorErrorOptions {
  cause?: unknown;
  /** For `rate_limited` (and `unavailable` when the app said so): how long to wait before retrying. */
  retryAfterMs?: number;
  /** For failed writes: whether the change may have been applied. Defaults to `not_applied`. */
  outcome?: WriteOutcome;
  /** The vendor's HTTP status, when the failure came from a response. */
  status?: number;
  /** Machine-readable extras (never personal data or secrets), e.g. `{ existingId }` on a conflict. */
  details?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The one error type a connector throws. `kind` is stable and drives the engine; `code` is the
 * lower_snake registry code (`connector_<kind>`); the message says what happened and what to do, and
 * never contains secrets or personal data beyond ids.
 */
export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  readonly code: `connector_${ConnectorErrorKind}`;
  readonly retryAfterMs: number | undefined;
  readonly outcome: WriteOutcome;
  readonly status: number | undefined;
  readonly details: Readonly<Record<string, string | number | boolean>>;

  constructor(kind: ConnectorErrorKind, message: string, options: ConnectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.code = `connector_${kind}`;
    this.retryAfterMs = options.retryAfterMs;
    this.outcome = options.outcome ?? 'not_applied';
    this.status = options.status;
    this.details = options.details ?? {};
  }

  get isRetryable(): boolean {
    return isRetryableKind(this.kind);
  }
}

export function isConnectorError(value: unknown): value is ConnectorError {
  return value instanceof ConnectorError;
}

// ---------------------------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------------------------

/** A structured logger (pino's interface): fields first, then a constant message. Never log secrets. */
export interface ConnectorLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child(bindings: Record<string, unknown>): ConnectorLogger;
}

/**
 * What a connector is given when it is opened. A connector never reads the environment, never opens
 * the database and never sleeps: time, logging and all outbound HTTP (with its retries, pacing and
 * URL policy) come from here.
 */
export interface ConnectorContext {
  /** The connection this instance serves; used in logs and to keep rate limits per connection. */
  readonly connectionId: string;
  /** The time source; connectors never call `Date.now()` themselves, so tests can move time. */
  readonly clock: Clock;
  readonly logger: ConnectorLogger;
  readonly http: HttpClientFactory;
  /**
   * Host objects a connector needs besides HTTP, by name; absent for most connectors. `directory`:
   * Roster's own SCIM repository, for the `directory` connector (docs/connectors/directory.md). `state`:
   * this connection's durable key/value records (get, put, delete, list by key prefix; JSON values),
   * for connectors that must remember what they sent because the app cannot be read back (`entra`).
   * A connector reads only the names its docs list, checks their shape when opened and fails with
   * `invalid_request` when one is missing; every other connector ignores it.
   */
  readonly services?: ConnectorServices;
}

/** See `ConnectorContext.services`: untyped here so that the contract knows no connector's needs. */
export type ConnectorServices = Readonly<Record<string, unknown>>;

// ---------------------------------------------------------------------------------------------
// Manifest and capabilities
// ---------------------------------------------------------------------------------------------

export const AUTH_KINDS = [
  'client_credentials',
  'api_token',
  'basic',
  'oauth2_authorization_code',
  'none',
] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/**
 * What a connector can really do. Capabilities backed by a method (see `CAPABILITY_METHODS`) must be
 * declared exactly when the opened connector has that method; the contract suite checks both ways.
 * `access.grant` (roles, access rights, licences) and `logins.manage` (login access, invitations) have no
 * method yet; declaring them unsupported in `limitations` lets the engine plan a task instead.
 */
export const CAPABILITIES = [
  'people.list',
  'people.changes',
  'people.get',
  'people.notifications',
  'accounts.list',
  'accounts.create',
  'accounts.update',
  'accounts.disable',
  'accounts.enable',
  'accounts.delete',
  'groups.list',
  'groups.members',
  'groups.membership_write',
  'access.grant',
  'logins.manage',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** The part and method that implement a capability; `null` for capabilities with no method yet. */
export const CAPABILITY_METHODS = {
  'people.list': ['people', 'listPeople'],
  'people.changes': ['people', 'changedSince'],
  'people.get': ['people', 'getPerson'],
  'people.notifications': ['people', 'parseNotification'],
  'accounts.list': ['accounts', 'listAccounts'],
  'accounts.create': ['accounts', 'createAccount'],
  'accounts.update': ['accounts', 'updateAccount'],
  'accounts.disable': ['accounts', 'disableAccount'],
  'accounts.enable': ['accounts', 'enableAccount'],
  'accounts.delete': ['accounts', 'deleteAccount'],
  'groups.list': ['groups', 'listGroups'],
  'groups.members': ['groups', 'listMembers'],
  'groups.membership_write': ['groups', 'addMember'],
  'access.grant': null,
  'logins.manage': null,
} as const satisfies Record<Capability, readonly [ConnectorPart, string] | null>;

export const CONNECTOR_PARTS = ['people', 'accounts', 'groups'] as const;
export type ConnectorPart = (typeof CONNECTOR_PARTS)[number];

/** Something the app's API cannot do, stated so the engine can turn it into a task for a person. */
export interface Limitation {
  capability: Capability;
  /** Why, in one or two sentences an administrator understands. */
  reason: string;
}

/** The vendor's documented limits, as the HTTP client enforces them, one bucket per limited endpoint group. */
export interface RateLimitDeclaration {
  /** The vendor's limits in words, with where they are documented. */
  summary: string;
  buckets: Readonly<Record<string, RateLimitPolicy>>;
}

/**
 * A connector's static description. `settingsSchema` and `secretsSchema` are applied by the host
 * before `open`; secrets are stored encrypted and never appear in settings or logs.
 */
export interface ConnectorManifest<Settings = unknown, Secrets = unknown> {
  /** Stable id, kebab-case; the registry key and the folder name. */
  readonly id: string;
  readonly displayName: string;
  readonly authKind: AuthKind;
  readonly settingsSchema: z.ZodType<Settings>;
  readonly secretsSchema: z.ZodType<Secrets>;
  readonly capabilities: readonly Capability[];
  readonly limitations: readonly Limitation[];
  readonly rateLimit: RateLimitDeclaration;
  /** Path of the connector's documentation, relative to the repository root. */
  readonly docs: string;
}

/**
 * A connector: a manifest plus `open`, which returns only the parts it implements. `open` is cheap
 * (no network); the first call that needs the app authenticates.
 */
export interface Connector<Settings = unknown, Secrets = unknown> {
  readonly manifest: ConnectorManifest<Settings, Secrets>;
  // A method (not a property) so a Connector<S, K> is usable where a Connector<unknown, unknown> is.
  open(settings: Settings, secrets: Secrets, context: ConnectorContext): ConnectorHandle;
}

/** An opened connection: the parts the connector implements. */
export interface ConnectorHandle {
  readonly people?: PeopleSource;
  readonly accounts?: AccountTarget;
  readonly groups?: GroupTarget;
  /** Authenticates and reads a little, for `roster connection test`; throws a ConnectorError on failure. */
  check(): Promise<ConnectionCheck>;
  /** Releases pooled connections; the handle is not used afterwards. */
  close(): Promise<void>;
}

export interface ConnectionCheck {
  /** One line for a human, e.g. "Authenticated; 212 employees readable". */
  summary: string;
  /** How many people (HR sources) or accounts (targets) the credential can see. */
  count: number;
  /** Things that work but need attention, e.g. attributes the credential may not read. */
  warnings: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

/**
 * One page of a listing. `nextCursor` is opaque, safe to persist (plain ASCII, at most a few hundred
 * characters) and valid across processes, so a killed job resumes where it stopped; `null` means this
 * was the last page and the listing is complete. A listing that cannot be completed fails with a
 * ConnectorError; it never ends early as if it were complete.
 */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// People (HR sources)
// ---------------------------------------------------------------------------------------------

export const PERSON_STATUSES = ['onboarding', 'active', 'leave', 'inactive', 'unknown'] as const;
/** `unknown` stands for a status value the source added after this code was written. */
export type PersonStatus = (typeof PERSON_STATUSES)[number];

/** A named record the source links a person to (department, office, legal entity, team). */
export interface OrgRef {
  readonly id: string;
  /** Absent when the source gave only the id (e.g. Personio v2) and the name is not known yet. */
  readonly name?: string;
}

export interface CostCenterShare extends OrgRef {
  /** Share of the person's cost in percent, when the source says. */
  readonly percentage: number | null;
}

export const TIME_ZONE_SOURCES = ['person', 'office', 'default'] as const;
export type TimeZoneSource = (typeof TIME_ZONE_SOURCES)[number];

export type CustomAttributeValue = string | number | boolean | readonly string[] | null;

/**
 * A person as an HR source reports them, normalised. Optional fields follow one rule: **absent means
 * "not visible"** (not requested, or the credential may not read it) and must never blank anything in
 * a target; `null` means the source says it is empty. Dates are calendar dates `YYYY-MM-DD` as the
 * source shows them (no time zone); instants are ISO-8601 UTC. Field meanings are documented per
 * connector in docs/connectors/<id>.md.
 */
export interface SourcePerson {
  /** The source's id for this person (Personio: the employee id, which v2 also uses as person id). */
  readonly sourceId: string;
  readonly firstName?: string | null;
  readonly lastName?: string | null;
  readonly preferredName?: string | null;
  readonly workEmail?: string | null;
  readonly status?: PersonStatus;
  readonly hireDate?: string | null;
  readonly terminationDate?: string | null;
  readonly lastWorkingDay?: string | null;
  readonly contractEndDate?: string | null;
  readonly position?: string | null;
  readonly employmentType?: string | null;
  readonly weeklyWorkingHours?: number | null;
  readonly department?: OrgRef | null;
  readonly team?: OrgRef | null;
  readonly office?: OrgRef | null;
  readonly legalEntity?: OrgRef | null;
  readonly supervisorId?: string | null;
  readonly costCenters?: readonly CostCenterShare[];
  /**
   * The IANA time zone this person's dates are local to: the person's own zone where the source keeps
   * one, else the office's zone from the connection's office map, else the connection's default zone.
   * Always present, so the engine can turn a last working day into an instant.
   */
  readonly timeZone: string;
  /** Where `timeZone` came from. */
  readonly timeZoneSource: TimeZoneSource;
  readonly createdAt?: string | null;
  readonly lastModifiedAt?: string | null;
  /** Custom attributes under the names the connection configured; only configured ones appear. */
  readonly customAttributes: Readonly<Record<string, CustomAttributeValue>>;
}

/** A page of people. On the last page of a complete read, `watermark` is set: persist it for the next read. */
export interface PeoplePage extends Page<SourcePerson> {
  readonly watermark: string | null;
}

export const READ_MODES = ['full', 'changes'] as const;
export type ReadMode = (typeof READ_MODES)[number];

/** The source's advice on how to read next; see `PeopleSource.planRead`. */
export interface ReadPlan {
  readonly mode: ReadMode;
  /** Why, in words for logs and the console. */
  readonly reason: string;
  /** When the next full read becomes due (ISO-8601 UTC), or null when one is due now. */
  readonly nextFullReadAt: string | null;
}

/** What a push notification (webhook) from the source says: which person changed. Always re-read the person. */
export interface PersonNotification {
  readonly event: string;
  readonly sourceId: string;
  readonly occurredAt: string | null;
}

/**
 * An HR source. Reads are page by page with opaque cursors; a read that fails part-way throws and
 * never returns a shorter list as if complete, so the engine never mistakes a failed read for
 * "everyone left".
 */
export interface PeopleSource {
  /**
   * The full listing, one page per call; pass the previous page's `nextCursor` to continue. The last
   * page carries the watermark for `changedSince`. Fails with `conflict` when the listing changed while
   * being paged in a way that could skip people: restart from the first page.
   */
  listPeople(cursor?: string): Promise<PeoplePage>;
  /**
   * People who changed since `watermark` (from a previous read's last page), page by page. May return
   * people who did not change (overlap); may miss changes where the source is known to (Personio), which
   * is why `planRead` schedules full reads.
   */
  changedSince(watermark: string, cursor?: string): Promise<PeoplePage>;
  /** One person, freshly read; `null` when the source has no such person. */
  getPerson(sourceId: string): Promise<SourcePerson | null>;
  /**
   * The read policy, pure and cheap: whether the next read should be full (no watermark, or a full read
   * is due because incremental reads of this source can miss changes) or incremental.
   */
  planRead(watermark: string | null): ReadPlan;
  /**
   * Verifies and parses a push notification (webhook request) from the source. Returns `null` when the
   * request is not authentic or not about a person; never throws on bad input.
   */
  parseNotification?(
    headers: Readonly<Record<string, string | undefined>>,
    body: unknown,
  ): PersonNotification | null;
}

// ---------------------------------------------------------------------------------------------
// Accounts (targets)
// ---------------------------------------------------------------------------------------------

export type AccountAttributeValue = string | number | boolean | null | readonly string[];

/** An account in the app. `attributes` use the connector's documented attribute names. */
export interface Account {
  readonly id: string;
  readonly userName: string | null;
  readonly email: string | null;
  readonly displayName: string | null;
  /** Whether the account can be used; `null` when the app has no such notion. */
  readonly isActive: boolean | null;
  readonly attributes: Readonly<Record<string, AccountAttributeValue>>;
}

/** The account the engine wants to exist. `email` is what a create with unknown outcome is read back by. */
export interface DesiredAccount {
  readonly email: string;
  readonly attributes: Readonly<Record<string, AccountAttributeValue>>;
}

/** Attribute changes; only the named attributes change, `null` clears where the app allows it. */
export interface AccountChanges {
  readonly attributes: Readonly<Record<string, AccountAttributeValue>>;
}

export const CREATE_OUTCOMES = ['created', 'settled_by_read_back', 'adopted'] as const;
/**
 * - `created`: the app confirmed the create.
 * - `settled_by_read_back`: the create's outcome was unknown (timeout, 5xx) and reading back found it.
 * - `adopted`: an account matching the desired one already existed (e.g. from an earlier attempt whose
 *   outcome was unknown) and was returned instead of creating a duplicate.
 */
export type CreateOutcome = (typeof CREATE_OUTCOMES)[number];

export interface CreateAccountResult {
  readonly account: Account;
  readonly outcome: CreateOutcome;
  /** Parts of the request the app ignored (e.g. Personio ignores an unknown department name). */
  readonly warnings: readonly string[];
}

export interface UpdateAccountResult {
  /** The account after the update, when the app returns it or it can be read cheaply. */
  readonly account?: Account;
  readonly warnings: readonly string[];
}

/** One write of a batch; see `AccountTarget.writeAccounts`. */
export type AccountWrite =
  | { readonly kind: 'create'; readonly desired: DesiredAccount }
  | { readonly kind: 'update'; readonly accountId: string; readonly changes: AccountChanges }
  | { readonly kind: 'disable'; readonly accountId: string }
  | { readonly kind: 'enable'; readonly accountId: string };

/** The result of one write of a batch, in the order the writes were given. */
export type AccountWriteResult =
  | {
      readonly ok: true;
      /** The account after the write, when known; always present for a create. */
      readonly account?: Account;
      /** For creates. */
      readonly outcome?: CreateOutcome;
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly error: ConnectorError };

/**
 * A target app's accounts. Methods exist exactly when the matching capability is declared. Creates are
 * settled by read-back when their outcome is unknown, never by posting twice; disabling what is already
 * disabled, enabling what is enabled and deleting what is gone all succeed.
 */
export interface AccountTarget {
  listAccounts(cursor?: string): Promise<Page<Account>>;
  createAccount?(desired: DesiredAccount): Promise<CreateAccountResult>;
  updateAccount?(id: string, changes: AccountChanges): Promise<UpdateAccountResult>;
  disableAccount?(id: string): Promise<void>;
  enableAccount?(id: string): Promise<void>;
  deleteAccount?(id: string): Promise<void>;
  /**
   * Optional, for apps whose API takes writes in bulk (Entra ID's bulkUpload): applies several creates,
   * updates, disables and enables in one go, each with the semantics of its single method (which the
   * connector also has). Returns one result per write, in order; one write failing never fails the
   * others. Throws a ConnectorError only when none of the writes could be attempted. The engine uses it
   * when present, sends at most `maxWritesPerBatch` writes per call, and passes a write that failed with
   * a retryable kind again: sending a write twice must be harmless (Entra matches every upload on
   * externalId; elsewhere a create whose outcome is unknown is settled by the connector, never re-sent).
   */
  writeAccounts?(writes: readonly AccountWrite[]): Promise<readonly AccountWriteResult[]>;
  /** Most writes the engine passes to one `writeAccounts` call; default 500. */
  readonly maxWritesPerBatch?: number;
}

// ---------------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------------

export interface Group {
  readonly id: string;
  readonly displayName: string;
}

/** A target app's groups. Adding a present member and removing an absent one succeed. */
export interface GroupTarget {
  listGroups(cursor?: string): Promise<Page<Group>>;
  listMembers(groupId: string, cursor?: string): Promise<Page<string>>;
  addMember?(groupId: string, accountId: string): Promise<void>;
  removeMember?(groupId: string, accountId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Keeps a connector's settings and secrets types while checking it against the contract. */
export function defineConnector<Settings, Secrets>(
  connector: Connector<Settings, Secrets>,
): Connector<Settings, Secrets> {
  return connector;
}

export function hasCapability(
  manifest: Pick<ConnectorManifest, 'capabilities'>,
  capability: Capability,
): boolean {
  return manifest.capabilities.includes(capability);
}
