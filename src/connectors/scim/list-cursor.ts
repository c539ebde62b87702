// The SCIM connector's listing cursors: where a listing resumes, by index (with the total it started
// with, so a listing that shrinks underneath is noticed) or by the server's RFC 9865 cursor. Opaque,
// ASCII, safe to persist, valid in any process.
import { z } from 'zod';
import { ConnectorError } from '../contract.ts';

export const LIST_KINDS = ['users', 'groups', 'members'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

const PREFIX: Readonly<Record<ListKind, string>> = { users: 'su1.', groups: 'sg1.', members: 'sm1.' };

/** Where a Users or Groups listing resumes; `seen` counts what earlier pages returned. */
export type ListPosition =
  | { readonly mode: 'index'; readonly startIndex: number; readonly total: number }
  | { readonly mode: 'cursor'; readonly cursor: string; readonly seen: number };

const positionSchema = z.union([
  z
    .object({ mode: z.literal('index'), startIndex: z.number().int().min(1), total: z.number().int().min(0) })
    .strict(),
  z.object({ mode: z.literal('cursor'), cursor: z.string().min(1), seen: z.number().int().min(0) }).strict(),
]);

function invalid(kind: ListKind): ConnectorError {
  return new ConnectorError(
    'invalid_request',
    `SCIM: the ${kind} cursor is not one this connector issued; start the listing again without one`,
  );
}

function encode(kind: ListKind, value: unknown): string {
  return `${PREFIX[kind]}${Buffer.from(JSON.stringify(value)).toString('base64url')}`;
}

function decode(kind: ListKind, text: string): unknown {
  if (!text.startsWith(PREFIX[kind])) throw invalid(kind);
  try {
    return JSON.parse(Buffer.from(text.slice(PREFIX[kind].length), 'base64url').toString('utf8'));
  } catch {
    throw invalid(kind);
  }
}

export function encodeListCursor(kind: 'users' | 'groups', position: ListPosition): string {
  return encode(kind, position);
}

export function decodeListCursor(kind: 'users' | 'groups', text: string): ListPosition {
  const parsed = positionSchema.safeParse(decode(kind, text));
  if (!parsed.success) throw invalid(kind);
  return parsed.data;
}

/** A members listing resumes after `lastMemberId` of group `groupId`. */
export function encodeMembersCursor(groupId: string, lastMemberId: string): string {
  return encode('members', [groupId, lastMemberId]);
}

export function decodeMembersCursor(groupId: string, text: string): string {
  const parsed = decode('members', text);
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
