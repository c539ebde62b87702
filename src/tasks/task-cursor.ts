// The opaque cursor of a task list: the id of the last task of a page, so the next page starts after
// it. Ids are time-ordered and unique, so paging is stable while tasks are opened and closed.
import { InvalidInputError } from '../core/errors.ts';

const MAX_CURSOR_LENGTH = 500;

export function encodeTaskCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url');
}

/** The id a cursor continues after. @throws InvalidInputError `task_invalid` for anything else */
export function decodeTaskCursor(cursor: string): string {
  if (cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(cursor)) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        const after = (parsed as { after?: unknown }).after;
        if (typeof after === 'string' && after !== '') return after;
      }
    } catch {
      // Reported below, the same as a well-formed cursor of the wrong shape.
    }
  }
  throw new InvalidInputError(
    'task_invalid',
    'the cursor is not one a task list returned; start without one',
  );
}
