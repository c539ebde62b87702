// A sync from a Personio emulator into a directory, driven through the real `roster` command in child
// processes (so a run can be killed with SIGKILL), and the checks that say a data directory has
// converged: the accounts a crash-free twin holds, no duplicate, nothing pending, a verifying audit
// chain and an empty plan. Shared by the kill -9 tests and `npm run soak`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnRoster, collect, runRoster, type RosterRun } from '../../src/cli/testing/run-roster.ts';
import { createAuditLog } from '../../src/store/audit-log.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';

/** Where a Roster instance keeps its data: a SQLite directory or a PostgreSQL schema. */
export interface RosterSite {
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly postgresSchema?: string;
}

export async function openSite(site: RosterSite): Promise<OpenDatabase> {
  return openDatabase({
    databaseUrl: site.databaseUrl,
    dataDir: site.dataDir,
    ...(site.postgresSchema ? { postgresSchema: site.postgresSchema, poolSize: 2 } : {}),
  });
}

async function mustRun(args: readonly string[], site: RosterSite): Promise<RosterRun> {
  const run = await runRoster(args, site.env);
  if (run.code !== 0)
    throw new Error(`roster ${args.join(' ')} exited ${run.code} on ${site.name}:\n${run.stderr}`);
  return run;
}

/** Connections `personio` (the emulator, small pages so a read takes several requests) and `dir`, sync `hr`. */
export async function setUpSync(
  site: RosterSite,
  emulatorUrl: string,
  pageSize = 20,
  moreSettings: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  await mkdir(site.dataDir, { recursive: true, mode: 0o700 });
  const settings = join(site.dataDir, 'personio.json');
  const secrets = join(site.dataDir, 'personio-secrets.json');
  await writeFile(
    settings,
    JSON.stringify({
      baseUrl: emulatorUrl,
      clientId: 'demo-client',
      timeZoneAttribute: 'dynamic_1310547',
      pageSize,
      ...moreSettings,
    }),
  );
  await writeFile(secrets, JSON.stringify({ clientSecret: 'demo-secret' }));
  await mustRun(
    ['connection', 'add', 'personio', '--app', 'personio', '--settings', settings, '--secrets-file', secrets],
    site,
  );
  await mustRun(['connection', 'add', 'dir', '--app', 'directory'], site);
  await mustRun(['sync', 'add', 'hr', '--from', 'personio', '--to', 'dir'], site);
}

/** `roster sync run hr` in a child process, for the caller to await or kill. */
export function startSyncRun(
  site: RosterSite,
  options: { readonly full?: boolean } = {},
): {
  kill(): void;
  readonly exited: Promise<RosterRun>;
  /** Calls back with each progress line the run writes to stderr (`reading …`, `planned …`, `applying …`). */
  onProgress(listener: (line: string) => void): void;
} {
  const child = spawnRoster(['sync', 'run', 'hr', '--json', ...(options.full ? ['--full'] : [])], site.env);
  const exited = collect(child);
  return {
    kill: () => child.kill('SIGKILL'),
    exited,
    onProgress: (listener) =>
      child.stderr.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split(/[\r\n]+/)) if (line.trim() !== '') listener(line.trim());
      }),
  };
}

/**
 * A killed run keeps its lease until the lease's time to live (60 s) has passed; the next run waits
 * for that. Tests and the soak let that time pass at once by expiring the lease row.
 */
export async function expireLeases(site: RosterSite): Promise<void> {
  const database = await openSite(site);
  try {
    await database.db.updateTable('leases').set({ expires_at: '1970-01-01T00:00:00.000Z' }).execute();
  } finally {
    await database.close();
  }
}

