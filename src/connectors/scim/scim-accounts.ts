// A SCIM server's Users as accounts. Creates are settled by looking the userName up, never by posting
// twice; updates read the User (and its ETag), send only the operations that change something, and
// re-read once when the ETag no longer matches; disable is `active: false`; delete of what is gone succeeds.
import type {
  Account,
  AccountChanges,
  AccountTarget,
  ConnectorLogger,
  CreateAccountResult,
  DesiredAccount,
  Page,
  UpdateAccountResult,
} from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import { ScimError } from '../../scim/errors.ts';
import { printFilter } from '../../scim/filter-printer.ts';
import { applyFlatChanges } from '../../scim/resource-paths.ts';
import type { FlatAttributeValue, FlatKey } from '../../scim/resource-paths.ts';
import type { ScimResource } from '../../scim/schema.ts';
import { readPage } from './list-paging.ts';
import {
  accountFromUser,
  parseChangeKeys,
  patchOperationsFor,
  userForCreate,
  userNameOf,
} from './scim-account.ts';
import type { ScimUser } from './scim-account.ts';
import type { ScimClient } from './scim-client.ts';

export interface ScimAccountsOptions {
  readonly client: ScimClient;
  readonly pageSize: number;
  readonly logger: ConnectorLogger;
}

/** Bad keys or values in what the engine asked for: permanent for this input. */
function invalidInput<T>(operation: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ScimError) {
      throw new ConnectorError('invalid_request', `SCIM ${operation}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

export class ScimAccounts implements AccountTarget {
  readonly #client: ScimClient;
  readonly #pageSize: number;
  readonly #logger: ConnectorLogger;

  constructor(options: ScimAccountsOptions) {
    this.#client = options.client;
    this.#pageSize = options.pageSize;
    this.#logger = options.logger;
  }

  async listAccounts(cursor?: string): Promise<Page<Account>> {
    const page = await readPage({
      client: this.#client,
      endpoint: 'Users',
      kind: 'users',
      pageSize: this.#pageSize,
      excludedAttributes: 'groups',
      cursor,
    });
    return { items: page.items.map(accountFromUser), nextCursor: page.nextCursor };
  }

  /** How many Users the credential can see (one small request). */
  async countAccounts(): Promise<number> {
    const page = await this.#client.list({
      endpoint: 'Users',
      count: 1,
      startIndex: 1,
      excludedAttributes: 'groups',
    });
    return page.totalResults;
  }

  /**
   * POSTs the User. A uniqueness conflict (409) means it exists: it is looked up by userName and returned
   * as `adopted`, unchanged (the next plan updates it). A failure after the request was sent (timeout,
   * lost connection, 5xx) is settled by the same lookup (`settled_by_read_back`); when the lookup finds
   * nothing, the create did not happen and fails as `unavailable` with outcome `not_applied`, so the
   * engine may try again (and a late arrival of the first would then be adopted).
   */
  async createAccount(desired: DesiredAccount): Promise<CreateAccountResult> {
    const user = invalidInput('createAccount', () => userForCreate(desired));
    const userName = invalidInput('createAccount', () => userNameOf(user));
    try {
      const created = await this.#client.create('Users', user);
      return { account: accountFromUser(created.resource), outcome: 'created', warnings: [] };
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      if (error.kind === 'conflict') {
        const existing = await this.#findByUserName(userName);
        if (existing === undefined) throw error;
        this.#logger.info({ accountId: existing.id }, 'userName taken; adopting the existing account');
        return { account: accountFromUser(existing), outcome: 'adopted', warnings: [] };
      }
      if (error.outcome !== 'unknown') throw error;
      this.#logger.warn({ errorKind: error.kind }, 'create outcome unknown; reading back by userName');
      let found: ScimUser | undefined;
      try {
        found = await this.#findByUserName(userName);
      } catch {
        throw error;
      }
      if (found === undefined) {
        throw new ConnectorError(
          'unavailable',
          `${error.message}; reading back by userName found no account`,
          {
            cause: error,
            outcome: 'not_applied',
            ...(error.status === undefined ? {} : { status: error.status }),
          },
        );
      }
      return { account: accountFromUser(found), outcome: 'settled_by_read_back', warnings: [] };
    }
  }

  async updateAccount(id: string, changes: AccountChanges): Promise<UpdateAccountResult> {
    const user = await this.#update('updateAccount', id, changes.attributes);
    return { account: accountFromUser(user), warnings: [] };
  }

  /** Sets `active: false`. Disabling a disabled account, or one that is gone, succeeds. */
  async disableAccount(id: string): Promise<void> {
    try {
      await this.#update('disableAccount', id, { active: false });
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') {
        this.#logger.info({ accountId: id }, 'disable: the account is gone; nothing to do');
        return;
      }
      throw error;
    }
  }

  /** Sets `active: true`; an unknown account is not_found. */
  async enableAccount(id: string): Promise<void> {
    await this.#update('enableAccount', id, { active: true });
  }

  /** DELETE; a 404 means it is gone already, which is success. */
  async deleteAccount(id: string): Promise<void> {
    const deleted = await this.#client.delete('Users', id);
    if (!deleted) this.#logger.debug({ accountId: id }, 'delete: the account is already gone');
  }

  /**
   * Reads the User, computes the next one, sends the operations that differ (none: no request), with
   * If-Match when the server supports ETags. A 412 (someone changed it in between) re-reads and tries
   * once more; a second 412 is `conflict`. Servers without PATCH get a PUT of the whole User.
   */
  async #update(
    operation: string,
    id: string,
    changes: Readonly<Record<string, FlatAttributeValue>>,
  ): Promise<ScimUser> {
    const keys: FlatKey[] = invalidInput(operation, () => parseChangeKeys(changes));
    const features = await this.#client.features();
    for (let attempt = 1; ; attempt++) {
      const current = await this.#client.get('Users', id, { excludedAttributes: 'groups' });
      if (current === undefined) throw new ConnectorError('not_found', `SCIM ${operation}: no User ${id}`);
      const next = invalidInput(operation, () => applyFlatChanges(current.resource, changes));
      const operations = patchOperationsFor(current.resource, next, keys);
      if (operations.length === 0) return current.resource;
      const etag = features.etag ? current.etag : undefined;
      try {
        if (features.patch) {
          const patched = await this.#client.patch('Users', id, operations, etag);
          return patched?.resource ?? { ...next, id: current.resource.id };
        }
        return (await this.#client.replace('Users', id, bodyForPut(next), etag)).resource;
      } catch (error) {
        if (!(error instanceof ConnectorError && error.status === 412)) throw error;
        if (attempt === 1) {
          this.#logger.info({ accountId: id }, 'the User changed since it was read (412); reading it again');
          continue;
        }
        throw new ConnectorError(
          'conflict',
          `SCIM ${operation}: User ${id} kept changing while being updated; try again later`,
          {
            cause: error,
            status: 412,
          },
        );
      }
    }
  }

  async #findByUserName(userName: string): Promise<ScimUser | undefined> {
    const filter = printFilter({
      kind: 'compare',
      path: { attribute: 'userName' },
      op: 'eq',
      value: userName,
    });
    const page = await this.#client.list({
      endpoint: 'Users',
      count: 2,
      filter,
      excludedAttributes: 'groups',
    });
    // userName compares case-insensitively (RFC 7643 §4.1.1); a server whose filter is looser is not trusted.
    return page.resources.find(
      (user) =>
        typeof user['userName'] === 'string' && user['userName'].toLowerCase() === userName.toLowerCase(),
    );
  }
}

/** What a PUT sends: the User without what the server owns. */
function bodyForPut(user: ScimResource): ScimResource {
  const { meta: _meta, groups: _groups, ...rest } = user;
  return rest;
}
