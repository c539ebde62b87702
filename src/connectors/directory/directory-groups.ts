// The directory's groups: the Groups of one connection in Roster's own SCIM store and their user
// members. Membership writes go through the repository's update (one transaction, version bumped only
// when the membership really changed), so adding a present member or removing an absent one is a no-op.
import type { ConnectorLogger, Group, GroupTarget, Page } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import { GROUP_RESOURCE_SCHEMA } from '../../scim/attribute-resolver.ts';
import {
  decodeMembersCursor,
  decodeRepositoryCursor,
  encodeMembersCursor,
  encodeRepositoryCursor,
} from './directory-cursor.ts';
import type { DirectoryRepository, DirectoryResource } from './directory-repository.ts';
import { translated } from './repository-errors.ts';

export interface DirectoryGroupsOptions {
  readonly repository: DirectoryRepository;
  readonly connectionId: string;
  readonly pageSize: number;
  readonly logger: ConnectorLogger;
}

function groupOf(stored: DirectoryResource): Group {
  const displayName = stored.data['displayName'];
  return { id: stored.id, displayName: typeof displayName === 'string' ? displayName : stored.id };
}

export class DirectoryGroups implements GroupTarget {
  readonly #repository: DirectoryRepository;
  readonly #connectionId: string;
  readonly #pageSize: number;
  readonly #logger: ConnectorLogger;

  constructor(options: DirectoryGroupsOptions) {
    this.#repository = options.repository;
    this.#connectionId = options.connectionId;
    this.#pageSize = options.pageSize;
    this.#logger = options.logger;
  }

  async listGroups(cursor?: string): Promise<Page<Group>> {
    const repositoryCursor = cursor === undefined ? '' : decodeRepositoryCursor('groups', cursor);
    return translated('listGroups', false, async () => {
      const result = await this.#repository.list(
        this.#connectionId,
        'Group',
        GROUP_RESOURCE_SCHEMA,
        { startIndex: 1, count: this.#pageSize, cursor: repositoryCursor },
        '',
      );
      return {
        items: result.resources.map(groupOf),
        nextCursor:
          result.nextCursor === undefined ? null : encodeRepositoryCursor('groups', result.nextCursor),
      };
    });
  }

  /**
   * The group's user members (nested groups are not accounts and are left out), in the order they were
   * added. A page resumes after the previous page's last member; when that member has left the group
   * since, the listing fails with `conflict` (restart it) rather than skip or repeat anyone.
   */
  async listMembers(groupId: string, cursor?: string): Promise<Page<string>> {
    const after = cursor === undefined ? undefined : decodeMembersCursor(groupId, cursor);
    return translated('listMembers', false, async () => {
      const group = await this.#repository.get(this.#connectionId, 'Group', groupId);
      if (group === undefined)
        throw new ConnectorError('not_found', `directory listMembers: no group ${groupId}`);
      const members = (await this.#repository.listMembers(this.#connectionId, groupId))
        .filter((m) => m.type === 'User')
        .map((m) => m.value);
      let start = 0;
      if (after !== undefined) {
        const index = members.indexOf(after);
        if (index === -1) {
          throw new ConnectorError(
            'conflict',
            'directory listMembers: the group changed while it was being listed; start again',
          );
        }
        start = index + 1;
      }
      const items = members.slice(start, start + this.#pageSize);
      const last = items.at(-1);
      const hasMore = start + items.length < members.length;
      return { items, nextCursor: hasMore && last !== undefined ? encodeMembersCursor(groupId, last) : null };
    });
  }

  /** Adds a user; a present member stays as it is. not_found when the group or the account is unknown. */
  async addMember(groupId: string, accountId: string): Promise<void> {
    await translated('addMember', true, async () => {
      const account = await this.#repository.get(this.#connectionId, 'User', accountId);
      if (account === undefined)
        throw new ConnectorError('not_found', `directory addMember: no account ${accountId}`);
      await this.#repository.update(this.#connectionId, 'Group', groupId, (current) => ({
        data: current.data,
        members: [{ kind: 'add', members: [{ value: accountId }] }],
      }));
    });
  }

  /** Removes a user; removing an absent member, or from a group that is gone, succeeds. */
  async removeMember(groupId: string, accountId: string): Promise<void> {
    try {
      await translated('removeMember', true, async () => {
        await this.#repository.update(this.#connectionId, 'Group', groupId, (current) => ({
          data: current.data,
          members: [{ kind: 'remove', memberIds: [accountId] }],
        }));
      });
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') {
        this.#logger.debug({ groupId }, 'removeMember: the group is gone; nothing to do');
        return;
      }
      throw error;
    }
  }
}
