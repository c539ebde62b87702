// The API credential and the tokens issued for it: stable 24 h `papi-` tokens for v1 (the same one
// handed back for 24 h), a fresh token per request for v2; neither is accepted by the other API.
import { randomBytes } from 'node:crypto';

export const TOKEN_LIFETIME_MS = 86_400_000;

export type TokenApi = 'v1' | 'v2';

export interface IssuedToken {
  value: string;
  api: TokenApi;
  clientId: string;
  scopes: readonly string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export type TokenCheck =
  { ok: true; token: IssuedToken } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'wrong-api' };

/** v2 scopes the demo credential holds (`personio:<resource>:<read|write>`). */
export const V2_SCOPES = [
  'personio:persons:read',
  'personio:persons:write',
  'personio:employments:read',
  'personio:employments:write',
  'personio:legal-entities:read',
  'personio:webhooks:read',
  'personio:webhooks:write',
] as const;

/** The scope string `/v1/auth` reports; the spec's example shows this format. */
export const V1_SCOPE = 'employees:read employees:write';

function newTokenValue(): string {
  return `papi-${randomBytes(48).toString('base64url')}`;
}

export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly currentV1 = new Map<string, string>();

  /** The credential's current v1 token, or a new one when none is valid any more. */
  issueV1(clientId: string, now: number): IssuedToken {
    const current = this.currentV1.get(clientId);
    const existing = current === undefined ? undefined : this.tokens.get(current);
    if (existing && !existing.revoked && existing.expiresAt > now) return existing;
    const token: IssuedToken = {
      value: newTokenValue(),
      api: 'v1',
      clientId,
      scopes: V1_SCOPE.split(' '),
      issuedAt: now,
      expiresAt: now + TOKEN_LIFETIME_MS,
      revoked: false,
    };
    this.tokens.set(token.value, token);
    this.currentV1.set(clientId, token.value);
    return token;
  }

  issueV2(clientId: string, scopes: readonly string[], now: number): IssuedToken {
    const token: IssuedToken = {
      value: newTokenValue(),
      api: 'v2',
      clientId,
      scopes,
      issuedAt: now,
      expiresAt: now + TOKEN_LIFETIME_MS,
      revoked: false,
    };
    this.tokens.set(token.value, token);
    return token;
  }

  check(value: string, api: TokenApi, now: number): TokenCheck {
    const token = this.tokens.get(value);
    if (!token) return { ok: false, reason: 'unknown' };
    if (token.api !== api) return { ok: false, reason: 'wrong-api' };
    if (token.revoked) return { ok: false, reason: 'revoked' };
    if (token.expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: true, token };
  }

  /** Makes a token expire now (the `expired-token` fault). */
  expire(value: string, now: number): void {
    const token = this.tokens.get(value);
    if (token) token.expiresAt = Math.min(token.expiresAt, now);
  }

  revoke(value: string): boolean {
    const token = this.tokens.get(value);
    if (!token) return false;
    token.revoked = true;
    return true;
  }
}
