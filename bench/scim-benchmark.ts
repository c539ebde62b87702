// The SCIM benchmark: seeds 100,000 users through the store and 10,000 over HTTP, then measures
// each scenario against `roster serve` on SQLite and on PostgreSQL and against the bare Node
// baseline, reporting requests/s, p50/p99 latency, server RSS and the ratio to the baseline.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openDatabase, type Dialect } from '../src/store/database.ts';
import { runLoad, type LoadResult } from './load-generator.ts';
import { SCENARIOS, type Scenario, type ScenarioName, type ScenarioTarget } from './scim-scenarios.ts';
import { benchUserBody, benchUserName, seedDirectory, type SeedRate } from './scim-seed.ts';
import {
  resolveRosterCommand,
  runRosterCli,
  startBareServer,
  startSqliteFloorServer,
  startRosterServer,
  type RosterCommand,
  type ServerProcess,
} from './server-process.ts';

export interface ScimBenchmarkOptions {
  readonly dialects: readonly Dialect[];
  /** Only these scenarios (all when empty). */
  readonly scenarios: readonly ScenarioName[];
  readonly users: number;
  readonly httpUsers: number;
  readonly smallUsers: number;
  readonly groupMembers: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly logLevel: string;
  readonly postgresUrl: string;
  /** When set, the Roster server writes a V8 CPU profile per dialect into this directory. */
  readonly cpuProfileDir?: string;
  readonly progress: (message: string) => void;
  /** Registers cleanup to run if the process is interrupted; answers a function that unregisters it. */
  readonly onInterrupt: (cleanup: () => Promise<void>) => () => void;
}

/** Figures of one scenario on one target. */
export interface ScenarioFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly requests: number;
  readonly errors: number;
  readonly firstError?: string;
  /**
   * Server process CPU time per request, ms: robust against other work on the machine. On
   * PostgreSQL it leaves out the database's own processes.
   */
  readonly serverCpuMsPerRequest?: number;
  /** Server VmRSS right after the scenario, MB (10^6 bytes). */
  readonly rssMB: number;
  /** requests/s divided by the baseline's for the same scenario. */
  readonly ratioToBare?: number;
}

export interface DialectReport {
  readonly dialect: Dialect;
  readonly server: RosterCommand['kind'];
  readonly seeding: {
    readonly repositoryCreate: SeedRate;
    readonly bulkRows: SeedRate;
    readonly group: SeedRate;
    readonly totalSeconds: number;
  };
  /** `count` falls short of the requested number when the time cap stopped the seeding. */
  readonly httpSeed: SeedRate & {
    readonly requested: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly errors: number;
  };
  /** Users in the large connection when the read scenarios ran. */
  readonly usersDuringReads: number;
  readonly scenarios: Partial<Record<ScenarioName, ScenarioFigures>>;
  /**
   * SQLite only, when the lookup scenario runs: the same lookup load against the SQLite floor
   * (bench/sqlite-floor-server.ts) on this very database, so the report can say how much of the
   * distance to bare Node any lookup over a database has to go.
   */
  readonly lookupFloor?: ScenarioFigures;
  readonly rssMB: { readonly afterStart: number; readonly afterHttpSeed: number; readonly peak: number };
}

export interface ScimBenchmarkResult {
  readonly bare: Partial<Record<ScenarioName, ScenarioFigures>>;
  readonly dialects: readonly DialectReport[];
}

const LARGE = 'bench';
const SMALL = 'bench-small';
// Keeps the whole run within its budget when the machine is slow: fewer users, reported as such.
const HTTP_SEED_MAX_MS = 60_000;
const CURSOR_WALK_PAGE = 1000;
const MB = 1_000_000;

export async function runScimBenchmark(options: ScimBenchmarkOptions): Promise<ScimBenchmarkResult> {
  const scenarios = SCENARIOS.filter(
    (s) => options.scenarios.length === 0 || options.scenarios.includes(s.name),
  );
  // Chosen once, so every dialect runs the same server code even if sources change meanwhile.
  const command = resolveRosterCommand();
  const bare = await measureBare(options, scenarios);
  const dialects: DialectReport[] = [];
  for (const dialect of options.dialects)
    dialects.push(await measureDialect(options, command, dialect, scenarios, bare));
  return { bare, dialects };
}

