// The directory's accounts: the Users of one connection in Roster's own SCIM store. Every write is one
// repository update (locked row, validated like a SCIM request, version bumped only on a real change),
// so repeating any of them is harmless.
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
import { USER_RESOURCE_SCHEMA } from '../../scim/attribute-resolver.ts';
import { ScimError } from '../../scim/errors.ts';
import { normalizeResourceInput } from '../../scim/resource-input.ts';
import { applyFlatChanges } from '../../scim/resource-paths.ts';
import type { FlatAttributeValue } from '../../scim/resource-paths.ts';
import { accountFromUser, userForCreate, userNameOf } from '../scim/scim-account.ts';
import { decodeRepositoryCursor, encodeRepositoryCursor } from './directory-cursor.ts';
import type { DirectoryRepository, DirectoryResource } from './directory-repository.ts';
import { toConnectorError, translated } from './repository-errors.ts';

export interface DirectoryAccountsOptions {
  readonly repository: DirectoryRepository;
  readonly connectionId: string;
  readonly pageSize: number;
  readonly logger: ConnectorLogger;
}

export function accountOf(stored: DirectoryResource): Account {
  return accountFromUser({ ...stored.data, id: stored.id });
}

export class DirectoryAccounts implements AccountTarget {
  readonly #repository: DirectoryRepository;
  readonly #connectionId: string;
  readonly #pageSize: number;
  readonly #logger: ConnectorLogger;

  constructor(options: DirectoryAccountsOptions) {
    this.#repository = options.repository;
    this.#connectionId = options.connectionId;
    this.#pageSize = options.pageSize;
    this.#logger = options.logger;
  }

  async listAccounts(cursor?: string): Promise<Page<Account>> {
    const repositoryCursor = cursor === undefined ? '' : decodeRepositoryCursor('accounts', cursor);
    return translated('listAccounts', false, async () => {
      const result = await this.#repository.list(
        this.#connectionId,
        'User',
        USER_RESOURCE_SCHEMA,
        { startIndex: 1, count: this.#pageSize, cursor: repositoryCursor },
        '',
      );
      return {
        items: result.resources.map(accountOf),
        nextCursor:
          result.nextCursor === undefined ? null : encodeRepositoryCursor('accounts', result.nextCursor),
      };
    });
  }

  /** How many accounts the connection holds. */
  async countAccounts(): Promise<number> {
    return translated('countAccounts', false, async () => {
      const result = await this.#repository.list(
        this.#connectionId,
        'User',
        USER_RESOURCE_SCHEMA,
        { startIndex: 1, count: 0 },
        '',
      );
      return result.totalResults;
    });
  }

  /**
   * Creates the User. userName is unique per connection (case-insensitively): when it is taken, the
   * account is there already (an earlier attempt, or the same person provisioned by an IdP) and is
   * returned as `adopted`, unchanged; the next plan brings its attributes in line.
   */
  async createAccount(desired: DesiredAccount): Promise<CreateAccountResult> {
    const { data, userName } = await translated('createAccount', false, async () => {
      const user = normalizeResourceInput(userForCreate(desired), USER_RESOURCE_SCHEMA, 'create');
      return { data: user, userName: userNameOf(user) };
    });
    try {
      const stored = await this.#repository.create(this.#connectionId, 'User', data);
      return { account: accountOf(stored), outcome: 'created', warnings: [] };
    } catch (error) {
      if (!(error instanceof ScimError && error.status === 409)) {
        const failure = toConnectorError(error, 'createAccount', true);
        if (failure.outcome === 'unknown') return this.#settleByReadBack(userName, failure);
        throw failure;
      }
    }
    const existing = await this.#findByUserName(userName);
    if (existing === undefined) {
      // Taken a moment ago and gone now: let the engine try again rather than guess.
      throw new ConnectorError(
        'conflict',
        'directory createAccount: the userName was taken, then freed; retry',
        {
          outcome: 'not_applied',
        },
      );
    }
    this.#logger.info({ accountId: existing.id }, 'userName taken; adopting the existing account');
    return { account: accountOf(existing), outcome: 'adopted', warnings: [] };
  }

  /** Applies the flat changes (`null` clears) as one atomic, validated write; not_found for an unknown id. */
  async updateAccount(id: string, changes: AccountChanges): Promise<UpdateAccountResult> {
    const resource = await this.#change('updateAccount', id, changes.attributes);
    return { account: accountOf(resource), warnings: [] };
  }

  /** Disabling a disabled account, or one that is gone, succeeds: either way nobody can use it. */
  async disableAccount(id: string): Promise<void> {
    try {
      await this.#change('disableAccount', id, { active: false });
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') {
        this.#logger.info({ accountId: id }, 'disable: the account is gone; nothing to do');
        return;
      }
      throw error;
    }
  }

  /** Enabling an enabled account succeeds; an unknown one is not_found (there is nothing to enable). */
  async enableAccount(id: string): Promise<void> {
    await this.#change('enableAccount', id, { active: true });
  }

  /** Deletes the User and its memberships; deleting what is gone succeeds. */
  async deleteAccount(id: string): Promise<void> {
    await translated('deleteAccount', true, async () => {
      const deleted = await this.#repository.delete(this.#connectionId, 'User', id);
      if (!deleted) this.#logger.debug({ accountId: id }, 'delete: the account is already gone');
    });
  }

  async #change(
    operation: string,
    id: string,
    changes: Readonly<Record<string, FlatAttributeValue>>,
  ): Promise<DirectoryResource> {
    return translated(operation, true, async () => {
      const { resource } = await this.#repository.update(this.#connectionId, 'User', id, (current) => {
        const next = applyFlatChanges(current.data, changes, USER_RESOURCE_SCHEMA);
        // The same validation a SCIM PUT gets: types, one primary, required attributes, nothing empty.
        return { data: normalizeResourceInput(next, USER_RESOURCE_SCHEMA, 'replace', current.data) };
      });
      return resource;
    });
  }

  /** After a failed write whose outcome is unknown (the database went away at commit): read back. */
  async #settleByReadBack(userName: string, failure: ConnectorError): Promise<CreateAccountResult> {
    const found = await this.#findByUserName(userName).catch(() => {
      throw failure;
    });
    if (found === undefined) {
      throw new ConnectorError('unavailable', `${failure.message}; reading back found no account`, {
        cause: failure,
        outcome: 'not_applied',
      });
    }
    return { account: accountOf(found), outcome: 'settled_by_read_back', warnings: [] };
  }

  async #findByUserName(userName: string): Promise<DirectoryResource | undefined> {
    return translated('createAccount', false, async () => {
      const result = await this.#repository.list(
        this.#connectionId,
        'User',
        USER_RESOURCE_SCHEMA,
        {
          filter: { kind: 'compare', path: { attribute: 'userName' }, op: 'eq', value: userName },
          startIndex: 1,
          count: 1,
        },
        '',
      );
      return result.resources[0];
    });
  }
}
