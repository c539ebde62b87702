import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from './contract.ts';
import { findConnector, listConnectors, openConnector } from './registry.ts';
import { createTestContext } from './testing/test-context.ts';

void describe('connector registry', () => {
  void test('finds Personio by id and lists each connector once', () => {
    assert.equal(findConnector('personio')?.manifest.displayName, 'Personio');
    assert.equal(findConnector('nope'), undefined);
    const ids = listConnectors().map((c) => c.manifest.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  void test('opening validates settings and secrets, listing every problem without echoing values', () => {
    const { context } = createTestContext();
    try {
      openConnector(
        'personio',
        { baseUrl: 'http://example.com', pageSize: 500 },
        { clientSecret: '' },
        context,
      );
      assert.fail('expected invalid settings to be refused');
    } catch (error) {
      assert.ok(error instanceof ConnectorError, 'a ConnectorError');
      assert.equal(error.kind, 'invalid_request');
      assert.match(error.message, /clientId/);
      assert.match(error.message, /baseUrl/);
      assert.match(error.message, /pageSize/);
    }
    try {
      openConnector(
        'personio',
        { clientId: 'c' },
        { clientSecret: 'x', webhookToken: 'short-secret' },
        context,
      );
      assert.fail('expected invalid secrets to be refused');
    } catch (error) {
      assert.ok(error instanceof ConnectorError, 'a ConnectorError');
      assert.match(error.message, /webhookToken/);
      assert.ok(!error.message.includes('short-secret'), 'the secret is not echoed');
    }
  });

  void test('an unknown connector id is invalid_request', () => {
    const { context } = createTestContext();
    assert.throws(
      () => openConnector('workday', {}, {}, context),
      (error: unknown) => error instanceof ConnectorError && error.kind === 'invalid_request',
    );
  });

  void test('a valid configuration opens without touching the network', async () => {
    const { context } = createTestContext();
    const handle = openConnector('personio', { clientId: 'c' }, { clientSecret: 's' }, context);
    assert.ok(handle.people && handle.accounts, 'people and accounts parts');
    await handle.close();
  });
});
