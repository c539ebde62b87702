// Offset paging over `GET /v1/company/employees` with completeness checks: a page shorter than the limit
// while total_elements says more is a failed read (never "fewer employees"), a total that changes while
// paging restarts the read from the first page, and an empty full listing is refused unless allowed.
// Once the total is known, several API pages are fetched at once (the rate limiter paces them).
import type { Clock, ConnectorLogger } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import type { PersonioApi } from './personio-api.ts';
import type { ReadCursor, ReadCursorMode } from './read-cursor.ts';
import { decodeReadCursor, encodeReadCursor, encodeWatermark } from './read-cursor.ts';
import type { V1Employee, V1EmployeesPage } from './v1-envelope.ts';

/** A read that keeps changing underneath is given up after this many restarts (`conflict`). */
export const MAX_RESTARTS = 3;

export interface V1PageResult {
  readonly employees: readonly V1Employee[];
  readonly nextCursor: string | null;
  /** Set on the last page: what the next changes read starts from. */
  readonly watermark: string | null;
}

export interface V1PagingOptions {
  readonly api: PersonioApi;
  readonly clock: Clock;
  readonly logger: ConnectorLogger;
  readonly pageSize: number;
  /** API pages fetched at once per call once the total is known (1 = strictly one after another). */
  readonly readAheadPages: number;
  readonly allowEmptyFullRead: boolean;
}

/** How a read starts when the engine passes no cursor. */
export interface ReadStart {
  readonly since: string | null;
  readonly lastFullReadAt: string | null;
}

/**
 * One connector page: the API page at the cursor and, when the total is already known, the next
 * `readAheadPages - 1` API pages fetched in parallel. All of them pass the checks or the call fails and
 * the cursor stays where it was, so retrying it repeats the same call.
 */
export async function readV1Page(
  options: V1PagingOptions,
  mode: ReadCursorMode,
  cursorText: string | undefined,
  start: ReadStart,
): Promise<V1PageResult> {
  const cursor: ReadCursor =
    cursorText === undefined
      ? {
          v: 1,
          mode,
          offset: 0,
          total: null,
          startedAt: options.clock.now().toISOString(),
          since: start.since,
          lastFullReadAt: start.lastFullReadAt,
          restarts: 0,
        }
      : decodeReadCursor(cursorText, mode);

  const offsets = [cursor.offset];
  if (cursor.total !== null) {
    const remainingPages = Math.ceil((cursor.total - cursor.offset) / options.pageSize);
    for (let i = 1; i < Math.min(options.readAheadPages, remainingPages); i++) {
      offsets.push(cursor.offset + i * options.pageSize);
    }
  }
  const pages = await Promise.all(
    offsets.map((offset) =>
      options.api.listEmployees({
        offset,
        limit: options.pageSize,
        ...(cursor.since === null ? {} : { updatedSince: cursor.since }),
      }),
    ),
  );

  const employees: V1Employee[] = [];
  let state = cursor;
  for (const [index, page] of pages.entries()) {
    // A page shorter than asked (Personio applied a smaller limit) moves the offsets of the pages
    // fetched after it; those are dropped and read again from the right offset on the next call.
    if (offsets[index] !== state.offset) break;
    const step = checkPage(options, mode, state, page);
    employees.push(...step.employees);
    if (step.kind === 'restart') {
      return {
        employees: dedupe(employees, options.logger),
        nextCursor: encodeReadCursor(step.cursor),
        watermark: null,
      };
    }
    if (step.kind === 'last') {
      return {
        employees: dedupe(employees, options.logger),
        nextCursor: null,
        watermark: watermarkFor(state, mode),
      };
    }
    state = step.cursor;
  }
  return {
    employees: dedupe(employees, options.logger),
    nextCursor: encodeReadCursor(state),
    watermark: null,
  };
}

