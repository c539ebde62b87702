// The error registry and docs/errors.md must list the same codes in the same order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ConfigError,
  ConflictError,
  DatabaseError,
  ERROR_CODES,
  InvalidInputError,
  NotFoundError,
  RosterError,
  SecretKeyError,
  SecretUnsealableError,
  isRosterError,
} from './errors.ts';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

void describe('error registry', () => {
  void it('documents every code in docs/errors.md, in registry order, and nothing else', () => {
    const documented = [...docs.matchAll(/^## `([a-z0-9_]+)`$/gm)].map((m) => m[1]);
    assert.deepEqual(documented, [...ERROR_CODES]);
  });

  void it('uses lower_snake codes that are unique', () => {
    for (const code of ERROR_CODES) assert.match(code, /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
  });

  void it('keeps the cause of a wrapped failure', () => {
    const cause = new Error('disk full');
    const error = new DatabaseError('database_unavailable', 'cannot open the database', { cause });
    assert.equal(error.cause, cause);
    assert.equal(error.code, 'database_unavailable');
    assert.ok(error instanceof RosterError);
    assert.ok(error instanceof Error);
  });

  void it('gives every subclass a code from the registry and its own name', () => {
    const errors: RosterError[] = [
      new ConfigError([{ variable: 'PORT', problem: 'bad.', fix: 'set it.' }]),
      new SecretKeyError('secret_key_insecure', 'readable by others'),
      new SecretUnsealableError('tampered'),
      new DatabaseError('migration_failed', 'failed'),
      new InvalidInputError('connection_id_invalid', 'bad id'),
      new NotFoundError('token_not_found', 'no such token'),
      new ConflictError('connection_exists', 'exists'),
    ];
    for (const error of errors) {
      assert.ok(isRosterError(error));
      assert.ok((ERROR_CODES as readonly string[]).includes(error.code));
      assert.notEqual(error.name, 'Error');
    }
  });

  void it('lists every config issue in one message', () => {
    const error = new ConfigError([
      { variable: 'PORT', problem: '"x" is not a number.', fix: 'set PORT to 8080.' },
      { variable: 'HOST', problem: 'is empty.', fix: 'set HOST to 127.0.0.1.' },
    ]);
    assert.match(error.message, /2 environment variables are invalid/);
    assert.match(error.message, /PORT: "x" is not a number\. Fix: set PORT to 8080\./);
    assert.match(error.message, /HOST: is empty\./);
  });

  void it('does not mistake a plain error for a registered one', () => {
    assert.equal(isRosterError(new Error('x')), false);
    assert.equal(isRosterError({ code: 'config_invalid' }), false);
  });
});
