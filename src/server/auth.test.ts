// Bearer header parsing: only `Bearer <token>` reaches the token check, for the URL's connection.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuthenticator } from './auth.ts';

const TOKEN = `rst_${'a'.repeat(43)}`;

function recordingVerifier() {
  const calls: [string, string][] = [];
  return {
    calls,
    verify: async (token: string, connectionId: string) => {
      calls.push([token, connectionId]);
      return token === TOKEN && connectionId === 'acme' ? { tokenId: 't1' } : null;
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
});
