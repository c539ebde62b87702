// Bearer authentication for the SCIM endpoints: `Authorization: Bearer <token>`, checked against
// the token repository for exactly the connection in the URL.
import type { TokenRepository } from '../store/token-repository.ts';

export type Authenticate = (
  authorization: string | undefined,
  connectionId: string,
) => Promise<{ readonly tokenId: string } | null>;

// RFC 6750 §2.1: the scheme is case-insensitive; the token is one b64token after one or more spaces.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Resolves to the token id, or null when the header is missing, not a Bearer header, or carries a
 * token that is unknown, expired, revoked, an admin token, or issued for another connection.
 * Database failures are not authentication failures: they reject, so the client sees a 5xx and
 * retries instead of treating its valid token as bad.
 */
export function createAuthenticator(tokens: Pick<TokenRepository, 'verify'>): Authenticate {
  return async (authorization, connectionId) => {
    if (typeof authorization !== 'string' || authorization.length > 1024) return null;
    const match = BEARER.exec(authorization);
    const token = match?.[1];
    if (token === undefined) return null;
    return tokens.verify(token, connectionId);
  };
}
