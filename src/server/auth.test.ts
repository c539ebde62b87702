// Bearer header parsing: only `Bearer <token>` reaches the token check, for the URL's connection;
// a success is reused briefly, never across connections, never past the token's expiry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuthenticator } from './auth.ts';

const TOKEN = `rst_${'a'.repeat(43)}`;

function recordingVerifier(expiresAt: string | null = null) {
  const calls: [string, string][] = [];
  let revoked = false;
  return {
    calls,
    revoke: () => {
      revoked = true;
    },
    verify: async (token: string, connectionId: string) => {
      calls.push([token, connectionId]);
      return token === TOKEN && connectionId === 'acme' && !revoked ? { tokenId: 't1', expiresAt } : null;
    },
  };
}

function manualClock(start = Date.parse('2026-11-29T10:00:00Z')) {
  let at = start;
  return {
    now: () => at,
    advance: (ms: number) => {
      at += ms;
    },
  };
}

void describe('createAuthenticator', () => {
  void it('passes the bearer token and the connection to the token check', async () => {
    const verifier = recordingVerifier();
    const authenticate = createAuthenticator(verifier);
    assert.deepEqual(await authenticate(`Bearer ${TOKEN}`, 'acme'), { tokenId: 't1' });
    assert.deepEqual(verifier.calls, [[TOKEN, 'acme']]);
  });

  void it('accepts the scheme in any case and extra spaces around the token', async () => {
    const authenticate = createAuthenticator(recordingVerifier());
    for (const header of [`bearer ${TOKEN}`, `BEARER  ${TOKEN}`, `Bearer ${TOKEN} `]) {
      assert.deepEqual(await authenticate(header, 'acme'), { tokenId: 't1' }, header);
    }
  });

  void it('answers null to a token for another connection', async () => {
    const authenticate = createAuthenticator(recordingVerifier());
    assert.equal(await authenticate(`Bearer ${TOKEN}`, 'other'), null);
  });

  void it('answers null without asking the store when the header is not a bearer header', async () => {
    const verifier = recordingVerifier();
    const authenticate = createAuthenticator(verifier);
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      TOKEN,
      `Basic ${TOKEN}`,
      `Token ${TOKEN}`,
      `Bearer ${TOKEN} extra`,
      `Bearer ${'a'.repeat(2000)}`,
    ]) {
      assert.equal(await authenticate(header, 'acme'), null, String(header));
    }
    assert.deepEqual(verifier.calls, []);
  });

  void it('lets a failing store reject instead of calling a valid token invalid', async () => {
    const authenticate = createAuthenticator({
      verify: async () => {
        throw new Error('database down');
      },
    });
    await assert.rejects(authenticate(`Bearer ${TOKEN}`, 'acme'), /database down/);
  });

  void it('reuses a success for the same token and connection for a second, then asks again', async () => {
    const verifier = recordingVerifier();
    const clock = manualClock();
    const authenticate = createAuthenticator(verifier, { reuseMs: 1000, now: clock.now });
    for (let i = 0; i < 5; i++)
      assert.deepEqual(await authenticate(`Bearer ${TOKEN}`, 'acme'), { tokenId: 't1' });
    assert.equal(verifier.calls.length, 1);
    verifier.revoke();
    clock.advance(999);
    assert.deepEqual(await authenticate(`Bearer ${TOKEN}`, 'acme'), { tokenId: 't1' });
    clock.advance(1);
    assert.equal(
      await authenticate(`Bearer ${TOKEN}`, 'acme'),
      null,
      'revocation holds after the reuse window',
    );
    assert.equal(verifier.calls.length, 2);
  });

  void it('never reuses a success for another connection', async () => {
    const verifier = recordingVerifier();
    const authenticate = createAuthenticator(verifier, { reuseMs: 60_000 });
    assert.deepEqual(await authenticate(`Bearer ${TOKEN}`, 'acme'), { tokenId: 't1' });
    assert.equal(await authenticate(`Bearer ${TOKEN}`, 'other'), null);
    assert.deepEqual(verifier.calls, [
      [TOKEN, 'acme'],
      [TOKEN, 'other'],
    ]);
  });

  void it('stops reusing at the token expiry, even inside the window', async () => {
    const clock = manualClock();
    const verifier = recordingVerifier(new Date(clock.now() + 300).toISOString());
    const authenticate = createAuthenticator(verifier, { reuseMs: 1000, now: clock.now });
    await authenticate(`Bearer ${TOKEN}`, 'acme');
    clock.advance(300);
    await authenticate(`Bearer ${TOKEN}`, 'acme');
    assert.equal(verifier.calls.length, 2);
  });

  void it('asks every time for failures and when reuse is off', async () => {
    const verifier = recordingVerifier();
    const authenticate = createAuthenticator(verifier, { reuseMs: 0 });
    await authenticate(`Bearer ${TOKEN}`, 'acme');
    await authenticate(`Bearer ${TOKEN}`, 'acme');
    await authenticate(`Bearer ${TOKEN}`, 'nope');
    await authenticate(`Bearer ${TOKEN}`, 'nope');
    assert.equal(verifier.calls.length, 4);
  });
});