async function measureBare(
  options: ScimBenchmarkOptions,
  scenarios: readonly Scenario[],
): Promise<Partial<Record<ScenarioName, ScenarioFigures>>> {
  options.progress('baseline: bare Node http server');
  const server = await startBareServer();
  const ids = Array.from({ length: 1024 }, () => randomUUID());
  const target: ScenarioTarget = {
    largeBase: `/scim/v2/${LARGE}`,
    smallBase: `/scim/v2/${SMALL}`,
    largeUsers: options.users,
    smallUsers: options.smallUsers,
    userIds: (index) => ids[index % ids.length] ?? '',
    groupId: randomUUID(),
    groupMembers: options.groupMembers,
    deepStartIndex: deepStartIndex(options.users),
    // The length of a real cursor, so the request line is the same size.
    deepCursor: Buffer.from(JSON.stringify({ k: null, s: 90_000, q: 'abcdef' })).toString('base64url'),
    runTag: 'bare',
  };
  const figures: Partial<Record<ScenarioName, ScenarioFigures>> = {};
  try {
    for (const scenario of scenarios) {
      const result = await runScenario(options, server, scenario, target, 'bare', 200);
      figures[scenario.name] = toFigures(result, server);
      options.progress(`  ${scenario.name}: ${result.requestsPerSecond.toFixed(0)} req/s`);
    }
  } finally {
    await server.stop();
  }
  return figures;
}

async function measureDialect(
  options: ScimBenchmarkOptions,
  command: RosterCommand,
  dialect: Dialect,
  scenarios: readonly Scenario[],
  bare: Partial<Record<ScenarioName, ScenarioFigures>>,
): Promise<DialectReport> {
  options.progress(`${dialect}: preparing`);
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
  const schema = dialect === 'postgres' ? `roster_bench_${randomBytes(5).toString('hex')}` : undefined;
  let server: ServerProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await server?.stop();
    if (schema !== undefined) await dropSchema(options.postgresUrl, schema);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const unregister = options.onInterrupt(cleanup);
  try {
    if (schema !== undefined) await createSchema(options.postgresUrl, schema);
    const databaseUrl = schema === undefined ? null : withSearchPath(options.postgresUrl, schema);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ROSTER_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl ?? '',
      // PostgreSQL requires a shared key; SQLite generates its key file in the data dir.
      ROSTER_SECRET_KEY: databaseUrl === null ? '' : randomBytes(32).toString('base64'),
      ROSTER_RATE_LIMIT_RPS: '0',
      LOG_LEVEL: options.logLevel,
      NODE_ENV: 'production',
    };
    runRosterCli(command, ['connection', 'add', LARGE, '--app', 'directory'], env);
    runRosterCli(command, ['connection', 'add', SMALL, '--app', 'directory'], env);
    const tokens = {
      large: runRosterCli(command, ['token', 'create', LARGE], env),
      small: runRosterCli(command, ['token', 'create', SMALL], env),
    };

    options.progress(`${dialect}: seeding ${options.users} users through the store`);
    const database = await openDatabase({ databaseUrl, dataDir });
    const seed = await (async () => {
      try {
        return await seedDirectory({
          database,
          largeConnection: LARGE,
          largeUsers: options.users,
          smallConnection: SMALL,
          smallUsers: options.smallUsers,
          groupMembers: options.groupMembers,
          progress: (message) => options.progress(`  ${message}`),
        });
      } finally {
        await database.close();
      }
    })();

    const lookupScenario = scenarios.find((s) => s.name === 'lookup');
    const lookupFloor =
      dialect === 'sqlite' && lookupScenario !== undefined
        ? await measureLookupFloor(options, join(dataDir, 'roster.db'), lookupScenario, bare)
        : undefined;

    server = await startRosterServer({
      command,
      env,
      logFile: join(dataDir, 'server.log'),
      nodeFlags:
        options.cpuProfileDir === undefined
          ? []
          : [
              '--cpu-prof',
              `--cpu-prof-dir=${options.cpuProfileDir}`,
              `--cpu-prof-name=roster-${dialect}.cpuprofile`,
            ],
    });
    const afterStart = server.memory().rssBytes / MB;
    options.progress(
      `${dialect}: server pid ${server.pid} (${command.kind}), RSS ${afterStart.toFixed(0)} MB`,
    );

    const httpSeed = await seedOverHttp(options, server, tokens.large);
    options.progress(
      `  ${httpSeed.count} users over HTTP: ${httpSeed.perSecond.toFixed(0)}/s${httpSeed.count < httpSeed.requested ? ` (stopped at ${HTTP_SEED_MAX_MS / 1000} s)` : ''}`,
    );
    const afterHttpSeed = server.memory().rssBytes / MB;

    const deepStart = deepStartIndex(options.users);
    const needsCursor = scenarios.some((s) => s.name === 'page-deep-cursor');
    const deepCursor = needsCursor ? await walkToCursor(server, tokens.large, deepStart) : '';
    const target: ScenarioTarget = {
      largeBase: `/scim/v2/${LARGE}`,
      smallBase: `/scim/v2/${SMALL}`,
      largeUsers: options.users,
      smallUsers: options.smallUsers,
      userIds: (index) => seed.userIds[index] ?? '',
      groupId: seed.groupId,
      groupMembers: options.groupMembers,
      deepStartIndex: deepStart,
      deepCursor,
      runTag: `${dialect}-${Date.now().toString(36)}`,
    };
    await checkAnswers(server, tokens, target);

    const figures: Partial<Record<ScenarioName, ScenarioFigures>> = {};
    for (const scenario of scenarios) {
      const result = await runScenario(
        options,
        server,
        scenario,
        target,
        tokens[scenario.connection],
        undefined,
      );
      const base = bare[scenario.name]?.requestsPerSecond;
      figures[scenario.name] = {
        ...toFigures(result, server),
        ...(base ? { ratioToBare: result.requestsPerSecond / base } : {}),
      };
      options.progress(
        `  ${scenario.name}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.latency.p99Ms.toFixed(1)} ms${result.errors > 0 ? `, ${result.errors} errors: ${result.firstError}` : ''}`,
      );
    }
    const peak = server.memory().peakRssBytes / MB;
    return {
      dialect,
      server: command.kind,
      seeding: {
        repositoryCreate: seed.repositoryCreate,
        bulkRows: seed.bulkRows,
        group: seed.group,
        totalSeconds: seed.totalSeconds,
      },
      httpSeed,
      usersDuringReads: options.users + httpSeed.count,
      scenarios: figures,
      ...(lookupFloor ? { lookupFloor } : {}),
      rssMB: { afterStart, afterHttpSeed, peak },
    };
  } finally {
    await cleanup();
    unregister();
  }
}

