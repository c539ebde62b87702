// Token lifetimes typed on the command line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../core/errors.ts';
import { parseDuration } from './duration.ts';

void describe('parseDuration', () => {
  void it('reads minutes, hours, days, weeks and 365-day years', () => {
    assert.equal(parseDuration('30m'), 30 * 60_000);
    assert.equal(parseDuration('12h'), 12 * 3_600_000);
    assert.equal(parseDuration('90d'), 90 * 86_400_000);
    assert.equal(parseDuration('8w'), 56 * 86_400_000);
    assert.equal(parseDuration('1y'), 365 * 86_400_000);
  });

  void it('refuses zero, negative, fractional, unit-less and unknown units', () => {
    for (const text of ['0d', '-1d', '1.5d', '90', 'd', '5s', '1 d', '', 'forever', '9999999d']) {
      assert.throws(
        () => parseDuration(text),
        (e: unknown) => e instanceof InvalidInputError && e.code === 'token_expiry_invalid',
        text,
      );
    }
  });
});
