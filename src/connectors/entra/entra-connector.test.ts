// The entra connector against the Entra emulator: uploads of at most 50 records each, confirmation
// from the provisioning logs, Entra's per-record failures reaching the engine with Entra's reason,
// pending records settled (or expired) by a later listing, faults on bulkUpload and the token, and the
// settings the URL policy guards.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccountWriteResult } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import { openConnector } from '../registry.ts';
import { createTestContext } from '../testing/test-context.ts';
import { entraSettingsSchema } from './settings.ts';
import { desiredAccount, startEntraHarness, type EntraHarness } from './testing/entra-harness.ts';

async function withHarness(
  options: Parameters<typeof startEntraHarness>[0],
  body: (h: EntraHarness) => Promise<void>,
): Promise<void> {
  const h = await startEntraHarness(options);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

function failureOf(result: AccountWriteResult | undefined): ConnectorError {
  assert.ok(result && !result.ok, `expected a failed write, got ${JSON.stringify(result)}`);
  return result.error;
}

async function listAll(h: EntraHarness) {
  const items = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await h.handle.accounts!.listAccounts(cursor);
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
  }
}

void describe('entra connector', () => {
  void test('120 creates go out as bulk requests of at most 50 records and are listed once confirmed', async () => {
    await withHarness({}, async (h) => {
      const writes = Array.from({ length: 120 }, (_, i) => ({
        kind: 'create' as const,
        desired: desiredAccount(`bulk${i}`),
      }));
      const results = await h.handle.accounts!.writeAccounts!(writes);
      assert.ok(
        results.every((r) => r.ok && r.outcome === 'created' && r.warnings.length === 0),
        JSON.stringify(results.find((r) => !r.ok || r.warnings.length > 0)),
      );
      assert.deepEqual(
        (await h.uploads()).map((u) => u.operations),
        [50, 50, 20],
      );
      assert.equal((await h.users()).length, 120);
      const listed = await listAll(h);
      assert.equal(listed.length, 120);
      assert.ok(listed.every((a) => a.isActive === true && a.id.startsWith('bulk')));
      const one = listed.find((a) => a.id === 'bulk7');
      assert.equal(one?.userName, 'person.bulk7@contoso.example');
      assert.equal(one?.attributes['externalId'], 'bulk7');
    });
  });

  void test('a record Entra refuses fails with Entra’s reason, is not listed, and the rest of the batch succeeds', async () => {
    await withHarness({}, async (h) => {
      const bad = desiredAccount('bad1');
      const results = await h.handle.accounts!.writeAccounts!([
        { kind: 'create', desired: desiredAccount('good1') },
        { kind: 'create', desired: { ...bad, attributes: { ...bad.attributes, userName: 'not a upn' } } },
      ]);
      assert.equal(results[0]?.ok, true);
      const error = failureOf(results[1]);
      assert.equal(error.kind, 'invalid_request');
      assert.match(
        error.message,
        /did not provision externalId bad1: The userPrincipalName 'not a upn' is not a valid/,
      );
      assert.equal(error.details['errorCode'], 'AzureActiveDirectoryInvalidUserPrincipalName');
      assert.deepEqual(
        (await listAll(h)).map((a) => a.id),
        ['good1'],
      );
    });
  });

  void test('an update Entra refuses keeps the account as last confirmed, so the next plan sends it again', async () => {
    await withHarness({}, async (h) => {
      const accounts = h.handle.accounts!;
      await accounts.writeAccounts!([
        { kind: 'create', desired: desiredAccount('u1') },
        { kind: 'create', desired: desiredAccount('u2') },
      ]);
      const [result] = await accounts.writeAccounts!([
        {
          kind: 'update',
          accountId: 'u2',
          changes: { attributes: { userName: 'person.u1@contoso.example', title: 'Lead' } },
        },
      ]);
      assert.match(failureOf(result).message, /already has the userPrincipalName '\[address\]'/);
      assert.doesNotMatch(failureOf(result).message, /@/, 'no address in a journaled message');
      const u2 = (await listAll(h)).find((a) => a.id === 'u2');
      assert.equal(u2?.userName, 'person.u2@contoso.example');
      assert.equal(u2?.attributes['title'], undefined);
    });
  });

  void test('updates, disables and enables upload the whole record; repeating one uploads nothing', async () => {
    await withHarness({ accounts: 0 }, async (h) => {
      const accounts = h.handle.accounts!;
      await accounts.createAccount!(desiredAccount('m1'));
      await accounts.updateAccount!('m1', {
        attributes: {
          title: 'Engineer',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'R&D',
        },
      });
      await accounts.disableAccount!('m1');
      await accounts.disableAccount!('m1');
      let user = (await h.users()).find((u) => u.employeeId === 'm1');
      assert.equal(user?.accountEnabled, false);
      assert.equal(user?.jobTitle, 'Engineer');
      await accounts.enableAccount!('m1');
      user = (await h.users()).find((u) => u.employeeId === 'm1');
      assert.equal(user?.accountEnabled, true);
      assert.equal(
        (await h.uploads()).length,
        4,
        'create, update, disable, enable; the second disable sent nothing',
      );
      const logs = await h.control<{ logs: { provisioningAction: string }[] }>('GET', '/logs');
      assert.deepEqual(
        logs.logs.map((l) => l.provisioningAction),
        ['create', 'update', 'disable', 'update'],
      );
    });
  });

  void test('two writes for one person in one batch go out as one record carrying both', async () => {
    await withHarness({}, async (h) => {
      const accounts = h.handle.accounts!;
      await accounts.createAccount!(desiredAccount('twice'));
      const results = await accounts.writeAccounts!([
        { kind: 'update', accountId: 'twice', changes: { attributes: { title: 'Former lead' } } },
        { kind: 'disable', accountId: 'twice' },
      ]);
      assert.ok(
        results.every((r) => r.ok),
        JSON.stringify(results),
      );
      assert.deepEqual(
        (await h.uploads()).map((u) => u.operations),
        [1, 1],
      );
      const user = (await h.users())[0];
      assert.equal(user?.jobTitle, 'Former lead');
      assert.equal(user?.accountEnabled, false);
    });
  });

  void test('an update of an account Roster never uploaded is not_found; disabling one is success; externalId cannot change', async () => {
    await withHarness({ accounts: 1 }, async (h) => {
      const accounts = h.handle.accounts!;
      await assert.rejects(
        accounts.updateAccount!('nobody', { attributes: { title: 'x' } }),
        (e: unknown) => e instanceof ConnectorError && e.kind === 'not_found',
      );
      await accounts.disableAccount!('nobody');
      const [first] = await listAll(h);
      await assert.rejects(
        accounts.updateAccount!(first!.id, { attributes: { externalId: 'other' } }),
        (e: unknown) =>
          e instanceof ConnectorError &&
          e.kind === 'invalid_request' &&
          /externalId cannot change/.test(e.message),
      );
      await assert.rejects(
        accounts.createAccount!({
          email: 'x@contoso.example',
          attributes: { userName: 'x@contoso.example' },
        }),
        (e: unknown) => e instanceof ConnectorError && /no externalId/.test(e.message),
      );
    });
  });

  void test('uploads to a paused job stay pending: listed, settled by a later listing once Entra has processed them', async () => {
    await withHarness({ settings: { confirmTimeoutMs: 100 } }, async (h) => {
      await h.control('PUT', '/job', { paused: true });
      const created = await h.handle.accounts!.createAccount!(desiredAccount('p1'));
      assert.match(created.warnings.join(' '), /not confirmed it yet/);
      assert.deepEqual(
        (await listAll(h)).map((a) => a.id),
        ['p1'],
        'pending records are listed, so the next plan does not send them again',
      );
      await h.control('PUT', '/job', { paused: false });
      await h.control('POST', '/process');
      await listAll(h);
      const stored = (await h.state.get('user:p1')) as {
        pending: unknown;
        confirmed: { objectId: string } | null;
      };
      assert.equal(stored.pending, null);
      assert.equal(stored.confirmed?.objectId, (await h.users())[0]?.id);
    });
  });

  void test('unreadable provisioning logs leave pending records pending and the listing complete', async () => {
    await withHarness({ settings: { confirmTimeoutMs: 50 } }, async (h) => {
      await h.control('PUT', '/job', { paused: true });
      await h.handle.accounts!.createAccount!(desiredAccount('q1'));
      await h.control('POST', '/faults', { kind: 'malformed-page', count: 20 });
      assert.deepEqual(
        (await listAll(h)).map((a) => a.id),
        ['q1'],
      );
      assert.match(h.test.logger.text(), /pending records stay pending/);
    });
  });

  void test('an upload that never shows in the logs expires, so the next plan uploads it again', async () => {
    await withHarness({ settings: { confirmTimeoutMs: 50, pendingExpiryMs: 60_000 } }, async (h) => {
      await h.control('PUT', '/job', { paused: true });
      await h.handle.accounts!.createAccount!(desiredAccount('lost1'));
      h.test.clock.advance(30_000);
      assert.equal((await listAll(h)).length, 1, 'still pending');
      h.test.clock.advance(31_000);
      assert.equal((await listAll(h)).length, 0, 'expired: not listed, so it is created again');
    });
  });

  void test('a 429 on bulkUpload is waited out and the upload goes through once', async () => {
    await withHarness({}, async (h) => {
      await h.control('POST', '/faults', { kind: '429', endpoint: 'bulkUpload', retryAfterSeconds: 2 });
      await h.handle.accounts!.createAccount!(desiredAccount('r1'));
      assert.deepEqual(
        (await h.uploads()).map((u) => u.status),
        [429, 202],
      );
      assert.ok(
        h.test.sleep.calls.some((ms) => ms >= 2_000),
        'Retry-After honoured',
      );
      assert.equal((await h.users()).length, 1);
    });
  });

  void test('5xx after Entra accepted: the write fails as unknown, and the next listing confirms it from the logs without a second user', async () => {
    await withHarness({}, async (h) => {
      await h.control('POST', '/faults', {
        kind: '500',
        endpoint: 'bulkUpload',
        afterAccepting: true,
        count: 10,
      });
      const [result] = await h.handle.accounts!.writeAccounts!([
        { kind: 'create', desired: desiredAccount('x1') },
      ]);
      const error = failureOf(result);
      assert.equal(error.kind, 'unavailable');
      assert.equal(error.outcome, 'unknown');
      await h.control('DELETE', '/faults');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(
        (await listAll(h)).map((a) => a.id),
        ['x1'],
      );
      const stored = (await h.state.get('user:x1')) as { pending: unknown; confirmed: unknown };
      assert.equal(stored.pending, null, 'confirmed from the provisioning logs');
      assert.equal((await h.users()).length, 1);
    });
  });

  void test('5xx before Entra accepted: the record is not listed, so the next plan uploads it again, once', async () => {
    await withHarness({}, async (h) => {
      await h.control('POST', '/faults', { kind: '500', endpoint: 'bulkUpload', count: 10 });
      const [result] = await h.handle.accounts!.writeAccounts!([
        { kind: 'create', desired: desiredAccount('y1') },
      ]);
      assert.equal(failureOf(result).outcome, 'unknown');
      await h.control('DELETE', '/faults');
      assert.deepEqual(await listAll(h), [], 'not known to exist');
      const again = await h.handle.accounts!.createAccount!(desiredAccount('y1'));
      assert.equal(again.outcome, 'created');
      assert.deepEqual(
        (await h.users()).map((u) => u.employeeId),
        ['y1'],
      );
    });
  });

  void test('a bulkUpload that times out after Entra took it is settled from the logs, not duplicated', async () => {
    await withHarness({ settings: { requestTimeoutMs: 300 } }, async (h) => {
      await h.control('POST', '/faults', {
        kind: 'timeout',
        endpoint: 'bulkUpload',
        afterAccepting: true,
        count: 10,
      });
      const [result] = await h.handle.accounts!.writeAccounts!([
        { kind: 'create', desired: desiredAccount('slow1') },
      ]);
      const error = failureOf(result);
      assert.equal(error.kind, 'unavailable');
      assert.equal(error.outcome, 'unknown');
      await h.control('DELETE', '/faults');
      await h.control('POST', '/process');
      assert.deepEqual(
        (await listAll(h)).map((a) => a.id),
        ['slow1'],
      );
      assert.deepEqual(
        (await h.users()).map((u) => u.employeeId),
        ['slow1'],
        'one user, whatever the retries sent',
      );
    });
  });

  void test('an expired token is refreshed once and the request repeated', async () => {
    await withHarness({ accounts: 1 }, async (h) => {
      await h.control('POST', '/faults', { kind: 'expired-token', endpoint: 'bulkUpload' });
      await h.handle.accounts!.createAccount!(desiredAccount('t1'));
      const requests = await h.control<{ requests: { endpoint: string; status: number }[] }>(
        'GET',
        '/requests',
      );
      assert.equal(requests.requests.filter((r) => r.endpoint === 'token').length, 2);
      assert.equal((await h.users()).length, 2);
    });
  });

  void test('a wrong client secret is unauthenticated, with what to check, and never the secret', async () => {
    await withHarness({}, async (h) => {
      const handle = openConnector(
        'entra',
        h.rawSettings,
        { clientSecret: 'wrong-secret-value' },
        {
          ...createTestContext().context,
          services: { state: h.state },
        },
      );
      await assert.rejects(handle.check(), (e: unknown) => {
        assert.ok(e instanceof ConnectorError);
        assert.equal(e.kind, 'unauthenticated');
        assert.match(e.message, /AADSTS7000215/);
        assert.match(e.message, /client secret/);
        assert.doesNotMatch(e.message, /wrong-secret-value/);
        return true;
      });
      await handle.close();
    });
  });

  void test('check() proves the log permission and counts what Roster uploaded', async () => {
    await withHarness({ accounts: 2 }, async (h) => {
      const check = await h.handle.check();
      assert.equal(check.count, 2);
      assert.match(check.summary, /provisioning logs/);
    });
  });

  void test('opening without the state service is invalid_request', () => {
    const { context } = createTestContext();
    assert.throws(
      () =>
        openConnector(
          'entra',
          {
            tenantId: 'contoso.onmicrosoft.com',
            clientId: '0c5a9f3e-2b1d-4e6f-8a7b-9c0d1e2f3a4b',
            servicePrincipalId: '2d8e4f6a-1b3c-4d5e-8f9a-0b1c2d3e4f5a',
            jobId: 'API2AAD.abc',
          },
          { clientSecret: 's' },
          context,
        ),
      (e: unknown) =>
        e instanceof ConnectorError && e.kind === 'invalid_request' && /services\.state/.test(e.message),
    );
  });

  void test('settings: login and Graph URLs are origins that pass the URL policy', () => {
    const base = {
      tenantId: '6f1c1d2e-7a8b-4c3d-9e0f-1a2b3c4d5e6f',
      clientId: '0c5a9f3e-2b1d-4e6f-8a7b-9c0d1e2f3a4b',
      servicePrincipalId: '2d8e4f6a-1b3c-4d5e-8f9a-0b1c2d3e4f5a',
      jobId: 'API2AAD.4f5a6b7c',
    };
    const parsed = entraSettingsSchema.parse(base);
    assert.equal(parsed.graphUrl, 'https://graph.microsoft.com');
    assert.equal(parsed.loginUrl, 'https://login.microsoftonline.com');
    for (const graphUrl of [
      'http://graph.example.com',
      'https://graph.microsoft.com/v1.0',
      'https://169.254.169.254',
      'ftp://x',
    ]) {
      assert.equal(entraSettingsSchema.safeParse({ ...base, graphUrl }).success, false, graphUrl);
    }
    assert.equal(entraSettingsSchema.safeParse({ ...base, graphUrl: 'http://127.0.0.1:9200' }).success, true);
    assert.equal(entraSettingsSchema.safeParse({ ...base, servicePrincipalId: 'not-a-guid' }).success, false);
  });
});