/** The lookup load against the SQLite floor on the seeded database (read-only, beside nothing else). */
async function measureLookupFloor(
  options: ScimBenchmarkOptions,
  databaseFile: string,
  scenario: Scenario,
  bare: Partial<Record<ScenarioName, ScenarioFigures>>,
): Promise<ScenarioFigures> {
  options.progress('sqlite: lookup floor (node:http + one prepared statement, no framework)');
  const floor = await startSqliteFloorServer(databaseFile, LARGE);
  try {
    const target: ScenarioTarget = {
      largeBase: `/scim/v2/${LARGE}`,
      smallBase: `/scim/v2/${SMALL}`,
      largeUsers: options.users,
      smallUsers: options.smallUsers,
      userIds: () => '',
      groupId: '',
      groupMembers: options.groupMembers,
      deepStartIndex: 1,
      deepCursor: '',
      runTag: 'floor',
    };
    const result = await runScenario(options, floor, scenario, target, 'floor', 200);
    options.progress(`  lookup floor: ${result.requestsPerSecond.toFixed(0)} req/s`);
    const base = bare.lookup?.requestsPerSecond;
    return {
      ...toFigures(result, floor),
      ...(base ? { ratioToBare: result.requestsPerSecond / base } : {}),
    };
  } finally {
    await floor.stop();
  }
}

async function runScenario(
  options: ScimBenchmarkOptions,
  server: ServerProcess,
  scenario: Scenario,
  target: ScenarioTarget,
  token: string,
  expectedStatus: number | undefined,
): Promise<LoadResult> {
  const hasBody = scenario.request(target, 0).body !== undefined;
  return runLoad({
    origin: server.origin,
    connections: options.connections,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/scim+json',
      ...(hasBody ? { 'content-type': 'application/scim+json' } : {}),
    },
    nextRequest: (sequence) => scenario.request(target, sequence),
    expectedStatus: expectedStatus ?? scenario.expectedStatus,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    serverCpuMs: () => server.cpuMs(),
  });
}

/** The 10,000 users created over HTTP, as fast as the connections allow: the HTTP create rate. */
async function seedOverHttp(
  options: ScimBenchmarkOptions,
  server: ServerProcess,
  token: string,
): Promise<DialectReport['httpSeed']> {
  const started = performance.now();
  const result = await runLoad({
    origin: server.origin,
    connections: options.connections,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/scim+json',
      'content-type': 'application/scim+json',
    },
    nextRequest: (sequence) => ({
      method: 'POST',
      path: `/scim/v2/${LARGE}/Users`,
      body: JSON.stringify(benchUserBody(benchUserName('http', sequence), sequence)),
    }),
    expectedStatus: 201,
    warmupMs: 0,
    durationMs: HTTP_SEED_MAX_MS,
    maxRequests: options.httpUsers,
  });
  if (result.errors > 0)
    throw new Error(`seeding over HTTP failed ${result.errors} times: ${result.firstError}`);
  const seconds = (performance.now() - started) / 1000;
  return {
    requested: options.httpUsers,
    count: result.requests,
    seconds,
    perSecond: result.requests / seconds,
    p50Ms: result.latency.p50Ms,
    p99Ms: result.latency.p99Ms,
    errors: result.errors,
  };
}

