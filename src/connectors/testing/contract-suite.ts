// The connector contract suite: one set of behaviour tests every connector runs against its emulator,
// chosen by the capabilities the connector declares. A test that cannot run says why in its skip reason.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  Account,
  AccountChanges,
  Capability,
  Connector,
  ConnectorHandle,
  DesiredAccount,
  Page,
  PeoplePage,
  SourcePerson,
} from '../contract.ts';
import { CAPABILITIES, CAPABILITY_METHODS, CONNECTOR_PARTS, ConnectorError } from '../contract.ts';

/** Faults a harness may be able to inject into its backing system, named by what the connector should see. */
export const CONTRACT_FAULTS = [
  /** One 429 with Retry-After. */
  'rate_limited',
  /** 5xx. */
  'unavailable',
  /** No answer until the client gives up. */
  'timeout',
  /** A listing page whose body is cut off. */
  'malformed_page',
  /** A listing page with fewer rows than its totals promise. */
  'truncated_page',
  /** A listing page that says there is nobody. */
  'empty_listing',
  /** The token in use stops being valid. */
  'expired_token',
] as const;
export type ContractFault = (typeof CONTRACT_FAULTS)[number];

/** What a harness can do to its backing system besides serving the connector. */
export const HARNESS_ABILITIES = [
  /** `listPersonIds` / `listAccountIds`: the truth full listings are compared with. */
  'list_truth',
  /** `changePerson` and `advanceClock`. */
  'change_people',
  /** `removePerson`. */
  'remove_people',
  /** `newDesiredAccount` and `accountChange`. */
  'describe_accounts',
] as const;
export type HarnessAbility = (typeof HARNESS_ABILITIES)[number];

/** One running backing system (an emulator) with a connector opened on it. */
export interface ContractInstance {
  readonly connector: Connector;
  /** Settings and secrets as they would be stored, before the manifest's schemas parse them. */
  readonly rawSettings: unknown;
  readonly rawSecrets: unknown;
  readonly handle: ConnectorHandle;
  /** Another handle on the same backing system, as another process would open it. */
  reopen(): ConnectorHandle;
  /** Ids of every person the backing system holds now: the truth full reads are compared with. */
  readonly listPersonIds?: () => Promise<string[]>;
  /** Ids of every account the backing system holds now. */
  readonly listAccountIds?: () => Promise<string[]>;
  /** Changes a person the way HR would, so an incremental read must see it. */
  readonly changePerson?: (id: string) => Promise<void>;
  /** Removes a person from the backing system. */
  readonly removePerson?: (id: string) => Promise<void>;
  /** Moves the clock the connector and the backing system share. */
  readonly advanceClock?: (ms: number) => Promise<void>;
  /** Makes the next `count` calls fail with `fault` (one of the harness's declared faults). */
  readonly injectFault?: (fault: ContractFault, count: number) => Promise<void>;
  /** A desired account that does not exist yet (different on each call). */
  readonly newDesiredAccount?: () => DesiredAccount;
  /** A change every account accepts. */
  readonly accountChange?: () => AccountChanges;
  close(): Promise<void>;
}

export interface ContractHarness {
  /** Faults the backing system can inject; tests of the others are skipped with that reason. */
  readonly faults: readonly ContractFault[];
  readonly abilities: readonly HarnessAbility[];
  /** A fresh backing system and a connector opened on it; each test gets its own. */
  start(): Promise<ContractInstance>;
}

