// Sealed secrets open only with the key and at the place they were sealed for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SecretUnsealableError } from '../core/errors.ts';
import { deriveKeys } from './root-key.ts';
import { createSecretBox, secretAad } from './secret-box.ts';

const box = createSecretBox(deriveKeys(Buffer.alloc(32, 9)));
const aad = secretAad('connections', 'secrets', 'acme');

void describe('secret box', () => {
  void it('opens what it sealed, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        assert.equal(box.open(box.seal(text, aad), aad), text);
      }),
    );
  });

  void it('never stores the plaintext and never seals the same text the same way twice', () => {
    const a = box.seal('hunter2-hunter2', aad);
    const b = box.seal('hunter2-hunter2', aad);
    assert.notEqual(a, b);
    assert.doesNotMatch(a, /hunter2/);
    assert.deepEqual(Object.keys(JSON.parse(a)).sort(), ['ct', 'dek', 'iv', 'kekId', 'tag', 'v']);
  });

  void it('refuses a ciphertext moved to another row, column or table', () => {
    const sealed = box.seal('secret', aad);
    for (const place of [
      secretAad('connections', 'secrets', 'other'),
      secretAad('connections', 'settings', 'acme'),
      secretAad('tokens', 'secrets', 'acme'),
    ]) {
      assert.throws(() => box.open(sealed, place), SecretUnsealableError);
    }
  });

  void it('refuses a ciphertext sealed under another root key, saying so', () => {
    const other = createSecretBox(deriveKeys(Buffer.alloc(32, 10)));
    assert.throws(
      () => other.open(box.seal('secret', aad), aad),
      (e: unknown) => e instanceof SecretUnsealableError && /different ROSTER_SECRET_KEY/.test(e.message),
    );
  });

  void it('refuses any altered field', () => {
    const sealed = JSON.parse(box.seal('secret value', aad)) as Record<string, unknown>;
    const flip = (text: string) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64url');
    };
    for (const field of ['iv', 'tag', 'ct'] as const) {
      const altered = { ...sealed, [field]: flip(sealed[field] as string) };
      assert.throws(() => box.open(JSON.stringify(altered), aad), SecretUnsealableError, field);
    }
    const dek = sealed['dek'] as Record<string, string>;
    const alteredDek = { ...sealed, dek: { ...dek, ct: flip(dek['ct'] ?? '') } };
    assert.throws(() => box.open(JSON.stringify(alteredDek), aad), SecretUnsealableError);
    const shortTag = {
      ...sealed,
      tag: Buffer.from(sealed['tag'] as string, 'base64url')
        .subarray(0, 4)
        .toString('base64url'),
    };
    assert.throws(() => box.open(JSON.stringify(shortTag), aad), SecretUnsealableError);
  });

  void it('refuses text that is not a sealed record', () => {
    for (const text of ['', 'plain', '{}', '{"v":2}', 'null', '[]']) {
      assert.throws(() => box.open(text, aad), SecretUnsealableError, text);
    }
  });
});
