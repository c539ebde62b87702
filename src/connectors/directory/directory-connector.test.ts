// Behaviour of the directory connector on a real SCIM repository (SQLite and PostgreSQL): wiring, paging,
// idempotent creates by userName, flat updates that clear with null, disable/enable/delete, groups.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Account, AccountChanges, ConnectorHandle, DesiredAccount, Page } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import { openConnector } from '../registry.ts';
import { createTestContext } from '../testing/test-context.ts';
import { ENTERPRISE, openDirectoryDatabase, startDirectoryHarness } from './testing/directory-harness.ts';
import type {
  DirectoryDatabase,
  DirectoryHarness,
  DirectoryHarnessOptions,
} from './testing/directory-harness.ts';

// One database per dialect; each test gets fresh connections in it.
const databases = new Map<string, Promise<DirectoryDatabase>>();
after(async () => {
  for (const database of databases.values()) await (await database).close();
});

async function withHarness(
  options: DirectoryHarnessOptions & { readonly dialect: 'sqlite' | 'postgres' },
  body: (h: DirectoryHarness) => Promise<void>,
): Promise<void> {
  let shared = databases.get(options.dialect);
  if (shared === undefined) {
    shared = openDirectoryDatabase(options.dialect);
    databases.set(options.dialect, shared);
  }
  const h = await startDirectoryHarness({ ...options, shared: await shared });
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

for (const dialect of ['sqlite', 'postgres'] as const) {
  void describe(`directory connector on ${dialect}`, () => {
    void test('opening without the repository in the context is invalid_request, and says how to wire it', () => {
      const { context } = createTestContext();
      assert.throws(
        () => openConnector('directory', {}, {}, context),
        (error: unknown) =>
          error instanceof ConnectorError &&
          error.kind === 'invalid_request' &&
          /services\.directory/.test(error.message),
      );
      assert.throws(
        () => openConnector('directory', {}, {}, { ...context, services: { directory: { get: 1 } } }),
        (error: unknown) => error instanceof ConnectorError && error.kind === 'invalid_request',
      );
    });

    void test('lists only its own connection, as accounts whose attributes are the flat form', async () => {
      await withHarness({ dialect, users: 5, settings: { pageSize: 2 } }, async (h) => {
        const accounts = await readAll(accountsOf(h.handle).list);
        assert.deepEqual(accounts.map((a) => a.id).sort(), h.userIds.slice().sort());
        const first = accounts.find((a) => a.id === h.userIds[0]) as Account;
        assert.deepEqual(
          { ...first, attributes: undefined },
          {
            id: h.userIds[0],
            userName: 'seeded.user1@example.com',
            email: 'seeded.user1@example.com',
            displayName: 'Seeded User 1',
            isActive: true,
            attributes: undefined,
          },
        );
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
        const check = await h.handle.check();
        assert.equal(check.count, 5);
      });
    });

    void test('a cursor resumes in another handle; one it did not issue is invalid_request', async () => {
      await withHarness({ dialect, users: 5, settings: { pageSize: 2 } }, async (h) => {
        const first = await accountsOf(h.handle).list();
        assert.ok(first.nextCursor);
        assert.match(first.nextCursor, /^[\x21-\x7e]+$/);
        const rest = await readAll((c) => accountsOf(h.open()).list(c ?? (first.nextCursor as string)));
        assert.equal(new Set([...first.items, ...rest].map((a) => a.id)).size, 5);
        await expectKind(accountsOf(h.handle).list('not-a-cursor'), 'invalid_request');
        await expectKind(accountsOf(h.handle).list('da1.garbage'), 'invalid_request');
        const groupsPage = await groupsOf(h.open({ pageSize: 1 })).list();
        assert.ok(groupsPage.nextCursor);
        await expectKind(accountsOf(h.handle).list(groupsPage.nextCursor), 'invalid_request');
      });
    });

    void test('each write and each page gives the event loop a turn, so a long sync run does not stall the server', async () => {
      await withHarness({ dialect, users: 1 }, async (h) => {
        const accounts = accountsOf(h.handle);
        // Queued before each write: it runs only if the write gives the event loop a turn, as the
        // server needs to answer SCIM requests, health checks and webhooks during a long sync run.
        const turnTaken = () => new Promise<boolean>((resolve) => setImmediate(() => resolve(true)));
        const writes: Promise<unknown>[] = [
          accounts.create({ email: 'turn.one@example.com', attributes: { 'name.givenName': 'Turn' } }),
        ];
        const created = await Promise.race([writes[0], turnTaken().then(() => 'turn')]);
        assert.equal(created, 'turn', 'create gave the event loop a turn');
        const { account } = (await writes[0]) as { account: Account };
        const updated = await Promise.race([
          accounts.update(account.id, { attributes: { title: 'Turner' } }).then(() => 'write'),
          turnTaken().then(() => 'turn'),
        ]);
        assert.equal(updated, 'turn', 'update gave the event loop a turn');
        const listed = await Promise.race([
          accounts.list().then(() => 'read'),
          turnTaken().then(() => 'turn'),
        ]);
        assert.equal(listed, 'turn', 'a page of accounts gave the event loop a turn');
      });
    });

    void test('create fills userName, a primary work email and active from the desired account', async () => {
      await withHarness({ dialect, users: 1 }, async (h) => {
        const created = await accountsOf(h.handle).create({
          email: 'new.hire@example.com',
          attributes: { 'name.givenName': 'New', 'name.familyName': 'Hire', title: null },
        });
        assert.equal(created.outcome, 'created');
        assert.equal(created.account.userName, 'new.hire@example.com');
        assert.equal(created.account.email, 'new.hire@example.com');
        assert.equal(created.account.isActive, true);
        const stored = await h.repository.get(h.connectionId, 'User', created.account.id);
        assert.deepEqual(stored?.data, {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'new.hire@example.com',
          name: { givenName: 'New', familyName: 'Hire' },
          emails: [{ type: 'work', value: 'new.hire@example.com', primary: true }],
          active: true,
        });
      });
    });

    void test('creating an account whose userName exists adopts it (any case) and creates nothing', async () => {
      await withHarness({ dialect, users: 3 }, async (h) => {
        const accounts = accountsOf(h.handle);
        const again = await accounts.create({
          email: 'SEEDED.USER2@example.com',
          attributes: { userName: 'SEEDED.USER2@example.com', title: 'Ignored on adoption' },
        });
        assert.equal(again.outcome, 'adopted');
        assert.equal(again.account.id, h.userIds[1]);
        assert.equal(
          again.account.attributes['title'],
          undefined,
          'the existing account is returned as it is',
        );
        assert.equal((await h.listUserIds()).length, 3);
      });
    });

    void test('a create the SCIM rules refuse is invalid_request and writes nothing', async () => {
      await withHarness({ dialect, users: 1 }, async (h) => {
        const accounts = accountsOf(h.handle);
        await expectKind(
          accounts.create({ email: 'x@example.com', attributes: { active: 'maybe' } }),
          'invalid_request',
        );
        await expectKind(
          accounts.create({ email: 'x@example.com', attributes: { 'emails.value': 'x' } }),
          'invalid_request',
        );
        await expectKind(
          accounts.create({
            email: 'x@example.com',
            attributes: { 'emails[type eq "work"].primary': true, 'emails[type eq "home"].primary': true },
          }),
          'invalid_request',
        );
        assert.equal((await h.listUserIds()).length, 1);
      });
    });

    void test('an update applies the flat changes atomically, null clears, and repeating it changes nothing', async () => {
      await withHarness({ dialect, users: 2 }, async (h) => {
        const accounts = accountsOf(h.handle);
        const id = h.userIds[0] as string;
        const managerId = h.userIds[1] as string;
        const changes = {
          attributes: {
            title: 'Engineer',
            'name.givenName': null,
            'phoneNumbers[type eq "mobile"].value': '+49 30 1234',
            [`${ENTERPRISE}:department`]: null,
            [`${ENTERPRISE}:manager`]: managerId,
          },
        };
        const result = await accounts.update(id, changes);
        assert.equal(result.account?.attributes['title'], 'Engineer');
        assert.equal(result.account?.attributes['name.givenName'], undefined);
        assert.equal(result.account?.attributes['phoneNumbers[type eq "mobile"].value'], '+49 30 1234');
        assert.equal(result.account?.attributes[`${ENTERPRISE}:department`], undefined);
        assert.equal(result.account?.attributes[`${ENTERPRISE}:manager`], managerId);
        const after = await h.repository.get(h.connectionId, 'User', id);
        assert.equal(after?.version, 2, 'one write, one version');
        assert.deepEqual((after?.data[ENTERPRISE] as Record<string, unknown>)['manager'], {
          value: managerId,
        });
        await accounts.update(id, changes);
        assert.equal((await h.repository.get(h.connectionId, 'User', id))?.version, 2, 'a repeat is a no-op');
      });
    });

    void test('an update to a taken userName is conflict; of an unknown account is not_found', async () => {
      await withHarness({ dialect, users: 2 }, async (h) => {
        const accounts = accountsOf(h.handle);
        await expectKind(
          accounts.update(h.userIds[0] as string, { attributes: { userName: 'Seeded.User2@example.com' } }),
          'conflict',
        );
        await expectKind(
          accounts.update('00000000-0000-0000-0000-000000000000', { attributes: { title: 'x' } }),
          'not_found',
        );
        await expectKind(
          accounts.update(h.userIds[0] as string, { attributes: { id: 'x' } }),
          'invalid_request',
        );
      });
    });

    void test('disable and enable set active once; a gone account disables fine but cannot be enabled', async () => {
      await withHarness({ dialect, users: 1 }, async (h) => {
        const accounts = accountsOf(h.handle);
        const id = h.userIds[0] as string;
        await accounts.disable(id);
        await accounts.disable(id);
        let stored = await h.repository.get(h.connectionId, 'User', id);
        assert.equal(stored?.data['active'], false);
        assert.equal(stored?.version, 2, 'the second disable changed nothing');
        await accounts.enable(id);
        await accounts.enable(id);
        stored = await h.repository.get(h.connectionId, 'User', id);
        assert.equal(stored?.data['active'], true);
        assert.equal(stored?.version, 3);
        await accounts.disable('00000000-0000-0000-0000-000000000000');
        await expectKind(accounts.enable('00000000-0000-0000-0000-000000000000'), 'not_found');
      });
    });

    void test('delete removes the account and its memberships; deleting it again succeeds', async () => {
      await withHarness({ dialect, users: 3, groups: 1 }, async (h) => {
        const id = h.userIds[0] as string;
        await accountsOf(h.handle).remove(id);
        await accountsOf(h.handle).remove(id);
        assert.deepEqual((await h.listUserIds()).sort(), h.userIds.slice(1).sort());
        const members = await readAll((c) => groupsOf(h.handle).members(h.groupIds[0] as string, c));
        assert.ok(!members.includes(id));
        assert.equal(
          (await h.listUserIds(h.otherConnectionId)).length,
          1,
          'the other connection is untouched',
        );
      });
    });

    void test('groups list with their user members, page by page', async () => {
      await withHarness({ dialect, users: 5, groups: 2, settings: { pageSize: 2 } }, async (h) => {
        const groups = groupsOf(h.handle);
        const listed = await readAll(groups.list);
        assert.deepEqual(listed.map((g) => g.displayName).sort(), ['Group 1', 'Group 2']);
        const members = await readAll((c) => groups.members(h.groupIds[0] as string, c));
        assert.deepEqual(members.slice().sort(), h.userIds.slice().sort());
        assert.equal(new Set(members).size, members.length, 'nobody twice');
        await expectKind(groups.members('00000000-0000-0000-0000-000000000000'), 'not_found');
        const first = await groups.members(h.groupIds[0] as string);
        await expectKind(groups.members(h.groupIds[1] as string, first.nextCursor ?? ''), 'invalid_request');
      });
    });

    void test('a member listing whose resume point left the group fails with conflict, never skipping', async () => {
      await withHarness({ dialect, users: 5, groups: 1, settings: { pageSize: 2 } }, async (h) => {
        const groups = groupsOf(h.handle);
        const groupId = h.groupIds[0] as string;
        const first = await groups.members(groupId);
        await groups.remove(groupId, first.items[1] as string);
        await expectKind(groups.members(groupId, first.nextCursor ?? ''), 'conflict');
      });
    });

    void test('membership writes are idempotent; unknown accounts and groups are not_found on add only', async () => {
      await withHarness({ dialect, users: 4, groups: 2 }, async (h) => {
        const groups = groupsOf(h.handle);
        const groupId = h.groupIds[1] as string;
        const accountId = h.userIds[1] as string;
        const before = (await h.repository.get(h.connectionId, 'Group', groupId))?.version;
        await groups.add(groupId, accountId);
        await groups.add(groupId, accountId);
        assert.equal((await h.repository.get(h.connectionId, 'Group', groupId))?.version, (before ?? 0) + 1);
        assert.ok((await readAll((c) => groups.members(groupId, c))).includes(accountId));
        await groups.remove(groupId, accountId);
        await groups.remove(groupId, accountId);
        assert.ok(!(await readAll((c) => groups.members(groupId, c))).includes(accountId));
        await expectKind(groups.add(groupId, '00000000-0000-0000-0000-000000000000'), 'not_found');
        await expectKind(groups.add('00000000-0000-0000-0000-000000000000', accountId), 'not_found');
        await groups.remove('00000000-0000-0000-0000-000000000000', accountId);
      });
    });
  });
}
