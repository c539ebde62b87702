// Behaviour of the scim connector against a second, real Roster SCIM server over HTTP, with faults
// provoked through a proxy: wrong token, 409 adoption, creates settled by read-back after a lost answer
// or a timeout, 429 through the HTTP client, ETags and 412, paging by cursor and by index, groups.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { URN } from '../../../test/support/scim-harness.ts';
import type { AccountChanges, ConnectorHandle, DesiredAccount, Page } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import { openConnector } from '../registry.ts';
import { createTestContext } from '../testing/test-context.ts';
import type { ProxiedRequest } from './testing/fault-proxy.ts';
import { startScimHarness } from './testing/scim-server-harness.ts';
import type { ScimHarness, ScimHarnessOptions } from './testing/scim-server-harness.ts';

const ENTERPRISE = URN.enterpriseUser;

async function withHarness(
  options: ScimHarnessOptions,
  body: (h: ScimHarness) => Promise<void>,
): Promise<void> {
  const h = await startScimHarness(options);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

async function expectKind(promise: Promise<unknown>, kind: ConnectorError['kind']): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectorError, `a ConnectorError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`expected ${kind}`);
}

async function readAll<T>(read: (cursor?: string) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await read(cursor);
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
  }
}

function must<T>(promise: Promise<T> | undefined, what: string): Promise<T> {
  assert.ok(promise, `the connector implements ${what}`);
  return promise;
}

function accountsOf(handle: ConnectorHandle) {
  const accounts = handle.accounts;
  assert.ok(accounts, 'an accounts part');
  return {
    list: (cursor?: string) => accounts.listAccounts(cursor),
    create: (desired: DesiredAccount) => must(accounts.createAccount?.(desired), 'createAccount'),
    update: (id: string, changes: AccountChanges) =>
      must(accounts.updateAccount?.(id, changes), 'updateAccount'),
    disable: (id: string) => must(accounts.disableAccount?.(id), 'disableAccount'),
    enable: (id: string) => must(accounts.enableAccount?.(id), 'enableAccount'),
    remove: (id: string) => must(accounts.deleteAccount?.(id), 'deleteAccount'),
  };
}

function groupsOf(handle: ConnectorHandle) {
  const groups = handle.groups;
  assert.ok(groups, 'a groups part');
  return {
    list: (cursor?: string) => groups.listGroups(cursor),
    members: (groupId: string, cursor?: string) => groups.listMembers(groupId, cursor),
    add: (groupId: string, accountId: string) => must(groups.addMember?.(groupId, accountId), 'addMember'),
    remove: (groupId: string, accountId: string) =>
      must(groups.removeMember?.(groupId, accountId), 'removeMember'),
  };
}

function desired(n: number): DesiredAccount {
  const email = `new.hire${n}@example.com`;
  return {
    email,
    attributes: {
      userName: email,
      'name.givenName': 'New',
      'name.familyName': `Hire ${n}`,
      'emails[type eq "work"].value': email,
      'emails[type eq "work"].primary': true,
    },
  };
}

async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail('the condition did not come true in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const isPost = (r: ProxiedRequest): boolean => r.method === 'POST' && r.url.endsWith('/Users');
const isPatch = (r: ProxiedRequest): boolean => r.method === 'PATCH';
const queryOf = (r: ProxiedRequest): URLSearchParams => new URL(r.url, 'http://x').searchParams;

/** Rewrites /ServiceProviderConfig answers, to play a server with fewer features. */
function withFeatures(h: ScimHarness, change: (config: Record<string, unknown>) => void): void {
  h.proxy?.setRule((r) =>
    r.url.endsWith('/ServiceProviderConfig')
      ? {
          kind: 'forward',
          rewrite: (body) => {
            const config = body as Record<string, unknown>;
            change(config);
            return config;
          },
        }
      : { kind: 'forward' },
  );
}

void describe('scim connector against a Roster SCIM server', () => {
  void test('a wrong token is unauthenticated, and the token never reaches the logs', async () => {
    await withHarness({ users: 1 }, async (h) => {
      const handle = h.open({}, { token: 'not-the-token' });
      await expectKind(handle.check(), 'unauthenticated');
      await expectKind(accountsOf(handle).list(), 'unauthenticated');
      await expectKind(accountsOf(handle).create(desired(1)), 'unauthenticated');
      assert.ok(!h.test.logger.text().includes('not-the-token'));
      assert.ok(!h.test.logger.text().includes(h.server.token));
      assert.equal(h.test.sleep.calls.length, 0, 'a 401 is not retried');
    });
  });

  void test('check authenticates, counts and finds nothing to warn about on a full-featured server', async () => {
    await withHarness({ users: 4 }, async (h) => {
      const check = await h.handle.check();
      assert.equal(check.count, 4);
      assert.match(check.summary, /cursor paging/);
      assert.deepEqual(check.warnings, []);
    });
  });

  void test('the settings refuse plain http to another host and keep the URL policy of the HTTP client', () => {
    const { context } = createTestContext();
    for (const baseUrl of ['http://scim.example.com/scim/v2', 'https://169.254.169.254/scim', 'ftp://x/']) {
      assert.throws(
        () => openConnector('scim', { baseUrl, authentication: 'bearer' }, { token: 't' }, context),
        (error: unknown) =>
          error instanceof ConnectorError &&
          error.kind === 'invalid_request' &&
          /baseUrl/.test(error.message),
        baseUrl,
      );
    }
    assert.throws(
      () =>
        openConnector(
          'scim',
          { baseUrl: 'https://scim.example.com', authentication: 'basic' },
          { token: 't' },
          context,
        ),
      (error: unknown) => error instanceof ConnectorError && /authentication/.test(error.message),
    );
  });

  void test('accounts are the flat form of the server’s Users', async () => {
    await withHarness({ users: 2 }, async (h) => {
      const accounts = await readAll(accountsOf(h.handle).list);
      const first = accounts.find((a) => a.id === h.userIds[0]);
      assert.ok(first);
      assert.equal(first.userName, 'seeded.user1@example.com');
      assert.equal(first.email, 'seeded.user1@example.com');
      assert.equal(first.isActive, true);
      assert.deepEqual(first.attributes, {
        userName: 'seeded.user1@example.com',
        displayName: 'Seeded User 1',
        'name.givenName': 'Seeded',
        'name.familyName': 'User 1',
        'emails[type eq "work"].value': 'seeded.user1@example.com',
        'emails[type eq "work"].primary': true,
        active: true,
        [`${ENTERPRISE}:department`]: 'Sales',
      });
    });
  });

  void test('a 409 on create means the account exists: it is adopted and nothing is created twice', async () => {
    await withHarness({ users: 3, proxy: true }, async (h) => {
      const result = await accountsOf(h.handle).create({
        email: 'Seeded.User2@example.com',
        attributes: { userName: 'Seeded.User2@example.com' },
      });
      assert.equal(result.outcome, 'adopted');
      assert.equal(result.account.id, h.userIds[1]);
      assert.equal(h.proxy?.requests.filter(isPost).length, 1);
      assert.equal((await h.listUserIds()).length, 3);
    });
  });

  void test('a create whose answer is lost after the server acted is settled by reading back, never posted twice', async () => {
    await withHarness({ users: 1, proxy: true }, async (h) => {
      h.proxy?.setRule((r) => (isPost(r) ? { kind: 'forward_then_drop' } : { kind: 'forward' }));
      const result = await accountsOf(h.handle).create(desired(1));
      assert.equal(result.outcome, 'settled_by_read_back');
      assert.equal(result.account.userName, 'new.hire1@example.com');
      assert.equal(h.proxy?.requests.filter(isPost).length, 1, 'one POST');
      const lookups = h.proxy?.requests.filter((r) => r.method === 'GET' && queryOf(r).has('filter')) ?? [];
      assert.equal(
        queryOf(lookups[0] as ProxiedRequest).get('filter'),
        'userName eq "new.hire1@example.com"',
      );
      const stored = await h.usersNamed('new.hire1@example.com');
      assert.equal(stored.length, 1);
      assert.equal(stored[0]?.['id'], result.account.id);
    });
  });

  void test('a create that times out after the server acted is settled by reading back', async () => {
    await withHarness({ users: 1, proxy: true, settings: { requestTimeoutMs: 300 } }, async (h) => {
      h.proxy?.setRule(async (r) => {
        if (isPost(r)) return { kind: 'forward', delayMs: 1_500 };
        // The read-back must not overtake the POST on a slow machine: the server acts first, as in life.
        if (queryOf(r).has('filter'))
          await until(async () => (await h.usersNamed('new.hire2@example.com')).length > 0);
        return { kind: 'forward' };
      });
      const result = await accountsOf(h.handle).create(desired(2));
      assert.equal(result.outcome, 'settled_by_read_back');
      assert.equal(h.proxy?.requests.filter(isPost).length, 1);
      assert.equal((await h.usersNamed('new.hire2@example.com')).length, 1);
    });
  });

  void test('a create lost before the server saw it reads back nothing and fails as not applied', async () => {
    await withHarness({ users: 1, proxy: true }, async (h) => {
      h.proxy?.setRule((r) => (isPost(r) ? { kind: 'drop' } : { kind: 'forward' }));
      const error = await expectKind(accountsOf(h.handle).create(desired(3)), 'unavailable');
      assert.equal(error.outcome, 'not_applied');
      assert.match(error.message, /reading back by userName found no account/);
      assert.equal(h.proxy?.requests.filter(isPost).length, 1);
      assert.equal((await h.usersNamed('new.hire3@example.com')).length, 0);
      // The engine may try again; this time it goes through.
      h.proxy?.setRule(() => ({ kind: 'forward' }));
      assert.equal((await accountsOf(h.handle).create(desired(3))).outcome, 'created');
    });
  });

  void test('a 503 on create is settled by the same read-back', async () => {
    await withHarness({ users: 1, proxy: true }, async (h) => {
      h.proxy?.setRule((r) =>
        isPost(r) ? { kind: 'respond', status: 503, headers: { 'retry-after': '1' } } : { kind: 'forward' },
      );
      const error = await expectKind(accountsOf(h.handle).create(desired(4)), 'unavailable');
      assert.equal(error.outcome, 'not_applied');
      assert.equal(h.proxy?.requests.filter(isPost).length, 1, 'a POST is never repeated by the HTTP client');
    });
  });

  void test('a 429 is waited out by the HTTP client when short, and handed to the engine when long', async () => {
    await withHarness({ users: 2, proxy: true }, async (h) => {
      let limited = 0;
      h.proxy?.setRule((r) => {
        if (r.method === 'GET' && r.url.includes('/Users?') && limited < 1) {
          limited += 1;
          return { kind: 'respond', status: 429, headers: { 'retry-after': '2' }, body: { status: '429' } };
        }
        return { kind: 'forward' };
      });
      const page = await accountsOf(h.handle).list();
      assert.equal(page.items.length, 2);
      assert.deepEqual(h.test.sleep.calls, [2_000], 'the HTTP client slept once, for Retry-After');

      h.proxy?.setRule((r) =>
        r.method === 'GET'
          ? { kind: 'respond', status: 429, headers: { 'retry-after': '120' } }
          : { kind: 'forward' },
      );
      const error = await expectKind(accountsOf(h.handle).list(), 'rate_limited');
      assert.equal(error.retryAfterMs, 120_000);
      assert.ok(
        h.test.sleep.calls.every((ms) => ms < 60_000),
        'never slept for the long wait',
      );

      h.proxy?.setRule((r) =>
        isPost(r) ? { kind: 'respond', status: 429, headers: { 'retry-after': '1' } } : { kind: 'forward' },
      );
      const refused = await expectKind(accountsOf(h.handle).create(desired(5)), 'rate_limited');
      assert.equal(refused.outcome, 'not_applied');
      assert.equal(h.proxy?.requests.filter(isPost).length, 1);
    });
  });

  void test('an update sends If-Match and only the operations that change something', async () => {
    await withHarness({ users: 2, proxy: true }, async (h) => {
      const id = h.userIds[0] as string;
      const managerId = h.userIds[1] as string;
      const changes: AccountChanges = {
        attributes: {
          title: 'Engineer',
          'name.givenName': null,
          'phoneNumbers[type eq "mobile"].value': '+49 30 1234',
          [`${ENTERPRISE}:department`]: null,
          [`${ENTERPRISE}:manager`]: managerId,
          userName: 'seeded.user1@example.com',
        },
      };
      const result = await accountsOf(h.handle).update(id, changes);
      const patches = h.proxy?.requests.filter(isPatch) ?? [];
      assert.equal(patches.length, 1);
      const patch = patches[0] as ProxiedRequest;
      assert.equal(patch.headers['if-match'], 'W/"1"');
      assert.deepEqual(JSON.parse(patch.body), {
        schemas: [URN.patchOp],
        Operations: [
          { op: 'replace', path: 'title', value: 'Engineer' },
          { op: 'remove', path: 'name.givenName' },
          { op: 'replace', path: 'phoneNumbers', value: [{ type: 'mobile', value: '+49 30 1234' }] },
          { op: 'remove', path: `${ENTERPRISE}:department` },
          { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: managerId } },
        ],
      });
      assert.equal(result.account?.attributes['title'], 'Engineer');
      const stored = (await h.server.request('GET', `/Users/${id}`)).body;
      assert.equal(stored.name.givenName, undefined);
      assert.equal(stored[ENTERPRISE].manager.value, managerId);
      assert.equal(stored[ENTERPRISE].department, undefined);
      assert.deepEqual(stored.phoneNumbers, [{ type: 'mobile', value: '+49 30 1234' }]);

      await accountsOf(h.handle).update(id, changes);
      assert.equal(h.proxy?.requests.filter(isPatch).length, 1, 'a repeated update sends nothing');
    });
  });

  void test('an email the flat form cannot name survives a change to the work email', async () => {
    await withHarness({ users: 1 }, async (h) => {
      const id = h.userIds[0] as string;
      await h.server.request('PATCH', `/Users/${id}`, {
        schemas: [URN.patchOp],
        Operations: [{ op: 'add', path: 'emails', value: [{ value: 'untyped@example.com' }] }],
      });
      const result = await accountsOf(h.handle).update(id, {
        attributes: { 'emails[type eq "work"].value': 'renamed@example.com' },
      });
      assert.equal(result.account?.email, 'renamed@example.com');
      const stored = (await h.server.request('GET', `/Users/${id}`)).body;
      assert.deepEqual(stored.emails, [
        { type: 'work', value: 'renamed@example.com', primary: true },
        { value: 'untyped@example.com' },
      ]);
    });
  });

  void test('a 412 re-reads the User and retries once; a second one is conflict', async () => {
    await withHarness({ users: 1, proxy: true }, async (h) => {
      const id = h.userIds[0] as string;
      let interfered = 0;
      const interfere = async (limit: number): Promise<void> => {
        if (interfered >= limit) return;
        interfered += 1;
        // Someone else changes the User between Roster's read and its PATCH.
        await h.server.request('PATCH', `/Users/${id}`, {
          schemas: [URN.patchOp],
          Operations: [{ op: 'replace', path: 'nickName', value: `other writer ${interfered}` }],
        });
      };
      h.proxy?.setRule(async (r) => {
        if (isPatch(r)) await interfere(1);
        return { kind: 'forward' };
      });
      await accountsOf(h.handle).update(id, { attributes: { title: 'After a 412' } });
      assert.equal(h.proxy?.requests.filter(isPatch).length, 2, 'the PATCH was sent twice');
      const stored = (await h.server.request('GET', `/Users/${id}`)).body;
      assert.equal(stored.title, 'After a 412');
      assert.equal(stored.nickName, 'other writer 1', 'the other change survives');

      h.proxy?.setRule(async (r) => {
        if (isPatch(r)) await interfere(10);
        return { kind: 'forward' };
      });
      const error = await expectKind(
        accountsOf(h.handle).update(id, { attributes: { title: 'Never' } }),
        'conflict',
      );
      assert.equal(error.status, 412);
    });
  });

  void test('without ETags no If-Match is sent; without PATCH the User is replaced with PUT', async () => {
    await withHarness({ users: 1, proxy: true }, async (h) => {
      withFeatures(h, (config) => {
        config['etag'] = { supported: false };
        config['patch'] = { supported: false };
      });
      const id = h.userIds[0] as string;
      const handle = h.open();
      await accountsOf(handle).update(id, { attributes: { title: 'Replaced', 'name.familyName': null } });
      const puts = h.proxy?.requests.filter((r) => r.method === 'PUT') ?? [];
      assert.equal(puts.length, 1);
      assert.equal(puts[0]?.headers['if-match'], undefined);
      assert.equal(h.proxy?.requests.filter(isPatch).length, 0);
      const stored = (await h.server.request('GET', `/Users/${id}`)).body;
      assert.equal(stored.title, 'Replaced');
      assert.equal(stored.name.familyName, undefined);
      assert.equal(stored.userName, 'seeded.user1@example.com');
      assert.match((await handle.check()).warnings.join('\n'), /no ETags[\s\S]*no PATCH/);
    });
  });

  void test('disable sets active false; disable and delete are idempotent; enabling a gone account is not_found', async () => {
    await withHarness({ users: 2, proxy: true }, async (h) => {
      const accounts = accountsOf(h.handle);
      const id = h.userIds[0] as string;
      await accounts.disable(id);
      await accounts.disable(id);
      assert.equal((await h.server.request('GET', `/Users/${id}`)).body.active, false);
      assert.equal(h.proxy?.requests.filter(isPatch).length, 1, 'the second disable sent nothing');
      await accounts.enable(id);
      assert.equal((await h.server.request('GET', `/Users/${id}`)).body.active, true);
      await accounts.remove(id);
      await accounts.remove(id);
      assert.deepEqual(await h.listUserIds(), [h.userIds[1]]);
      await accounts.disable(id);
      await expectKind(accounts.enable(id), 'not_found');
      await expectKind(accounts.update(id, { attributes: { title: 'x' } }), 'not_found');
    });
  });

  void test('changes the flat convention refuses are invalid_request and send nothing', async () => {
    await withHarness({ users: 1, proxy: true }, async (h) => {
      const accounts = accountsOf(h.handle);
      await expectKind(
        accounts.update(h.userIds[0] as string, { attributes: { 'emails.value': 'x' } }),
        'invalid_request',
      );
      await expectKind(
        accounts.create({ email: 'x@example.com', attributes: { id: 'x' } }),
        'invalid_request',
      );
      assert.equal(h.proxy?.requests.filter((r) => r.method !== 'GET').length, 0);
      const refused = await expectKind(
        accounts.create({ email: 'y@example.com', attributes: { active: 'maybe' } }),
        'invalid_request',
      );
      assert.equal(refused.status, 400, 'the server refused it');
    });
  });

  void test('listing uses RFC 9865 cursors when the server offers them, and resumes in another handle', async () => {
    await withHarness({ users: 7, proxy: true, settings: { pageSize: 3 } }, async (h) => {
      const first = await accountsOf(h.handle).list();
      assert.ok(first.nextCursor);
      assert.match(first.nextCursor, /^[\x21-\x7e]{1,1024}$/);
      const rest = await readAll((c) => accountsOf(h.open()).list(c ?? (first.nextCursor as string)));
      assert.deepEqual([...first.items, ...rest].map((a) => a.id).sort(), h.userIds.slice().sort());
      const lists = h.proxy?.requests.filter((r) => r.method === 'GET' && r.url.includes('/Users?')) ?? [];
      assert.equal(queryOf(lists[0] as ProxiedRequest).get('cursor'), '');
      assert.ok(lists.every((r) => queryOf(r).has('cursor') && !queryOf(r).has('startIndex')));
      await expectKind(accountsOf(h.handle).list('not-a-cursor'), 'invalid_request');
    });
  });

  void test('without cursors it pages by index with count 100, and a listing that shrinks restarts', async () => {
    await withHarness({ users: 7, proxy: true }, async (h) => {
      withFeatures(h, (config) => {
        config['pagination'] = { cursor: false, index: true };
      });
      const all = await readAll(accountsOf(h.open()).list);
      assert.equal(all.length, 7);
      const list = h.proxy?.requests.find(
        (r) => r.method === 'GET' && r.url.includes('/Users?'),
      ) as ProxiedRequest;
      assert.equal(queryOf(list).get('count'), '100');
      assert.equal(queryOf(list).get('startIndex'), '1');

      const small = accountsOf(h.open({ pageSize: 3 }));
      const first = await small.list();
      assert.equal(first.items.length, 3);
      await h.server.request('DELETE', `/Users/${h.userIds[0] as string}`);
      await expectKind(small.list(first.nextCursor ?? ''), 'conflict');
    });
  });

  void test('a server without /ServiceProviderConfig gets the RFC 7644 baseline: index paging, no If-Match', async () => {
    await withHarness({ users: 3, proxy: true }, async (h) => {
      h.proxy?.setRule((r) =>
        r.url.endsWith('/ServiceProviderConfig') ? { kind: 'respond', status: 404 } : { kind: 'forward' },
      );
      const handle = h.open();
      const check = await handle.check();
      assert.match(check.summary, /index paging/);
      assert.match(check.warnings.join('\n'), /no ETags/);
      assert.equal((await readAll(accountsOf(handle).list)).length, 3);
      await accountsOf(handle).update(h.userIds[0] as string, { attributes: { title: 'Baseline' } });
      const patch = h.proxy?.requests.find(isPatch);
      assert.ok(patch, 'updated with PATCH');
      assert.equal(patch.headers['if-match'], undefined);
    });
  });

  void test('a page that is not a SCIM ListResponse fails the listing as unavailable', async () => {
    await withHarness({ users: 2, proxy: true }, async (h) => {
      h.proxy?.setRule((r) =>
        r.method === 'GET' && r.url.includes('/Users?')
          ? { kind: 'forward', rewrite: () => ({ Resources: 'x' }) }
          : { kind: 'forward' },
      );
      await expectKind(accountsOf(h.handle).list(), 'unavailable');
    });
  });

  void test('groups list without members; membership writes are idempotent', async () => {
    await withHarness({ users: 5, groups: 2, settings: { pageSize: 2 }, proxy: true }, async (h) => {
      const groups = groupsOf(h.handle);
      const listed = await readAll(groups.list);
      assert.deepEqual(listed.map((g) => g.displayName).sort(), ['Group 1', 'Group 2']);
      const groupLists = h.proxy?.requests.filter((r) => r.url.includes('/Groups?')) ?? [];
      assert.ok(groupLists.every((r) => queryOf(r).get('excludedAttributes') === 'members'));

      const groupId = h.groupIds[1] as string;
      const accountId = h.userIds[1] as string;
      await groups.add(groupId, accountId);
      await groups.add(groupId, accountId);
      const members = await readAll((c) => groups.members(groupId, c));
      assert.equal(members.filter((m) => m === accountId).length, 1);
      await groups.remove(groupId, accountId);
      await groups.remove(groupId, accountId);
      assert.ok(!(await readAll((c) => groups.members(groupId, c))).includes(accountId));
      assert.ok(h.proxy?.requests.filter(isPatch).every((r) => r.headers['if-match'] === undefined));

      await expectKind(groups.members('00000000-0000-0000-0000-000000000000'), 'not_found');
      await expectKind(groups.add('00000000-0000-0000-0000-000000000000', accountId), 'not_found');
      await groups.remove('00000000-0000-0000-0000-000000000000', accountId);
    });
  });

  void test('a member listing whose resume point left the group fails with conflict', async () => {
    await withHarness({ users: 5, groups: 1, settings: { pageSize: 2 } }, async (h) => {
      const groups = groupsOf(h.handle);
      const groupId = h.groupIds[0] as string;
      const first = await groups.members(groupId);
      assert.ok(first.nextCursor);
      await groups.remove(groupId, first.items[1] as string);
      await expectKind(groups.members(groupId, first.nextCursor), 'conflict');
      await expectKind(groups.members(h.groupIds[0] as string, 'sm1.garbage'), 'invalid_request');
    });
  });
});
