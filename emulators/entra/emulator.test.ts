// The Entra emulator over HTTP: the token endpoint, bulkUpload's request validation and asynchronous
// processing (create, update, disable, skipped, failure decided per record), the provisioning log's
// filtering and paging, the documented rate limits, and every fault switch.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEntraEmulator, type EntraEmulator } from './index.ts';
import {
  accessToken,
  bulkRequest,
  control,
  faultNext,
  fetchToken,
  scimRecord,
  upload,
  usersOf,
} from './testing/client.ts';

interface LogEntry {
  jobId: string;
  provisioningAction: string;
  provisioningStatusInfo: { status: string; errorInformation: { errorCode: string; reason: string } | null };
  sourceIdentity: { id: string };
  targetIdentity: { id: string };
  activityDateTime: string;
}

async function logsPage(emulator: EntraEmulator, token: string, query: string): Promise<Response> {
  return fetch(`${emulator.url}/v1.0/auditLogs/provisioning${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

async function processed(emulator: EntraEmulator): Promise<void> {
  await control(emulator, 'POST', '/process');
}

void describe('Entra emulator', () => {
  let emulator: EntraEmulator;
  let token: string;
  before(async () => {
    // Processing waits for /_emulator/process (a paused job), so tests decide when logs appear.
    emulator = await startEntraEmulator({ processingDelayMs: 60_000, rateLimits: false });
  });
  after(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    await control(emulator, 'POST', '/reset');
    token = await accessToken(emulator);
  });

  void test('the token endpoint issues a bearer token for the client credential, and refuses a wrong secret with AADSTS7000215', async () => {
    const ok = await fetchToken(emulator);
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as Record<string, unknown>;
    assert.equal(body['token_type'], 'Bearer');
    assert.equal(body['expires_in'], 3599);
    assert.equal(typeof body['access_token'], 'string');
    const wrong = await fetchToken(emulator, 'not-the-secret');
    assert.equal(wrong.status, 401);
    const error = (await wrong.json()) as { error: string; error_codes: number[]; error_description: string };
    assert.equal(error.error, 'invalid_client');
    assert.deepEqual(error.error_codes, [7_000_215]);
    assert.match(error.error_description, /^AADSTS7000215: /);
  });

  void test('bulkUpload without application/scim+json is 400 in Graph’s error format', async () => {
    const response = await upload(emulator, token, bulkRequest([scimRecord('1')]), 'application/json');
    assert.equal(response.status, 400);
    const body = (await response.json()) as {
      error: { code: string; message: string; innerError: Record<string, string> };
    };
    assert.equal(body.error.code, 'BadRequest');
    assert.match(body.error.message, /Invalid Data Format/);
    assert.ok(body.error.innerError['request-id']);
  });

  void test('a bulk request with 51 operations is refused; 50 are accepted with 202, no body and a Location', async () => {
    const records = Array.from({ length: 51 }, (_, i) => scimRecord(String(i + 1)));
    const tooMany = await upload(emulator, token, bulkRequest(records));
    assert.equal(tooMany.status, 400);
    assert.match(((await tooMany.json()) as { error: { message: string } }).error.message, /at most 50/);
    const accepted = await upload(emulator, token, bulkRequest(records.slice(0, 50)));
    assert.equal(accepted.status, 202);
    assert.equal(await accepted.text(), '');
    assert.match(accepted.headers.get('location') ?? '', /\/v1\.0\/auditLogs\/provisioning\?\$filter=jobId/);
    const requests = await control<{ requests: { endpoint: string; operations: number | null }[] }>(
      emulator,
      'GET',
      '/requests',
    );
    assert.deepEqual(
      requests.requests.filter((r) => r.endpoint === 'bulkUpload').map((r) => r.operations),
      [null, 50],
    );
  });

  void test('operations that are not POST /Users with a bulkId and data are refused', async () => {
    for (const operation of [
      { method: 'PATCH', bulkId: 'a', path: '/Users', data: scimRecord('1') },
      { method: 'POST', bulkId: 'a', path: '/Groups', data: scimRecord('1') },
      { method: 'POST', path: '/Users', data: scimRecord('1') },
      { method: 'POST', bulkId: 'a', path: '/Users' },
    ]) {
      const response = await upload(emulator, token, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [operation],
      });
      assert.equal(response.status, 400, JSON.stringify(operation));
    }
  });

  void test('nothing is provisioned until the upload is processed; then Entra decides create, update, disable or skip per record', async () => {
    await upload(emulator, token, bulkRequest([scimRecord('1'), scimRecord('2')]));
    assert.deepEqual(await usersOf(emulator), [], 'asynchronous: nothing yet');
    await processed(emulator);
    assert.equal((await usersOf(emulator)).length, 2);

    await upload(
      emulator,
      token,
      bulkRequest([
        scimRecord('1', { title: 'Engineer' }),
        scimRecord('2', { active: false }),
        scimRecord('3'),
      ]),
    );
    await upload(emulator, token, bulkRequest([scimRecord('3')]));
    await processed(emulator);
    const users = await usersOf(emulator);
    assert.equal(users.length, 3, 'matched on externalId: no duplicates');
    assert.equal(users.find((u) => u.employeeId === '1')?.jobTitle, 'Engineer');
    assert.equal(users.find((u) => u.employeeId === '2')?.accountEnabled, false);

    const page = (await (await logsPage(emulator, token, '?$orderby=activityDateTime asc')).json()) as {
      value: LogEntry[];
    };
    const summary = page.value.map(
      (e) => `${e.sourceIdentity.id}:${e.provisioningAction}:${e.provisioningStatusInfo.status}`,
    );
    assert.deepEqual(summary, [
      '1:create:success',
      '2:create:success',
      '1:update:success',
      '2:disable:success',
      '3:create:success',
      '3:other:skipped',
    ]);
    const user1 = users.find((u) => u.employeeId === '1');
    assert.equal(page.value[0]?.targetIdentity.id, user1?.id);
  });

  void test('records with bad data are accepted and logged as failures with Entra’s reason', async () => {
    const response = await upload(
      emulator,
      token,
      bulkRequest([
        scimRecord('', { externalId: undefined }),
        scimRecord('5', { userName: 'not a upn' }),
        scimRecord('6'),
        scimRecord('7', { userName: 'person6@contoso.example' }),
      ]),
    );
    assert.equal(response.status, 202);
    await processed(emulator);
    const page = (await (await logsPage(emulator, token, '?$orderby=activityDateTime asc')).json()) as {
      value: LogEntry[];
    };
    const statuses = page.value.map((e) => [
      e.provisioningStatusInfo.status,
      e.provisioningStatusInfo.errorInformation?.errorCode ?? null,
    ]);
    assert.deepEqual(statuses, [
      ['failure', 'MissingMatchingAttribute'],
      ['failure', 'AzureActiveDirectoryInvalidUserPrincipalName'],
      ['success', null],
      ['failure', 'AzureActiveDirectoryConflictingObjects'],
    ]);
    assert.match(
      page.value[3]?.provisioningStatusInfo.errorInformation?.reason ?? '',
      /already has the userPrincipalName/,
    );
    assert.equal((await usersOf(emulator)).length, 1);
  });

  void test('the provisioning log pages with @odata.nextLink, each entry exactly once, and filters by jobId and time', async () => {
    await upload(
      emulator,
      token,
      bulkRequest(Array.from({ length: 7 }, (_, i) => scimRecord(String(i + 1)))),
    );
    await processed(emulator);
    const seen: string[] = [];
    let url: string | undefined =
      `${emulator.url}/v1.0/auditLogs/provisioning?$top=3&$filter=${encodeURIComponent(`jobId eq '${emulator.jobId}'`)}`;
    let pages = 0;
    while (url !== undefined) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { value: LogEntry[]; '@odata.nextLink'?: string };
      seen.push(...body.value.map((e) => e.sourceIdentity.id));
      url = body['@odata.nextLink'];
      pages += 1;
    }
    assert.equal(pages, 3);
    assert.deepEqual([...seen].sort(), ['1', '2', '3', '4', '5', '6', '7']);
    const otherJob = (await (
      await logsPage(emulator, token, `?$filter=${encodeURIComponent("jobId eq 'other'")}`)
    ).json()) as { value: unknown[] };
    assert.deepEqual(otherJob.value, []);
    const future = (await (
      await logsPage(
        emulator,
        token,
        `?$filter=${encodeURIComponent('activityDateTime gt 2999-01-01T00:00:00Z')}`,
      )
    ).json()) as { value: unknown[] };
    assert.deepEqual(future.value, []);
    const bad = await logsPage(emulator, token, `?$filter=${encodeURIComponent("userPrincipalName eq 'x'")}`);
    assert.equal(bad.status, 400);
  });

  void test('Graph calls need a valid token and the permission for the endpoint', async () => {
    assert.equal((await upload(emulator, 'forged', bulkRequest([scimRecord('1')]))).status, 401);
    const limited = await startEntraEmulator({ permissions: ['AuditLog.Read.All'], rateLimits: false });
    try {
      const limitedToken = await accessToken(limited);
      const denied = await upload(limited, limitedToken, bulkRequest([scimRecord('1')]));
      assert.equal(denied.status, 403);
      assert.equal(
        ((await denied.json()) as { error: { code: string } }).error.code,
        'Authorization_RequestDenied',
      );
      assert.equal((await logsPage(limited, limitedToken, '')).status, 200);
    } finally {
      await limited.close();
    }
  });

  void test('fault switches: 429 with Retry-After, 5xx, an expired token, a malformed page', async () => {
    await faultNext(emulator, { kind: '429', endpoint: 'bulkUpload', retryAfterSeconds: 7 });
    const limited = await upload(emulator, token, bulkRequest([scimRecord('1')]));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');

    await faultNext(emulator, { kind: '500', endpoint: 'bulkUpload' });
    assert.equal((await upload(emulator, token, bulkRequest([scimRecord('1')]))).status, 500);
    await processed(emulator);
    assert.equal((await usersOf(emulator)).length, 0, 'a plain 500 was not accepted');

    await faultNext(emulator, { kind: '500', endpoint: 'bulkUpload', afterAccepting: true });
    assert.equal((await upload(emulator, token, bulkRequest([scimRecord('1')]))).status, 500);
    await processed(emulator);
    assert.equal((await usersOf(emulator)).length, 1, 'afterAccepting: processed despite the 500');

    await faultNext(emulator, { kind: 'expired-token' });
    const expired = await logsPage(emulator, token, '');
    assert.equal(expired.status, 401);
    assert.match(((await expired.json()) as { error: { message: string } }).error.message, /expired/);
    assert.equal((await logsPage(emulator, token, '')).status, 401, 'the token stays expired');
    const fresh = await accessToken(emulator);

    await faultNext(emulator, { kind: 'malformed-page' });
    const malformed = await logsPage(emulator, fresh, '');
    assert.equal(malformed.status, 200);
    await assert.rejects(malformed.json());
  });

  void test('a timeout fault never answers until the client gives up', async () => {
    await faultNext(emulator, { kind: 'timeout', endpoint: 'provisioning' });
    await assert.rejects(
      fetch(`${emulator.url}/v1.0/auditLogs/provisioning`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(300),
      }),
    );
  });

  void test('a paused job accepts uploads and leaves the logs empty until it resumes', async () => {
    const fast = await startEntraEmulator({ processingDelayMs: 5, rateLimits: false });
    try {
      await control(fast, 'PUT', '/job', { paused: true });
      const fastToken = await accessToken(fast);
      assert.equal((await upload(fast, fastToken, bulkRequest([scimRecord('1')]))).status, 202);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal((await usersOf(fast)).length, 0);
      await control(fast, 'PUT', '/job', { paused: false });
      await control(fast, 'POST', '/process');
      assert.equal((await usersOf(fast)).length, 1);
    } finally {
      await fast.close();
    }
  });
});

void describe('Entra emulator rate limits', () => {
  void test('the 41st bulkUpload within 5 seconds and the 6th log read within 10 seconds answer 429 with Retry-After', async () => {
    let now = Date.parse('2026-03-02T09:00:00Z');
    const emulator = await startEntraEmulator({ now: () => new Date(now), processingDelayMs: 60_000 });
    try {
      const token = await accessToken(emulator);
      for (let i = 0; i < 40; i++) {
        assert.equal((await upload(emulator, token, bulkRequest([scimRecord(String(i))]))).status, 202);
      }
      const limited = await upload(emulator, token, bulkRequest([scimRecord('x')]));
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '5');
      now += 5_000;
      assert.equal((await upload(emulator, token, bulkRequest([scimRecord('y')]))).status, 202);

      for (let i = 0; i < 5; i++) assert.equal((await logsPage(emulator, token, '')).status, 200);
      const logLimited = await logsPage(emulator, token, '');
      assert.equal(logLimited.status, 429);
      assert.ok(Number(logLimited.headers.get('retry-after')) >= 1);
    } finally {
      await emulator.close();
    }
  });

  void test('the daily quota of bulkUpload calls answers 429 once used up', async () => {
    let now = Date.parse('2026-03-02T09:00:00Z');
    const emulator = await startEntraEmulator({
      now: () => new Date(now),
      dailyUploadQuota: 3,
      processingDelayMs: 60_000,
    });
    try {
      const token = await accessToken(emulator);
      for (let i = 0; i < 3; i++) {
        now += 10_000;
        assert.equal((await upload(emulator, token, bulkRequest([scimRecord(String(i))]))).status, 202);
      }
      now += 10_000;
      const limited = await upload(emulator, token, bulkRequest([scimRecord('x')]));
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) > 80_000);
    } finally {
      await emulator.close();
    }
  });
});
