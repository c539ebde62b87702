// A SCIM server's Groups: listed without their members, members read from the group itself, and
// membership changed with PATCH add / remove of one member (RFC 7644 §3.5.2), which needs no If-Match:
// adding or removing one member is right whatever else changed.
import type { ConnectorLogger, Group, GroupTarget, Page } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import { printFilterValue } from '../../scim/filter-printer.ts';
import { isPlainObject } from '../../scim/resource-input.ts';
import { decodeMembersCursor, encodeMembersCursor } from './list-cursor.ts';
import { readPage } from './list-paging.ts';
import type { ScimClient } from './scim-client.ts';

export interface ScimGroupsOptions {
  readonly client: ScimClient;
  readonly pageSize: number;
  readonly logger: ConnectorLogger;
}

export class ScimGroups implements GroupTarget {
  readonly #client: ScimClient;
  readonly #pageSize: number;
  readonly #logger: ConnectorLogger;

  constructor(options: ScimGroupsOptions) {
    this.#client = options.client;
    this.#pageSize = options.pageSize;
    this.#logger = options.logger;
  }

  async listGroups(cursor?: string): Promise<Page<Group>> {
    const page = await readPage({
      client: this.#client,
      endpoint: 'Groups',
      kind: 'groups',
      pageSize: this.#pageSize,
      excludedAttributes: 'members',
      cursor,
    });
    return {
      items: page.items.map((group) => {
        const displayName = group['displayName'];
        return { id: group.id, displayName: typeof displayName === 'string' ? displayName : group.id };
      }),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * The group's members that are not groups, read whole from the group (SCIM has no paging inside a
   * resource) and handed out a page at a time. A page resumes after the previous page's last member;
   * when that member has left the group since, the listing fails with `conflict` (restart it).
   */
  async listMembers(groupId: string, cursor?: string): Promise<Page<string>> {
    const after = cursor === undefined ? undefined : decodeMembersCursor(groupId, cursor);
    const group = await this.#client.get('Groups', groupId, { attributes: 'members' });
    if (group === undefined) throw new ConnectorError('not_found', `SCIM listMembers: no Group ${groupId}`);
    const raw = group.resource['members'];
    const members = (Array.isArray(raw) ? raw : [])
      .filter(isPlainObject)
      .filter(
        (m) =>
          typeof m['value'] === 'string' &&
          !(typeof m['type'] === 'string' && m['type'].toLowerCase() === 'group'),
      )
      .map((m) => m['value'] as string);
    let start = 0;
    if (after !== undefined) {
      const index = members.indexOf(after);
      if (index === -1) {
        throw new ConnectorError(
          'conflict',
          'SCIM listMembers: the group changed while it was being listed; start again',
        );
      }
      start = index + 1;
    }
    const items = members.slice(start, start + this.#pageSize);
    const last = items.at(-1);
    const hasMore = start + items.length < members.length;
    return { items, nextCursor: hasMore && last !== undefined ? encodeMembersCursor(groupId, last) : null };
  }

  /** Adds one member; a present member stays (RFC 7644 §3.5.2.1). An unknown group is not_found. */
  async addMember(groupId: string, accountId: string): Promise<void> {
    await this.#client.patch('Groups', groupId, [
      { op: 'add', path: 'members', value: [{ value: accountId }] },
    ]);
  }

  /** Removes one member; an absent member (or `noTarget`), or a group that is gone, is success. */
  async removeMember(groupId: string, accountId: string): Promise<void> {
    try {
      await this.#client.patch('Groups', groupId, [
        { op: 'remove', path: `members[value eq ${printFilterValue(accountId)}]` },
      ]);
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') {
        this.#logger.debug({ groupId }, 'removeMember: nothing to remove');
        return;
      }
      throw error;
    }
  }
}
