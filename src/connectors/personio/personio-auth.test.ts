import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../core/testing/manual-clock.ts';
import { CachedToken } from './personio-auth.ts';

void describe('cached Personio token', () => {
  function counting(clock = createManualClock()) {
    let issued = 0;
    const token = new CachedToken(async () => {
      issued += 1;
      return { value: `papi-${issued}`, expiresInSeconds: 86_400 };
    }, clock);
    return { token, clock, issued: () => issued };
  }

  void test('concurrent callers share one token request', async () => {
    const { token, issued } = counting();
    const values = await Promise.all([token.authorization(), token.authorization(), token.authorization()]);
    assert.deepEqual(values, ['Bearer papi-1', 'Bearer papi-1', 'Bearer papi-1']);
    assert.equal(issued(), 1);
  });

  void test('is reused for its life and renewed five minutes before it expires', async () => {
    const { token, clock, issued } = counting();
    await token.authorization();
    clock.advance(24 * 3_600_000 - 6 * 60_000);
    assert.equal(await token.authorization(), 'Bearer papi-1');
    clock.advance(2 * 60_000);
    assert.equal(await token.authorization(), 'Bearer papi-2');
    assert.equal(issued(), 2);
  });

  void test('forgets a rejected token, but not a newer one', async () => {
    const { token } = counting();
    const first = await token.authorization();
    token.invalidate(first);
    const second = await token.authorization();
    assert.equal(second, 'Bearer papi-2');
    token.invalidate(first);
    assert.equal(await token.authorization(), 'Bearer papi-2');
  });

  void test('a failed token request is not cached', async () => {
    let calls = 0;
    const token = new CachedToken(async () => {
      calls += 1;
      if (calls === 1) throw new Error('down');
      return { value: 'papi-ok', expiresInSeconds: 60 };
    }, createManualClock());
    await assert.rejects(token.authorization(), /down/);
    assert.equal(await token.authorization(), 'Bearer papi-ok');
  });

  void test('treats the configured statuses as a rejected token', () => {
    const v1 = new CachedToken(
      async () => ({ value: 'x', expiresInSeconds: 1 }),
      createManualClock(),
      [401, 403],
    );
    assert.equal(v1.isRejection(403), true);
    assert.equal(v1.isRejection(404), false);
  });
});
