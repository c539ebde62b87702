import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_RETRY_POLICY, decideRetry, fullJitterDelay, parseRetryAfter } from './retry-policy.ts';

const now = new Date('2026-03-02T09:00:00.000Z');

void describe('Retry-After', () => {
  void test('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('2026', now), 2_026_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('1.5', now), 1500);
  });

  void test('reads an HTTP date relative to the injected clock', () => {
    assert.equal(parseRetryAfter('Mon, 02 Mar 2026 09:00:07 GMT', now), 7000);
  });

  void test('treats an HTTP date in the past as no wait', () => {
    assert.equal(parseRetryAfter('Mon, 02 Mar 2026 08:00:00 GMT', now), 0);
  });

  void test('ignores absent, empty, negative and unreadable values', () => {
    for (const value of [undefined, '', '-1', 'soon', '1e3', '12 05']) {
      assert.equal(parseRetryAfter(value, now), undefined, String(value));
    }
  });

  void test('never throws and never returns a negative wait', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const ms = parseRetryAfter(value, now);
        return ms === undefined || (Number.isFinite(ms) && ms >= 0);
      }),
    );
  });
});

void describe('full-jitter backoff', () => {
  void test('draws within [0, base * 2^(retry-1)) capped at the maximum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (retry, r) => {
          const delay = fullJitterDelay(retry, DEFAULT_RETRY_POLICY, () => r);
          const ceiling = Math.min(
            DEFAULT_RETRY_POLICY.maxBackoffMs,
            DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (retry - 1),
          );
          return delay >= 0 && delay < ceiling;
        },
      ),
    );
  });

  void test('the ceiling doubles per retry', () => {
    const top = () => 0.999;
    assert.equal(fullJitterDelay(1, DEFAULT_RETRY_POLICY, top), 499);
    assert.equal(fullJitterDelay(2, DEFAULT_RETRY_POLICY, top), 999);
    assert.equal(fullJitterDelay(3, DEFAULT_RETRY_POLICY, top), 1998);
  });

  void test('a draw of zero waits nothing (that is full jitter, not equal jitter)', () => {
    assert.equal(
      fullJitterDelay(3, DEFAULT_RETRY_POLICY, () => 0),
      0,
    );
  });
});

void describe('retry decision', () => {
  const base = { policy: DEFAULT_RETRY_POLICY, random: () => 0.5 };

  void test('honours Retry-After on 429 and 503', () => {
    assert.deepEqual(decideRetry({ ...base, retry: 1, status: 429, retryAfterMs: 4000 }), {
      retry: true,
      delayMs: 4000,
    });
    assert.deepEqual(decideRetry({ ...base, retry: 1, status: 503, retryAfterMs: 2000 }), {
      retry: true,
      delayMs: 2000,
    });
  });

  void test('waits at least one second after a 429 without Retry-After', () => {
    assert.deepEqual(decideRetry({ ...base, retry: 1, status: 429, retryAfterMs: undefined }), {
      retry: true,
      delayMs: 1000,
    });
    assert.deepEqual(decideRetry({ ...base, retry: 1, status: 429, retryAfterMs: 0 }), {
      retry: true,
      delayMs: 1000,
    });
  });

  void test('uses jitter for 5xx even when they carry Retry-After, except 503', () => {
    assert.deepEqual(decideRetry({ ...base, retry: 2, status: 500, retryAfterMs: 9000 }), {
      retry: true,
      delayMs: 500,
    });
  });

  void test('stops after the last attempt and reports the wait', () => {
    const decision = decideRetry({
      ...base,
      retry: DEFAULT_RETRY_POLICY.maxAttempts,
      status: 429,
      retryAfterMs: 3000,
    });
    assert.deepEqual(decision, { retry: false, retryAfterMs: 3000 });
  });

  void test('hands a long Retry-After to the engine instead of sleeping on it', () => {
    const decision = decideRetry({ ...base, retry: 1, status: 429, retryAfterMs: 3_600_000 });
    assert.deepEqual(decision, { retry: false, retryAfterMs: 3_600_000 });
  });
});
