// Reads one page of a Users or Groups listing, by RFC 9865 cursor when the server offers it, else by
// index, and checks it is complete: a listing never ends early as if it were whole.
import type { Page } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import { decodeListCursor, encodeListCursor } from './list-cursor.ts';
import type { ListPosition } from './list-cursor.ts';
import type { ScimClient, ScimEndpoint } from './scim-client.ts';
import type { ScimUser } from './scim-account.ts';

export interface PageRequest {
  readonly client: ScimClient;
  readonly endpoint: ScimEndpoint;
  readonly kind: 'users' | 'groups';
  readonly pageSize: number;
  /** Attributes not worth transferring (a User's groups, a Group's members). */
  readonly excludedAttributes: string;
  readonly cursor: string | undefined;
}

/**
 * One page. Index paging cannot see concurrent deletes (everything after one moves up a place, so the
 * next page would skip a resource): a total that differs from the first page's fails the listing with
 * `conflict`, which means "read again from the start". Cursor paging has no such gap. Either way a
 * last page that leaves the listing short of `totalResults` fails with `unavailable`.
 */
export async function readPage(request: PageRequest): Promise<Page<ScimUser>> {
  const { client, endpoint, kind, pageSize, excludedAttributes } = request;
  const position: ListPosition =
    request.cursor !== undefined
      ? decodeListCursor(kind, request.cursor)
      : (await client.features()).cursor
        ? { mode: 'cursor', cursor: '', seen: 0 }
        : { mode: 'index', startIndex: 1, total: -1 };
  if (position.mode === 'cursor') {
    const page = await client.list({
      endpoint,
      count: pageSize,
      cursor: position.cursor,
      excludedAttributes,
    });
    const seen = position.seen + page.resources.length;
    if (page.nextCursor !== undefined) {
      return {
        items: page.resources,
        nextCursor: encodeListCursor(kind, { mode: 'cursor', cursor: page.nextCursor, seen }),
      };
    }
    if (seen < page.totalResults) throw incomplete(endpoint, seen, page.totalResults);
    return { items: page.resources, nextCursor: null };
  }
  const page = await client.list({
    endpoint,
    count: pageSize,
    startIndex: position.startIndex,
    excludedAttributes,
  });
  if (position.total !== -1 && page.totalResults !== position.total) {
    throw new ConnectorError(
      'conflict',
      `SCIM list${endpoint}: ${position.total} became ${page.totalResults} while paging by index, so a resource may have been skipped; read again from the first page`,
    );
  }
  const next = position.startIndex + page.resources.length;
  if (next > page.totalResults) return { items: page.resources, nextCursor: null };
  if (page.resources.length === 0) throw incomplete(endpoint, position.startIndex - 1, page.totalResults);
  return {
    items: page.resources,
    nextCursor: encodeListCursor(kind, { mode: 'index', startIndex: next, total: page.totalResults }),
  };
}

function incomplete(endpoint: ScimEndpoint, seen: number, total: number): ConnectorError {
  return new ConnectorError(
    'unavailable',
    `SCIM list${endpoint}: the listing ended after ${seen} of the ${total} resources it announced`,
  );
}