export interface ContractSuiteOptions {
  /** Shown in test names, e.g. "personio". */
  readonly name: string;
  /** The connector, for the tests that only need its manifest. */
  readonly connector: Connector;
  readonly harness: ContractHarness;
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOUR = 3_600_000;

async function run(
  harness: ContractHarness,
  body: (instance: ContractInstance) => Promise<void>,
): Promise<void> {
  const instance = await harness.start();
  try {
    await body(instance);
  } finally {
    await instance.close();
  }
}

async function readAllPages<T>(
  read: (cursor?: string) => Promise<Page<T>>,
  maxPages = 10_000,
): Promise<{ items: T[]; pages: Page<T>[] }> {
  const items: T[] = [];
  const pages: Page<T>[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await read(cursor);
    pages.push(page);
    items.push(...page.items);
    if (page.nextCursor === null) return { items, pages };
    cursor = page.nextCursor;
  }
  assert.fail(`the listing did not end within ${maxPages} pages`);
}

async function expectConnectorError(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectorError, `expected a ConnectorError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConnectorError');
}

function sorted(ids: Iterable<string>): string[] {
  return [...ids].sort();
}

function peopleReader(handle: ConnectorHandle): (cursor?: string) => Promise<PeoplePage> {
  return (cursor) => {
    assert.ok(handle.people, 'a people part');
    return handle.people.listPeople(cursor);
  };
}

function need<T>(value: T | undefined, what: string): T {
  assert.ok(value !== undefined, `the harness declares an ability but does not provide ${what}`);
  return value;
}

/**
 * Registers the contract tests for one connector. Call it at the top level of a `*.contract.test.ts`
 * file. Tests for a capability the connector does not declare are skipped with the connector's stated
 * reason; tests the harness cannot support (a missing fault, no way to change a person) say so.
 */
export function runConnectorContractSuite(options: ContractSuiteOptions): void {
  const { connector, harness, name } = options;
  const manifest = connector.manifest;
  const declared = new Set<Capability>(manifest.capabilities);
  const reasonFor = (capability: Capability): string =>
    manifest.limitations.find((l) => l.capability === capability)?.reason ??
    `${name} does not declare ${capability}`;
  const abilities = new Set<HarnessAbility>(harness.abilities);
  /** Runs only when the connector declares `capability` and the harness has every ability named. */
  const unless = (capability: Capability, ...needs: HarnessAbility[]): { skip?: string } => {
    if (!declared.has(capability)) return { skip: `not declared: ${reasonFor(capability)}` };
    const missing = needs.filter((a) => !abilities.has(a));
    return missing.length === 0 ? {} : { skip: `the ${name} harness lacks ${missing.join(', ')}` };
  };

  void describe(`${name} connector contract: manifest`, () => {
    void test('declares an id, a display name, an auth kind, its docs and its rate limits', () => {
      assert.match(manifest.id, /^[a-z][a-z0-9-]*$/, 'the id is kebab-case');
      assert.ok(manifest.displayName.trim() !== '', 'a display name');
      assert.ok(manifest.rateLimit.summary.trim() !== '', 'the vendor limits in words');
      assert.ok(existsSync(`${REPO_ROOT}${manifest.docs}`), `docs at ${manifest.docs}`);
      for (const [bucket, policy] of Object.entries(manifest.rateLimit.buckets)) {
        assert.ok(policy.concurrency >= 1, `${bucket}: concurrency`);
        for (const window of policy.windows)
          assert.ok(window.cap >= 1 && window.intervalMs > 0, `${bucket}: window`);
      }
    });

    void test('declares each capability once, and never as both supported and a limitation', () => {
      assert.equal(new Set(manifest.capabilities).size, manifest.capabilities.length, 'no duplicates');
      for (const capability of manifest.capabilities)
        assert.ok((CAPABILITIES as readonly string[]).includes(capability), capability);
      for (const limitation of manifest.limitations) {
        assert.ok(
          !declared.has(limitation.capability),
          `${limitation.capability} is both declared and a limitation`,
        );
        assert.ok(
          limitation.reason.trim().length >= 20,
          `${limitation.capability} needs a reason an administrator understands`,
        );
      }
    });

    void test('every capability it lacks is stated as a limitation, so the engine can plan a task', () => {
      const stated = new Set(manifest.limitations.map((l) => l.capability));
      const parts = new Set(manifest.capabilities.map((c) => c.split('.')[0]));
      // Only within the parts it implements, plus access and logins for account targets.
      const relevant = CAPABILITIES.filter((c) => {
        const part = c.split('.')[0] ?? '';
        if (part === 'people') return false;
        if (part === 'access' || part === 'logins' || part === 'groups') return parts.has('accounts');
        return parts.has(part);
      });
      for (const capability of relevant) {
        assert.ok(
          declared.has(capability) || stated.has(capability),
          `${capability} is neither declared nor a limitation`,
        );
      }
    });

    void test('its schemas accept the configuration the harness stores', async () => {
      await run(harness, async (instance) => {
        assert.ok(manifest.settingsSchema.safeParse(instance.rawSettings).success, 'settings');
        assert.ok(manifest.secretsSchema.safeParse(instance.rawSecrets).success, 'secrets');
      });
    });

    void test('the opened connector has exactly the parts and methods its capabilities declare', async () => {
      await run(harness, async (instance) => {
        const handle = instance.handle as unknown as Record<string, Record<string, unknown> | undefined>;
        for (const part of CONNECTOR_PARTS) {
          const hasPart = manifest.capabilities.some((c) => c.startsWith(`${part}.`));
          assert.equal(handle[part] !== undefined, hasPart, `part ${part}`);
        }
        for (const capability of CAPABILITIES) {
          const method = CAPABILITY_METHODS[capability];
          if (method === null) continue;
          const [part, name] = method;
          const isImplemented = typeof handle[part]?.[name] === 'function';
          assert.equal(isImplemented, declared.has(capability), `${capability} (${part}.${name})`);
        }
      });
    });

    void test('check() authenticates and counts', async () => {
      await run(harness, async (instance) => {
        const check = await instance.handle.check();
        assert.ok(check.summary.trim() !== '', 'a summary');
        assert.ok(Number.isInteger(check.count) && check.count >= 0, 'a count');
      });
    });
  });

  void describe(`${name} connector contract: people`, () => {
    const readPeople = peopleReader;

    void test('a full read covers every person exactly once', unless('people.list'), async () => {
      await run(harness, async (instance) => {
        const { items, pages } = await readAllPages(readPeople(instance.handle));
        const ids = items.map((p) => p.sourceId);
        assert.equal(new Set(ids).size, ids.length, 'no person twice');
        if (abilities.has('list_truth')) {
          assert.deepEqual(sorted(ids), sorted(await need(instance.listPersonIds, 'listPersonIds')()));
        }
        for (const person of items) {
          assert.ok(
            person.sourceId !== '' && person.timeZone !== '',
            'every person has an id and a time zone',
          );
        }
        const last = pages.at(-1) as PeoplePage;
        assert.notEqual(last.watermark, null, 'the last page carries the watermark');
        for (const page of pages.slice(0, -1))
          assert.equal((page as PeoplePage).watermark, null, 'only the last page does');
      });
    });

    void test('cursors are opaque ASCII and resume in another process', unless('people.list'), async () => {
      await run(harness, async (instance) => {
        const first = await readPeople(instance.handle)();
        if (first.nextCursor === null) {
          assert.ok(true, 'one page only; nothing to resume');
          return;
        }
        assert.match(first.nextCursor, /^[\x21-\x7e]{1,1024}$/);
        const persisted = JSON.parse(JSON.stringify(first.nextCursor)) as string;
        const rest = await readAllPages((c) => readPeople(instance.reopen())(c ?? persisted));
        const ids = [...first.items, ...rest.items].map((p) => p.sourceId);
        if (abilities.has('list_truth')) {
          assert.deepEqual(
            sorted(new Set(ids)),
            sorted(await need(instance.listPersonIds, 'listPersonIds')()),
          );
        }
      });
    });

    void test('a cursor it did not issue is invalid_request', unless('people.list'), async () => {
      await run(harness, async (instance) => {
        const error = await expectConnectorError(readPeople(instance.handle)('not-a-cursor'));
        assert.equal(error.kind, 'invalid_request');
      });
    });

    void test(
      'planRead asks for a full read when there is no watermark',
      unless('people.changes'),
      async () => {
        await run(harness, async (instance) => {
          assert.equal(instance.handle.people?.planRead(null).mode, 'full');
          assert.equal(instance.handle.people?.planRead('garbage').mode, 'full');
        });
      },
    );

    void test(
      'a change after a full read shows in the next incremental read',
      unless('people.changes', 'change_people'),
      async () => {
        await run(harness, async (instance) => {
          const people = instance.handle.people;
          assert.ok(people, 'a people part');
          const full = await readAllPages(readPeople(instance.handle));
          const watermark = (full.pages.at(-1) as PeoplePage).watermark;
          assert.ok(watermark, 'a watermark');
          const target = full.items[0] as SourcePerson;
          await need(instance.advanceClock, 'advanceClock')(HOUR);
          await need(instance.changePerson, 'changePerson')(target.sourceId);
          const changes = await readAllPages((c) => people.changedSince(watermark, c));
          assert.ok(
            changes.items.some((p) => p.sourceId === target.sourceId),
            'the changed person is in the changes',
          );
          assert.notEqual((changes.pages.at(-1) as PeoplePage).watermark, null, 'a new watermark');
        });
      },
    );

    void test('a watermark it did not issue is invalid_request', unless('people.changes'), async () => {
      await run(harness, async (instance) => {
        const error = await expectConnectorError(
          instance.handle.people?.changedSince('garbage') ?? Promise.resolve(),
        );
        assert.equal(error.kind, 'invalid_request');
      });
    });

    void test(
      'getPerson returns the person a full read shows, and null for an unknown id',
      unless('people.get'),
      async () => {
        await run(harness, async (instance) => {
          const people = instance.handle.people;
          assert.ok(people, 'a people part');
          const { items } = await readAllPages(readPeople(instance.handle));
          const sample = items[Math.floor(items.length / 2)] as SourcePerson;
          const one = await people.getPerson(sample.sourceId);
          assert.equal(one?.sourceId, sample.sourceId);
          assert.equal(one?.firstName, sample.firstName);
          assert.equal(one?.workEmail, sample.workEmail);
          assert.equal(one?.status, sample.status);
          assert.equal(await people.getPerson('999999999999'), null);
        });
      },
    );

    void test(
      'getPerson of a removed person is null',
      unless('people.get', 'remove_people', 'list_truth'),
      async () => {
        await run(harness, async (instance) => {
          const [id] = await need(instance.listPersonIds, 'listPersonIds')();
          assert.ok(id, 'someone to remove');
          await need(instance.removePerson, 'removePerson')(id);
          assert.equal(await instance.handle.people?.getPerson(id), null);
        });
      },
    );

    void test('an unauthenticated notification is refused', unless('people.notifications'), async () => {
      await run(harness, async (instance) => {
        assert.equal(
          instance.handle.people?.parseNotification?.(
            {},
            { event_name: 'person.updated', payload: { id: '1' } },
          ),
          null,
        );
        assert.equal(
          instance.handle.people?.parseNotification?.({ authorization: 'Bearer forged' }, {}),
          null,
        );
      });
    });
  });

  void describe(`${name} connector contract: faults`, () => {
    const faultTest = (
      fault: ContractFault,
      title: string,
      body: (instance: ContractInstance) => Promise<void>,
    ): void => {
      const options = harness.faults.includes(fault)
        ? unless('people.list')
        : { skip: `the ${name} harness cannot inject ${fault}` };
      void test(title, options, async () => {
        await run(harness, body);
      });
    };
    const readPeople = peopleReader;

    const readAfterFault = async (
      instance: ContractInstance,
      fault: ContractFault,
      count: number,
    ): Promise<SourcePerson[]> => {
      const people = instance.handle.people;
      assert.ok(people, 'a people part');
      // The first page authenticates, so the fault lands on a page read rather than on authentication.
      const first = await people.listPeople();
      await need(instance.injectFault, 'injectFault')(fault, count);
      if (first.nextCursor === null)
        return [...first.items, ...(await readAllPages((c) => people.listPeople(c))).items];
      const cursor = first.nextCursor;
      const rest = await readAllPages((c) => people.listPeople(c ?? cursor));
      return [...first.items, ...rest.items];
    };

    for (const fault of [
      'rate_limited',
      'unavailable',
      'timeout',
      'malformed_page',
      'expired_token',
    ] as const) {
      faultTest(
        fault,
        `one ${fault.replace('_', ' ')} during a read is absorbed and the read is complete`,
        async (instance) => {
          const people = await readAfterFault(instance, fault, 1);
          if (abilities.has('list_truth')) {
            const truth = await need(instance.listPersonIds, 'listPersonIds')();
            assert.deepEqual(sorted(new Set(people.map((p) => p.sourceId))), sorted(truth));
          }
        },
      );
    }

    faultTest(
      'rate_limited',
      'persistent rate limiting reaches the engine as rate_limited with a wait',
      async (instance) => {
        const error = await expectConnectorError(readAfterFault(instance, 'rate_limited', 20));
        assert.equal(error.kind, 'rate_limited');
        assert.ok((error.retryAfterMs ?? 0) > 0, 'retryAfterMs');
      },
    );

    faultTest('unavailable', 'a persistent outage fails the read as unavailable', async (instance) => {
      const error = await expectConnectorError(readAfterFault(instance, 'unavailable', 20));
      assert.equal(error.kind, 'unavailable');
    });

    faultTest(
      'truncated_page',
      'a truncated page fails the read; it never ends as a shorter listing',
      async (instance) => {
        const error = await expectConnectorError(readAfterFault(instance, 'truncated_page', 1));
        assert.equal(error.kind, 'unavailable');
      },
    );

    faultTest('empty_listing', 'an empty page never completes a full read as "nobody"', async (instance) => {
      await instance.handle.check();
      await need(instance.injectFault, 'injectFault')('empty_listing', 1);
      try {
        const { items } = await readAllPages(readPeople(instance.handle));
        // Completing is fine only if it is complete.
        assert.ok(items.length > 0, 'a complete read of an empty company is refused');
        if (abilities.has('list_truth')) {
          const truth = await need(instance.listPersonIds, 'listPersonIds')();
          assert.deepEqual(sorted(new Set(items.map((p) => p.sourceId))), sorted(truth));
        }
      } catch (error) {
        assert.ok(error instanceof ConnectorError, `a ConnectorError, got ${String(error)}`);
      }
    });
  });

  void describe(`${name} connector contract: accounts`, () => {
    const accountsOf = (handle: ConnectorHandle) => {
      assert.ok(handle.accounts, 'an accounts part');
      return handle.accounts;
    };

    void test('listing accounts covers every account exactly once', unless('accounts.list'), async () => {
      await run(harness, async (instance) => {
        const { items } = await readAllPages((c) => accountsOf(instance.handle).listAccounts(c));
        const ids = items.map((a) => a.id);
        assert.equal(new Set(ids).size, ids.length, 'no account twice');
        if (abilities.has('list_truth')) {
          assert.deepEqual(sorted(ids), sorted(await need(instance.listAccountIds, 'listAccountIds')()));
        }
      });
    });

    void test(
      'a created account is listed, and creating it again never duplicates it',
      unless('accounts.create', 'describe_accounts'),
      async () => {
        await run(harness, async (instance) => {
          const accounts = accountsOf(instance.handle);
          assert.equal(typeof accounts.createAccount, 'function', 'createAccount');
          const createAccount = async (d: DesiredAccount) =>
            need(await accounts.createAccount?.(d), 'a create result');
          const desired = need(instance.newDesiredAccount, 'newDesiredAccount')();
          const created = await createAccount(desired);
          assert.equal(created.outcome, 'created');
          const again = await createAccount(desired).catch((error: unknown) => error);
          if (again instanceof ConnectorError) assert.equal(again.kind, 'conflict');
          else assert.equal((again as { account: Account }).account.id, created.account.id);
          const { items } = await readAllPages((c) => accounts.listAccounts(c));
          assert.equal(items.filter((a) => a.email?.toLowerCase() === desired.email.toLowerCase()).length, 1);
        });
      },
    );

    void test(
      'an update of an existing account succeeds; of an unknown one is not_found',
      unless('accounts.update', 'describe_accounts'),
      async () => {
        await run(harness, async (instance) => {
          const accounts = accountsOf(instance.handle);
          assert.equal(typeof accounts.updateAccount, 'function', 'updateAccount');
          const updateAccount = async (id: string, changes: AccountChanges) =>
            need(await accounts.updateAccount?.(id, changes), 'an update result');
          const change = need(instance.accountChange, 'accountChange');
          const { items } = await readAllPages((c) => accounts.listAccounts(c));
          const target = items[0] as Account;
          await updateAccount(target.id, change());
          const error = await expectConnectorError(updateAccount('999999999999', change()));
          assert.equal(error.kind, 'not_found');
        });
      },
    );

    for (const [capability, method] of [
      ['accounts.disable', 'disableAccount'],
      ['accounts.enable', 'enableAccount'],
      ['accounts.delete', 'deleteAccount'],
    ] as const) {
      void test(`${method} twice succeeds both times (idempotent)`, unless(capability), async () => {
        await run(harness, async (instance) => {
          const accounts = accountsOf(instance.handle);
          const { items } = await readAllPages((c) => accounts.listAccounts(c));
          const target = items[0] as Account;
          assert.equal(typeof accounts[method], 'function', method);
          await accounts[method]?.(target.id);
          await accounts[method]?.(target.id);
        });
      });
    }
  });

  void describe(`${name} connector contract: groups`, () => {
    void test('listing groups covers every group exactly once', unless('groups.list'), async () => {
      await run(harness, async (instance) => {
        assert.ok(instance.handle.groups, 'a groups part');
        const { items } = await readAllPages(
          (c) => instance.handle.groups?.listGroups(c) ?? Promise.reject(new Error('no groups')),
        );
        assert.equal(new Set(items.map((g) => g.id)).size, items.length);
      });
    });

    void test(
      'adding a present member and removing an absent one succeed',
      unless('groups.membership_write'),
      async () => {
        await run(harness, async (instance) => {
          const groups = instance.handle.groups;
          assert.ok(groups, 'a groups part');
          assert.equal(typeof groups.addMember, 'function', 'addMember');
          assert.equal(typeof groups.removeMember, 'function', 'removeMember');
          const { items } = await readAllPages((c) => groups.listGroups(c));
          const accounts = await instance.handle.accounts?.listAccounts();
          const group = items[0];
          const account = accounts?.items[0];
          assert.ok(group && account, 'a group and an account');
          await groups.addMember?.(group.id, account.id);
          await groups.addMember?.(group.id, account.id);
          await groups.removeMember?.(group.id, account.id);
          await groups.removeMember?.(group.id, account.id);
        });
      },
    );
  });
}
