// The request log behind `GET /_emulator/requests`: method, path, query, status and time of every
// vendor API call. Secrets never enter it: no headers, no bodies, and secret-looking query values
// (the deprecated query-string `client_secret`) are redacted.

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Null while the call is still open (a `timeout` fault hangs until the emulator closes). */
  status: number | null;
  /** Emulator time the call arrived (ISO 8601). */
  time: string;
  duration_ms: number | null;
  fault: string | null;
  partner_id: string | null;
  app_id: string | null;
}

const SECRET_KEY = /secret|password|token/i;
const MAX_ENTRIES = 20_000;

export function redactedQuery(url: string): Record<string, string | string[]> {
  const search = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const out: Record<string, string | string[]> = {};
  for (const [key, raw] of new URLSearchParams(search)) {
    const value = SECRET_KEY.test(key) ? '[redacted]' : raw;
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  add(entry: RequestLogEntry): RequestLogEntry {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return entry;
  }

  list(): RequestLogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries = [];
  }
}
