// The directory's listing cursors: opaque, ASCII, safe to persist. Accounts and groups wrap the
// repository's RFC 9865 keyset cursor; members (read whole from the repository) resume after the last
// member id of the previous page.
import { ConnectorError } from '../contract.ts';

export const CURSOR_KINDS = ['accounts', 'groups', 'members'] as const;
export type CursorKind = (typeof CURSOR_KINDS)[number];

const PREFIX: Readonly<Record<CursorKind, string>> = { accounts: 'da1.', groups: 'dg1.', members: 'dm1.' };

function invalid(kind: CursorKind): ConnectorError {
  return new ConnectorError(
    'invalid_request',
    `directory: the ${kind} cursor is not one this connector issued; start the listing again without one`,
  );
}

/** Wraps a repository cursor (accounts, groups). */
export function encodeRepositoryCursor(kind: 'accounts' | 'groups', repositoryCursor: string): string {
  return `${PREFIX[kind]}${repositoryCursor}`;
}

/** The repository cursor inside; the repository itself refuses one it did not issue. */
export function decodeRepositoryCursor(kind: 'accounts' | 'groups', cursor: string): string {
  const prefix = PREFIX[kind];
  if (!cursor.startsWith(prefix) || cursor.length === prefix.length || !/^[\x21-\x7e]+$/.test(cursor)) {
    throw invalid(kind);
  }
  return cursor.slice(prefix.length);
}

/** Where a members listing resumes: after `lastMemberId` of group `groupId`. */
export function encodeMembersCursor(groupId: string, lastMemberId: string): string {
  return `${PREFIX.members}${Buffer.from(JSON.stringify([groupId, lastMemberId])).toString('base64url')}`;
}

export function decodeMembersCursor(groupId: string, cursor: string): string {
  if (!cursor.startsWith(PREFIX.members)) throw invalid('members');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor.slice(PREFIX.members.length), 'base64url').toString('utf8'));
  } catch {
    throw invalid('members');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    parsed[0] !== groupId ||
    typeof parsed[1] !== 'string'
  ) {
    throw invalid('members');
  }
  return parsed[1];
}
