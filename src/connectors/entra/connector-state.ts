// What the Entra connector keeps per connection, through the host's `services.state`: per externalId,
// the record as last confirmed by the provisioning logs and the one uploaded since and not yet
// confirmed. Declared here so the connector never imports the store; values are checked when read.
import { z } from 'zod';
import type { ConnectorContext } from '../contract.ts';
import { ConnectorError } from '../contract.ts';

/** The name under `ConnectorContext.services` the connector reads. */
export const STATE_SERVICE = 'state';

export interface StateEntry {
  readonly key: string;
  readonly value: unknown;
}

/** The host's per-connection key/value store (see `ConnectorContext.services`). */
export interface ConnectorStateService {
  get(key: string): Promise<unknown>;
  put(entries: readonly StateEntry[]): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(prefix?: string): Promise<readonly StateEntry[]>;
}

export function isConnectorStateService(value: unknown): value is ConnectorStateService {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['get', 'put', 'delete', 'list'].every((name) => typeof candidate[name] === 'function');
}

export function stateServiceOf(context: ConnectorContext): ConnectorStateService {
  const service = context.services?.[STATE_SERVICE];
  if (!isConnectorStateService(service)) {
    throw new ConnectorError(
      'invalid_request',
      `the entra connector needs the connection's durable state under services.${STATE_SERVICE} of its open context: it cannot read users back from Entra ID, so it remembers what it uploaded`,
    );
  }
  return service;
}

const attributeValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.string()).readonly(),
]);

const uploadedRecord = z.object({
  /** Flat attributes (docs/sync-mapping.md) without `externalId` and `active`. */
  attributes: z.record(z.string(), attributeValue),
  active: z.boolean(),
});

export const storedUserSchema = z.object({
  v: z.literal(1),
  externalId: z.string(),
  confirmed: uploadedRecord.extend({ objectId: z.string().nullable(), confirmedAt: z.string() }).nullable(),
  pending: uploadedRecord
    .extend({
      /** Graph's time of the accepted upload (its Date header), which log entries are compared with. */
      uploadedAt: z.string(),
      /** The connector's clock when it was recorded, for expiry. */
      recordedAt: z.string(),
      /**
       * Whether Graph answered 202. An upload whose answer was lost (timeout, 5xx) may or may not have
       * been taken: the logs may still confirm it, but until they do it is not shown as existing, so the
       * next plan uploads it again (harmless: Entra matches on externalId).
       */
      accepted: z.boolean().default(true),
    })
    .nullable(),
  lastFailure: z.object({ reason: z.string(), errorCode: z.string().nullable(), at: z.string() }).nullable(),
  /**
   * activityDateTime of the log entry that settled the last upload: entries up to it belong to earlier
   * uploads and never settle a later one (Graph's Date header, the other bound, has whole seconds).
   */
  lastLogAt: z.string().nullable().default(null),
});

export type StoredUser = z.output<typeof storedUserSchema>;
export type UploadedRecord = z.output<typeof uploadedRecord>;

export const USER_KEY_PREFIX = 'user:';

export function userKey(externalId: string): string {
  return `${USER_KEY_PREFIX}${externalId}`;
}

/** Reads a stored user; an entry that does not parse is reported, never guessed at. */
export function parseStoredUser(entry: StateEntry): StoredUser {
  const parsed = storedUserSchema.safeParse(entry.value);
  if (!parsed.success) {
    throw new ConnectorError(
      'invalid_request',
      `the stored state of '${entry.key}' is not readable; remove it to upload that person again`,
    );
  }
  return parsed.data;
}

/** What the app holds as far as Roster knows: the accepted pending upload, else the last confirmed one. */
export function shownRecord(user: StoredUser): UploadedRecord | null {
  if (user.pending?.accepted) return user.pending;
  return user.confirmed;
}
