// The OData query options `GET /auditLogs/provisioning` takes, as the emulator supports them:
// `$filter` with `eq` on jobId, cycleId, changeId, id and sourceIdentity/id, and `eq`, `gt`, `lt` on
// activityDateTime (the documented operators), clauses joined by `and`; `$top`; `$orderby` on
// activityDateTime; `$skiptoken` as issued in `@odata.nextLink`.
import type { ProvisioningObjectSummary } from './tenant.ts';

type Predicate = (entry: ProvisioningObjectSummary) => boolean;

const STRING_PROPERTIES: Readonly<Record<string, (e: ProvisioningObjectSummary) => string>> = {
  jobid: (e) => e.jobId,
  cycleid: (e) => e.cycleId,
  changeid: (e) => e.changeId,
  id: (e) => e.id,
  'sourceidentity/id': (e) => e.sourceIdentity.id,
  'targetidentity/id': (e) => e.targetIdentity.id,
};

const CLAUSE = /^\s*([A-Za-z/]+)\s+(eq|gt|lt)\s+('(?:[^']|'')*'|[0-9T:.+\-Z]+)\s*$/i;

/** Parses `$filter`; an error message for anything outside the supported subset. */
export function parseLogFilter(
  filter: string,
): { ok: true; value: Predicate } | { ok: false; error: string } {
  const predicates: Predicate[] = [];
  for (const clause of filter.split(/\s+and\s+/i)) {
    const match = CLAUSE.exec(clause);
    if (!match) return { ok: false, error: `Invalid filter clause: '${clause.trim()}'.` };
    const [, rawProperty = '', rawOp = '', literal = ''] = match;
    const property = rawProperty.toLowerCase();
    const op = rawOp.toLowerCase();
    if (property === 'activitydatetime') {
      const time = Date.parse(literal.replace(/^'|'$/g, ''));
      if (Number.isNaN(time)) return { ok: false, error: `Invalid DateTimeOffset literal: ${literal}.` };
      predicates.push((e) => {
        const t = Date.parse(e.activityDateTime);
        return op === 'eq' ? t === time : op === 'gt' ? t > time : t < time;
      });
      continue;
    }
    const read = STRING_PROPERTIES[property];
    if (read === undefined) return { ok: false, error: `Could not find a property named '${rawProperty}'.` };
    if (op !== 'eq') return { ok: false, error: `Operator '${op}' is not supported on '${rawProperty}'.` };
    if (!literal.startsWith("'")) return { ok: false, error: `'${rawProperty}' takes a quoted string.` };
    const value = literal.slice(1, -1).replace(/''/g, "'");
    // The documented filters are case-sensitive.
    predicates.push((e) => read(e) === value);
  }
  return { ok: true, value: (e) => predicates.every((p) => p(e)) };
}

export interface LogCursor {
  readonly time: number;
  readonly seq: number;
}

export function encodeSkipToken(cursor: LogCursor): string {
  return Buffer.from(JSON.stringify([cursor.time, cursor.seq])).toString('base64url');
}

export function decodeSkipToken(token: string): LogCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((n) => Number.isInteger(n)))
      return { time: parsed[0] as number, seq: parsed[1] as number };
  } catch {
    // fall through
  }
  return null;
}
