// The depth scan agrees with the real nesting of any JSON value and never throws on any text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { jsonDepth } from './json-body.ts';

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object')
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

void describe('jsonDepth', () => {
  void it('measures the nesting of any JSON document, brackets inside strings excluded', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (value) => {
        const text = JSON.stringify(value);
        assert.equal(jsonDepth(text, 1000), depthOf(value));
      }),
    );
  });

  void it('ignores brackets and escaped quotes inside strings', () => {
    assert.equal(jsonDepth('{"a":"[[[{{{\\"[[["}'), 1);
    assert.equal(jsonDepth('["\\\\",[1]]'), 2);
  });

  void it('stops counting once past the limit', () => {
    assert.equal(jsonDepth('['.repeat(1_000_000), 64), 65);
  });

  void it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        assert.ok(jsonDepth(text) >= 0);
      }),
    );
  });
});
