// Bearer authentication for the SCIM endpoints: `Authorization: Bearer <token>`, checked against
// the token repository for exactly the connection in the URL.
import type { TokenRepository } from '../store/token-repository.ts';

export type Authenticate = (
  authorization: string | undefined,
  connectionId: string,
) => Promise<{ readonly tokenId: string } | null>;

export interface AuthenticatorOptions {
  /**
   * How long a successful check is reused for the same token and connection. The check is a
   * keyed hash and a database read on every request; an IdP sends thousands of requests a minute
   * with one token. A revoked token therefore keeps working for at most this long in a server that
   * has just seen it (docs/scim.md); an expired one stops at its expiry. 0 turns reuse off.
   */
  readonly reuseMs?: number;
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
}

export const DEFAULT_TOKEN_REUSE_MS = 1000;
/** Distinct tokens remembered at once; an IdP uses one or two per connection. */
const MAX_REMEMBERED = 1024;

// RFC 6750 §2.1: the scheme is case-insensitive; the token is one b64token after one or more spaces.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

interface Remembered {
  readonly tokenId: string;
  readonly until: number;
}

/**
 * Resolves to the token id, or null when the header is missing, not a Bearer header, or carries a
 * token that is unknown, expired, revoked, an admin token, or issued for another connection.
 * Database failures are not authentication failures: they reject, so the client sees a 5xx and
 * retries instead of treating its valid token as bad. Only successes are remembered, so a token
 * created a moment ago works at once and garbage tokens cannot fill the memory.
 */
export function createAuthenticator(
  tokens: Pick<TokenRepository, 'verify'>,
  options: AuthenticatorOptions = {},
): Authenticate {
  const reuseMs = options.reuseMs ?? DEFAULT_TOKEN_REUSE_MS;
  const now = options.now ?? Date.now;
  const remembered = new Map<string, Remembered>();

  return async (authorization, connectionId) => {
    if (typeof authorization !== 'string' || authorization.length > 1024) return null;
    const match = BEARER.exec(authorization);
    const token = match?.[1];
    if (token === undefined) return null;

    // The connection is part of the key: a token is never reused for a connection it was not checked for.
    const key = `${connectionId} ${token}`;
    const known = remembered.get(key);
    const at = now();
    if (known !== undefined && at < known.until) return { tokenId: known.tokenId };
    if (known !== undefined) remembered.delete(key);

    const verified = await tokens.verify(token, connectionId);
    if (verified === null || reuseMs <= 0) return verified;
    const expiresAt = verified.expiresAt === null ? Infinity : Date.parse(verified.expiresAt);
    if (remembered.size >= MAX_REMEMBERED) {
      const oldest = remembered.keys().next().value;
      if (oldest !== undefined) remembered.delete(oldest);
    }
    remembered.set(key, { tokenId: verified.tokenId, until: Math.min(at + reuseMs, expiresAt) });
    return { tokenId: verified.tokenId };
  };
}
