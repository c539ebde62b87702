// Personio bearer tokens: v1 (`POST /v1/auth`, credentials in the JSON body) and v2 (`POST /v2/auth/token`,
// client credentials as a form). Both are stable for 24 h, so one token is cached per connection and
// reused until shortly before it expires or until Personio rejects it (401), never fetched per request:
// the auth endpoints allow 60 (v1) and 150 (v2) calls a minute and punish bursts with a cool-down.
import type { Clock } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import type { AuthProvider, HttpClient } from '../http/http-client.ts';
import { parseAuthResponse } from './v1-envelope.ts';
import { parseTokenResponse } from './v2-resources.ts';

/** Renew this long before expiry, so a token never expires in the middle of a page. */
const RENEW_BEFORE_MS = 5 * 60_000;

interface IssuedToken {
  readonly value: string;
  readonly expiresInSeconds: number;
}

/**
 * Caches one bearer token, shares one in-flight request among concurrent callers, and forgets the
 * token when told it was rejected.
 */
export class CachedToken implements AuthProvider {
  readonly #issue: () => Promise<IssuedToken>;
  readonly #clock: Clock;
  #current: { readonly header: string; readonly renewAt: number } | undefined;
  #inFlight: Promise<string> | undefined;
  /** How many tokens were fetched (for tests and the connection check). */
  issued = 0;

  readonly #rejectionStatuses: ReadonlySet<number>;

  constructor(issue: () => Promise<IssuedToken>, clock: Clock, rejectionStatuses: readonly number[] = [401]) {
    this.#issue = issue;
    this.#clock = clock;
    this.#rejectionStatuses = new Set(rejectionStatuses);
  }

  isRejection(status: number): boolean {
    return this.#rejectionStatuses.has(status);
  }

  async authorization(): Promise<string> {
    const now = this.#clock.now().getTime();
    if (this.#current !== undefined && now < this.#current.renewAt) return this.#current.header;
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  invalidate(rejected: string): void {
    if (this.#current?.header === rejected) this.#current = undefined;
  }

  async #fetch(): Promise<string> {
    const startedAt = this.#clock.now().getTime();
    const token = await this.#issue();
    this.issued += 1;
    const lifetimeMs = token.expiresInSeconds * 1000;
    const header = `Bearer ${token.value}`;
    this.#current = { header, renewAt: startedAt + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2) };
    return header;
  }
}

function rejectedCredentials(error: unknown): unknown {
  // The auth endpoints answer wrong credentials with 401, 403 ("Wrong credentials") or, for v2, 400
  // invalid_client: to the engine all of them mean "fix the credentials", not "missing permission".
  if (error instanceof ConnectorError && (error.kind === 'forbidden' || error.kind === 'unauthenticated')) {
    return new ConnectorError(
      'unauthenticated',
      'Personio rejected the client id or secret. Check the API credential in Personio (Settings > Integrations > API credentials)',
      { cause: error, ...(error.status === undefined ? {} : { status: error.status }) },
    );
  }
  return error;
}

export function createV1Token(
  http: HttpClient,
  credentials: { clientId: string; clientSecret: string },
  clock: Clock,
): CachedToken {
  return new CachedToken(
    async () => {
      try {
        const response = await http.request({
          operation: 'v1.auth',
          method: 'POST',
          path: '/v1/auth',
          // In the body, never the query string: Personio is removing query-string credentials.
          json: { client_id: credentials.clientId, client_secret: credentials.clientSecret },
          // Asking for a token twice has no effect beyond the first (the same token comes back for 24 h).
          isIdempotent: true,
          bucket: 'v1.auth',
        });
        const parsed = parseAuthResponse(response.body);
        if (!parsed.ok) throw new ConnectorError('unavailable', `Personio v1.auth: ${parsed.error}`);
        return { value: parsed.value.token, expiresInSeconds: parsed.value.expiresInSeconds };
      } catch (error) {
        throw rejectedCredentials(error);
      }
      // v1 answers a missing token with 401 but an expired or revoked one with 403 "Provided authorization
      // is not valid" (spec examples); both mean "get a new token".
    },
    clock,
    [401, 403],
  );
}

export function createV2Token(
  http: HttpClient,
  credentials: { clientId: string; clientSecret: string },
  clock: Clock,
): CachedToken {
  return new CachedToken(async () => {
    try {
      const response = await http.request({
        operation: 'v2.auth.token',
        method: 'POST',
        path: '/v2/auth/token',
        // The v2 token endpoint accepts only a form body.
        form: {
          grant_type: 'client_credentials',
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
        },
        isIdempotent: true,
        bucket: 'v2.auth',
      });
      const parsed = parseTokenResponse(response.body);
      if (!parsed.ok) throw new ConnectorError('unavailable', `Personio v2.auth.token: ${parsed.error}`);
      return { value: parsed.value.accessToken, expiresInSeconds: parsed.value.expiresInSeconds };
    } catch (error) {
      throw rejectedCredentials(error);
    }
  }, clock);
}
