// A connection: one configured app instance (a Personio tenant, Roster's own directory, ...), the
// unit that SCIM endpoints, tokens and sync are scoped to.

/** Apps a connection may be created for. Grows as connectors land. */
export const CONNECTION_APPS = ['directory', 'personio', 'scim', 'entra'] as const;
export type ConnectionApp = (typeof CONNECTION_APPS)[number];

/**
 * Connection ids appear in URLs (`/scim/v2/<id>`) and on command lines, so they are restricted to
 * lower-case letters, digits and hyphens, start with a letter or digit, and are at most 63 long.
 */
export const CONNECTION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isConnectionId(value: string): boolean {
  return CONNECTION_ID_PATTERN.test(value);
}

/**
 * Apps whose connections identity providers provision through Roster's SCIM endpoint: Roster's own
 * directory, and Personio through the write gateway. The others (`scim`, `entra`) are sync targets
 * that Roster writes to; a SCIM endpoint for them would accept writes that go nowhere.
 */
export const SCIM_ENDPOINT_APPS: readonly ConnectionApp[] = ['directory', 'personio'];

export function hasScimEndpoint(app: string): boolean {
  return (SCIM_ENDPOINT_APPS as readonly string[]).includes(app);
}

export function isConnectionApp(value: string): value is ConnectionApp {
  return (CONNECTION_APPS as readonly string[]).includes(value);
}

/** A stored connection. Secrets are never part of it; they are read separately, on purpose. */
export interface Connection {
  readonly id: string;
  readonly app: ConnectionApp;
  readonly displayName: string;
  /** Non-secret settings, validated by the app's connector. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly hasSecrets: boolean;
  /** ISO-8601 UTC timestamps. */
  readonly createdAt: string;
  readonly updatedAt: string;
}
