// Token format and status rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTokenFormat, tokenStatus, type ApiToken } from './token.ts';

const base: ApiToken = {
  id: 't1',
  kind: 'scim',
  connectionId: 'acme',
  name: 'okta',
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
};

void describe('tokens', () => {
  void it('recognises the rst_ prefix followed by 43 base64url characters', () => {
    assert.ok(isTokenFormat(`rst_${'A'.repeat(42)}_`));
    assert.ok(!isTokenFormat(`rst_${'A'.repeat(42)}`));
    assert.ok(!isTokenFormat(`xyz_${'A'.repeat(43)}`));
    assert.ok(!isTokenFormat(`rst_${'A'.repeat(42)}=`));
  });

  void it('reports revoked before expired, and expired at the exact expiry instant', () => {
    const now = new Date('2026-02-01T00:00:00.000Z');
    assert.equal(tokenStatus(base, now), 'active');
    assert.equal(tokenStatus({ ...base, expiresAt: now.toISOString() }, now), 'expired');
    assert.equal(
      tokenStatus(
        { ...base, expiresAt: '2026-01-15T00:00:00.000Z', revokedAt: '2026-01-10T00:00:00.000Z' },
        now,
      ),
      'revoked',
    );
  });
});