/** Follows RFC 9865 cursors with large pages until the next page starts at `startIndex`. */
async function walkToCursor(server: ServerProcess, token: string, startIndex: number): Promise<string> {
  let cursor = '';
  let seen = 0;
  while (seen < startIndex - 1) {
    const count = Math.min(CURSOR_WALK_PAGE, startIndex - 1 - seen);
    const body = await getJson(
      server,
      token,
      `/scim/v2/${LARGE}/Users?count=${count}&attributes=userName&cursor=${encodeURIComponent(cursor)}`,
    );
    const resources = body['Resources'];
    const next = body['nextCursor'];
    if (!Array.isArray(resources) || typeof next !== 'string')
      throw new Error(`cursor paging stopped after ${seen} users: ${JSON.stringify(body).slice(0, 300)}`);
    seen += resources.length;
    cursor = next;
  }
  return cursor;
}

/** One request per read scenario, checked for the right answer before it is timed. */
async function checkAnswers(
  server: ServerProcess,
  tokens: { large: string; small: string },
  target: ScenarioTarget,
): Promise<void> {
  const lookup = await getJson(
    server,
    tokens.large,
    `${target.largeBase}/Users?filter=${encodeURIComponent(`userName eq "${benchUserName('user', 12_345 % target.largeUsers)}"`)}`,
  );
  expect(lookup['totalResults'] === 1, 'a userName eq lookup finds exactly one user', lookup);
  const small = await getJson(server, tokens.small, `${target.smallBase}/Users?startIndex=1&count=100`);
  expect(
    small['totalResults'] === target.smallUsers && pageLength(small) === Math.min(100, target.smallUsers),
    `the small connection lists ${target.smallUsers} users`,
    small,
  );
  const deep = await getJson(
    server,
    tokens.large,
    `${target.largeBase}/Users?startIndex=${target.deepStartIndex}&count=100`,
  );
  expect(pageLength(deep) === 100, `startIndex ${target.deepStartIndex} answers a full page`, deep);
  if (target.deepCursor !== '') {
    const byCursor = await getJson(
      server,
      tokens.large,
      `${target.largeBase}/Users?count=100&cursor=${encodeURIComponent(target.deepCursor)}`,
    );
    const first = (byCursor['Resources'] as { id?: unknown }[] | undefined)?.[0]?.id;
    const firstByIndex = (deep['Resources'] as { id?: unknown }[] | undefined)?.[0]?.id;
    expect(
      first === firstByIndex,
      'the deep cursor page starts where the deep startIndex page starts',
      byCursor,
    );
  }
}

async function getJson(server: ServerProcess, token: string, path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.origin}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json' },
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

function pageLength(body: Record<string, unknown>): number {
  const resources = body['Resources'];
  return Array.isArray(resources) ? resources.length : -1;
}

function expect(condition: boolean, what: string, body: unknown): void {
  if (!condition) throw new Error(`expected ${what}; got ${JSON.stringify(body).slice(0, 300)}`);
}

function toFigures(result: LoadResult, server: ServerProcess): ScenarioFigures {
  return {
    requestsPerSecond: result.requestsPerSecond,
    p50Ms: result.latency.p50Ms,
    p99Ms: result.latency.p99Ms,
    meanMs: result.latency.meanMs,
    maxMs: result.latency.maxMs,
    requests: result.requests,
    errors: result.errors,
    ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
    ...(result.serverCpuMsPerRequest === undefined
      ? {}
      : { serverCpuMsPerRequest: result.serverCpuMsPerRequest }),
    rssMB: server.memory().rssBytes / MB,
  };
}

/** 90,001 for 100,000 users: a page nine tenths into the set. */
function deepStartIndex(users: number): number {
  return Math.floor(users * 0.9) + 1;
}

/** The URL with a `search_path` connection option, which the store passes on to every connection. */
function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.href;
}

async function createSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (client) => client.query(`CREATE SCHEMA ${schema}`));
}

async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

async function withClient(url: string, use: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}