/** Runs the sync to completion: exit 0 and every operation applied. */
export async function runToCompletion(site: RosterSite): Promise<Record<string, unknown>> {
  const run = await startSyncRun(site).exited;
  if (run.code !== 0)
    throw new Error(`sync run on ${site.name} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** The directory's accounts without ids or timestamps; references to other accounts by externalId. */
export async function accountState(site: RosterSite): Promise<Record<string, unknown>[]> {
  const database = await openSite(site);
  try {
    const rows = await database.db
      .selectFrom('scim_resources')
      .select(['id', 'data'])
      .where('connection_id', '=', 'dir')
      .where('resource_type', '=', 'User')
      .execute();
    const parsed = rows.map((r) => ({
      id: r.id,
      data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
    }));
    const externalIdOf = new Map(parsed.map((r) => [r.id, String(r.data['externalId'])]));
    const normalise = (value: unknown): unknown => {
      if (typeof value === 'string') return externalIdOf.has(value) ? `@${externalIdOf.get(value)}` : value;
      if (Array.isArray(value)) return value.map(normalise);
      if (typeof value === 'object' && value !== null)
        return Object.fromEntries(
          Object.entries(value)
            .filter(([key]) => key !== 'id' && key !== 'meta' && key !== '$ref')
            .map(([key, v]) => [key, normalise(v)]),
        );
      return value;
    };
    return parsed
      .map((r) => normalise(r.data) as Record<string, unknown>)
      .sort((a, b) => String(a['userName']).localeCompare(String(b['userName'])));
  } finally {
    await database.close();
  }
}

/**
 * Everything that must hold once a run finished after crashes, as a list of problems (empty when
 * converged): the same accounts as `expected`, no two accounts for one person, no operation left
 * pending, no run left running, a verifying audit chain and a plan with nothing to do.
 */
export async function convergenceProblems(
  site: RosterSite,
  expected: readonly Record<string, unknown>[],
): Promise<string[]> {
  const problems: string[] = [];
  const accounts = await accountState(site);
  const key = (a: Record<string, unknown>): string => String(a['userName']);
  const expectedBy = new Map(expected.map((a) => [key(a), canonicalJson(a)]));
  const actualBy = new Map(accounts.map((a) => [key(a), canonicalJson(a)]));
  for (const [name, value] of expectedBy) {
    const actual = actualBy.get(name);
    if (actual === undefined) problems.push(`missing account ${name}`);
    else if (actual !== value) problems.push(`account ${name} differs: ${actual} ≠ expected ${value}`);
  }
  for (const name of actualBy.keys()) if (!expectedBy.has(name)) problems.push(`unexpected account ${name}`);
  for (const attribute of ['userName', 'externalId']) {
    const seen = new Set<string>();
    for (const account of accounts) {
      const value = String(account[attribute]).toLowerCase();
      if (seen.has(value)) problems.push(`two accounts with ${attribute} ${value}`);
      seen.add(value);
    }
  }
  const database = await openSite(site);
  try {
    const pending = await database.db
      .selectFrom('sync_operations')
      .select(['kind', 'person_id', 'status'])
      .where('status', '=', 'pending')
      .execute();
    for (const op of pending) problems.push(`operation ${op.kind} of person ${op.person_id} left pending`);
    const running = await database.db
      .selectFrom('sync_runs')
      .select('id')
      .where('status', '=', 'running')
      .execute();
    if (running.length > 0) problems.push(`${running.length} run(s) left running`);
    // What `roster audit verify` checks.
    const verification = await createAuditLog({ db: database.db, dialect: database.dialect }).verify();
    if (!verification.ok)
      problems.push(`the audit chain is broken at ${verification.brokenAt}: ${verification.reason}`);
  } finally {
    await database.close();
  }
  const plan = await runRoster(['sync', 'plan', 'hr', '--json'], site.env);
  if (plan.code !== 0) problems.push(`sync plan exited ${plan.code}: ${plan.stderr}`);
  else {
    const operations = (JSON.parse(plan.stdout) as { operations: { kind: string; personId: string }[] })
      .operations;
    for (const op of operations) problems.push(`the plan still wants ${op.kind} of person ${op.personId}`);
  }
  return problems;
}

/** JSON with object keys sorted, so two equal resources compare equal whatever order their keys came in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
