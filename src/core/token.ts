// API tokens: bearer credentials for one connection's SCIM endpoint, or admin tokens for the admin
// API. Only a keyed hash is stored; the token itself is shown once, at creation.

export const TOKEN_KINDS = ['scim', 'admin'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/**
 * Tokens are `rst_` followed by 32 random bytes in base64url (43 characters). The fixed prefix lets
 * secret scanners recognise a leaked token.
 */
export const TOKEN_PREFIX = 'rst_';
export const TOKEN_PATTERN = /^rst_[A-Za-z0-9_-]{43}$/;

export function isTokenFormat(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** A stored token's metadata. It never includes the token or its hash. */
export interface ApiToken {
  readonly id: string;
  readonly kind: TokenKind;
  /** The one connection a `scim` token may reach; null for `admin` tokens. */
  readonly connectionId: string | null;
  readonly name: string;
  /** ISO-8601 UTC timestamps; null when not set. */
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export type TokenStatus = 'active' | 'expired' | 'revoked';

/** Where a token stands at `now`; revocation wins over expiry. */
export function tokenStatus(token: ApiToken, now: Date): TokenStatus {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= now.toISOString()) return 'expired';
  return 'active';
}
