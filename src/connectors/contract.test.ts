import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { ConnectorLogger } from './contract.ts';
import {
  CAPABILITIES,
  CAPABILITY_METHODS,
  CONNECTOR_ERROR_KINDS,
  ConnectorError,
  isConnectorError,
  isRetryableKind,
} from './contract.ts';

void describe('connector errors', () => {
  void test('carry a stable kind, a registry code, the cause and the write outcome', () => {
    const cause = new Error('socket hang up');
    const error = new ConnectorError('unavailable', 'Personio timed out', {
      cause,
      outcome: 'unknown',
      status: 504,
    });
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.code, 'connector_unavailable');
    assert.equal(error.cause, cause);
    assert.equal(error.outcome, 'unknown');
    assert.equal(error.status, 504);
    assert.equal(error.name, 'ConnectorError');
    assert.ok(error instanceof Error, 'an Error');
    assert.ok(isConnectorError(error), 'recognised');
  });

  void test('default to "not applied" and carry retryAfterMs for rate limiting', () => {
    const error = new ConnectorError('rate_limited', 'slow down', { retryAfterMs: 2000 });
    assert.equal(error.outcome, 'not_applied');
    assert.equal(error.retryAfterMs, 2000);
  });

  void test('only rate_limited and unavailable are retryable as they are', () => {
    const retryable = CONNECTOR_ERROR_KINDS.filter(isRetryableKind);
    assert.deepEqual(retryable, ['rate_limited', 'unavailable']);
    assert.equal(new ConnectorError('conflict', 'x').isRetryable, false);
  });
});

void describe('capabilities', () => {
  void test('every capability names its implementing method or says it has none', () => {
    assert.deepEqual(Object.keys(CAPABILITY_METHODS).sort(), [...CAPABILITIES].sort());
  });
});

void describe('connector logger', () => {
  void test('pino satisfies the connector logger interface', () => {
    const lines: string[] = [];
    const logger: ConnectorLogger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    logger.child({ connector: 'personio' }).info({ operation: 'v1.listEmployees' }, 'read');
    assert.match(lines[0] ?? '', /"connector":"personio".*"operation":"v1.listEmployees".*"msg":"read"/);
  });
});