type PageStep =
  | { readonly kind: 'next'; readonly employees: readonly V1Employee[]; readonly cursor: ReadCursor }
  | { readonly kind: 'restart'; readonly employees: readonly V1Employee[]; readonly cursor: ReadCursor }
  | { readonly kind: 'last'; readonly employees: readonly V1Employee[] };

/** Checks one API page read at `cursor.offset` and says how the read goes on. */
function checkPage(
  options: V1PagingOptions,
  mode: ReadCursorMode,
  cursor: ReadCursor,
  page: V1EmployeesPage,
): PageStep {
  const rows = page.employees;
  const total = page.totalElements;
  // If Personio says it applied a smaller limit than asked, pages of that size are complete pages.
  const limit = Math.min(
    options.pageSize,
    page.limit !== null && page.limit > 0 ? page.limit : options.pageSize,
  );
  const where = { mode, offset: cursor.offset, rows: rows.length, total };

  if (rows.length > limit) {
    // The spec says limit and offset are ignored with updated_since; if Personio does that, the one
    // answer must hold everyone it counted, or the listing cannot be trusted.
    if (cursor.offset === 0 && rows.length === total) return { kind: 'last', employees: rows };
    throw new ConnectorError(
      'unavailable',
      `Personio v1.listEmployees returned ${rows.length} rows for a limit of ${limit} at offset ${cursor.offset} (total ${total}); the paging cannot be trusted, so the read failed`,
    );
  }

  if (cursor.total !== null && total !== cursor.total) {
    // People were added or removed while paging: offsets moved, so someone may have been skipped. Start
    // over; pages already returned stay valid (a full read's union is then a superset, never missing
    // anyone who exists), and the engine de-duplicates by sourceId.
    if (cursor.restarts >= MAX_RESTARTS) {
      throw new ConnectorError(
        'conflict',
        `the Personio employee list kept changing while it was read (${MAX_RESTARTS} restarts); read again from the first page`,
      );
    }
    options.logger.info(
      { ...where, previousTotal: cursor.total },
      'employee list changed while paging; restarting',
    );
    return {
      kind: 'restart',
      employees: rows,
      cursor: { ...cursor, offset: 0, total, restarts: cursor.restarts + 1 },
    };
  }

  const end = cursor.offset + rows.length;
  if (rows.length < limit && end < total) {
    throw new ConnectorError(
      'unavailable',
      `Personio returned ${rows.length} of ${limit} rows at offset ${cursor.offset} although total_elements is ${total}: the page is incomplete, so the read failed (it is not a shorter list)`,
    );
  }
  if (rows.length === 0 && end < total) {
    throw new ConnectorError(
      'unavailable',
      `Personio returned no rows at offset ${cursor.offset} of ${total}`,
    );
  }
  const isLast = end >= total;
  if (isLast && mode !== 'changes' && cursor.offset === 0 && total === 0 && !options.allowEmptyFullRead) {
    throw new ConnectorError(
      'unavailable',
      'Personio listed no employees at all. Roster treats that as a failed read, not as "everyone left"; check the API credential, or set allowEmptyFullRead if the company really is empty',
    );
  }
  options.logger.debug(where, 'read employee page');
  if (isLast) return { kind: 'last', employees: rows };
  return { kind: 'next', employees: rows, cursor: { ...cursor, offset: end, total } };
}

function watermarkFor(cursor: ReadCursor, mode: ReadCursorMode): string {
  return encodeWatermark({
    v: 1,
    readStartedAt: cursor.startedAt,
    lastFullReadAt: mode === 'changes' ? cursor.lastFullReadAt : cursor.startedAt,
  });
}

function dedupe(rows: readonly V1Employee[], logger: ConnectorLogger): V1Employee[] {
  const seen = new Set<string>();
  const out: V1Employee[] = [];
  for (const row of rows) {
    if (seen.has(row.id)) {
      logger.warn({ sourceId: row.id }, 'employee listed twice in one page; keeping the first');
      continue;
    }
    seen.add(row.id);
    out.push(row);
  }
  return out;
}
