// The sync benchmark: a Personio emulator (its own process) with a 5,000-person company, 50 ms
// latency and Personio's rate limits, a sync into a `directory` connection set up with the real CLI,
// and `roster serve` running it. Measures the first full sync, change → directory latency with the
// default polling schedule and with webhooks, and the target writes of incremental runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, type OpenDatabase } from '../src/store/database.ts';
import { createSyncRepository, type SyncRepository, type SyncRun } from '../src/store/sync-repository.ts';
import {
  CHANGE_KINDS,
  ChangeDriver,
  makeStaggeredChanges,
  staggeredGaps,
  watchChanges,
  type ChangeKind,
  type Latencies,
  type MadeChange,
} from './sync-changes.ts';
import {
  resolveRosterCommand,
  runRosterCli,
  startRosterServer,
  type RosterCommand,
  type ServerProcess,
} from './server-process.ts';

export interface SyncBenchmarkOptions {
  readonly employees: number;
  readonly latencyMs: number;
  /** Changes per latency phase (polling, webhooks). */
  readonly changes: number;
  /** Changes made at once for the incremental-writes check. */
  readonly batchChanges: number;
  readonly logLevel: string;
  /** Where the server's and the emulator's logs are copied at the end. */
  readonly logDir: string;
  readonly progress: (message: string) => void;
  /** Registers cleanup to run if the process is interrupted; answers a function that unregisters it. */
  readonly onInterrupt: (cleanup: () => Promise<void>) => () => void;
}

export interface LatencyPhase {
  readonly changes: number;
  readonly visible: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly maxMs: number | null;
  /** Per change, in the order made; null = not visible within the time allowed. */
  readonly latencies: readonly { readonly kind: ChangeKind; readonly ms: number | null }[];
  readonly byKind: Partial<Record<ChangeKind, { readonly count: number; readonly p50Ms: number | null }>>;
  /** Server runs started during the phase, by trigger. */
  readonly runsByTrigger: Readonly<Record<string, number>>;
  /** Mean duration of those runs (read, plan, apply). */
  readonly meanRunSeconds: number | null;
  readonly writes: number;
  readonly seconds: number;
  readonly serverCpuSeconds: number;
}

export interface IncrementalRun {
  readonly changes: number;
  /** Operations applied or attempted on the target by every run after the changes were made. */
  readonly writes: number;
  readonly runs: number;
  readonly counts: Readonly<Record<string, number>>;
  /** Directory users whose meta.lastModified moved (an independent count of target writes). */
  readonly modifiedUsers: number;
  /** Personio API calls of the CLI run. */
  readonly personioRequests: number;
  /** The CLI run: its own duration (from its record), and the command's including start-up. */
  readonly runSeconds: number;
  readonly seconds: number;
  readonly mode: string;
}

export interface SyncBenchmarkResult {
  readonly server: RosterCommand['kind'];
  readonly employees: number;
  readonly latencyMs: number;
  readonly schedule: { readonly everyMs: number; readonly fullEveryMs: number };
  readonly firstSync: {
    /** The run's own duration (started → finished, from its record). */
    readonly runSeconds: number;
    /** From spawning `roster serve` to the run finished. */
    readonly wallSeconds: number;
    readonly accountsCreated: number;
    readonly accountsUpdated: number;
    readonly failed: number;
    readonly directoryUsers: number;
    readonly personioRequests: number;
    /** From the first Personio call to the last answer: the source read, paced by its rate limits. */
    readonly personioReadSeconds: number;
    /**
     * Employee pages read: the sync's full read, plus the Personio gateway's import of its SCIM view
     * when that runs at the same time (it reads the same pages).
     */
    readonly personioEmployeePages: number;
    /** Calls by status (`timeout` for calls the emulator never finished). */
    readonly personioStatuses: Readonly<Record<string, number>>;
    readonly peakRssMB: number;
    readonly rssAfterMB: number;
    readonly serverCpuSeconds: number;
    /** The slowest `GET /healthz` while it ran (asked every 250 ms): how long the server stalled. */
    readonly slowestHealthMs: number;
  };
  readonly polling: LatencyPhase;
  readonly webhooks: LatencyPhase & { readonly deliveries: number; readonly acknowledged: number };
  readonly incremental: { readonly noChange: IncrementalRun; readonly withChanges: IncrementalRun };
  readonly peakRssMB: number;
}

const SOURCE = 'personio';
const TARGET = 'staff';
const SYNC = 'hr';
const MB = 1_000_000;
const FIRST_SYNC_TIMEOUT_MS = 6 * 60_000;
const POLL_MS = 250;
const POLLING_TIMEOUT_MS = 150_000;
const WEBHOOK_TIMEOUT_MS = 60_000;
const WEBHOOK_EVENTS = [
  'person.created',
  'person.updated',
  'person.deleted',
  'employment.created',
  'employment.updated',
  'employment.deleted',
];

export async function runSyncBenchmark(options: SyncBenchmarkOptions): Promise<SyncBenchmarkResult> {
  const command = resolveRosterCommand();
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-sync-bench-'));
  mkdirSync(options.logDir, { recursive: true });
  const tag = Date.now().toString(36);
  let emulator: EmulatorProcess | undefined;
  let server: ServerProcess | undefined;
  let database: OpenDatabase | undefined;
  const cleanup = async (): Promise<void> => {
    await server?.stop();
    await emulator?.stop();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const unregister = options.onInterrupt(cleanup);
  let isFinished = false;
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ROSTER_DATA_DIR: dataDir,
      DATABASE_URL: '',
      ROSTER_SECRET_KEY: '',
      ROSTER_RATE_LIMIT_RPS: '0',
      LOG_LEVEL: options.logLevel,
      NODE_ENV: 'production',
    };
    options.progress(
      `Personio emulator: ${options.employees} employees, ${options.latencyMs} ms latency, rate limits on`,
    );
    emulator = await startEmulatorProcess(command, env, options, join(dataDir, 'emulator.log'));

    // Set up as docs/sync.md and docs/connectors/personio.md tell a user to.
    const webhookToken = randomBytes(24).toString('base64url');
    const settingsFile = join(dataDir, 'personio.json');
    const secretsFile = join(dataDir, 'personio-secrets.json');
    writeFileSync(
      settingsFile,
      JSON.stringify({
        baseUrl: emulator.url,
        clientId: 'demo-client',
        timeZoneAttribute: 'dynamic_1310547',
      }),
    );
    writeFileSync(secretsFile, JSON.stringify({ clientSecret: 'demo-secret', webhookToken }), {
      mode: 0o600,
    });
    options.progress('creating the connections, the sync and a SCIM token with the CLI');
    runRosterCli(
      command,
      [
        'connection',
        'add',
        SOURCE,
        '--app',
        'personio',
        '--settings',
        settingsFile,
        '--secrets-file',
        secretsFile,
      ],
      env,
    );
    rmSync(secretsFile);
    runRosterCli(command, ['connection', 'add', TARGET, '--app', 'directory'], env);
    runRosterCli(command, ['sync', 'add', SYNC, '--from', SOURCE, '--to', TARGET], env);
    const token = runRosterCli(command, ['token', 'create', TARGET], env);

    database = await openDatabase({ databaseUrl: null, dataDir });
    const syncs = createSyncRepository({ db: database.db });
    const sync = await syncs.require(SYNC);
    await emulator.clearRequests();

    // Phase 1: the server's start-up full pass.
    options.progress('phase 1: roster serve, first full sync');
    const spawnedAt = performance.now();
    server = await startRosterServer({ command, env, logFile: join(dataDir, 'server.log') });
    const responsiveness = probeResponsiveness(server.origin);
    const startRun = await waitForRun(
      syncs,
      (r) => r.trigger === 'startup',
      FIRST_SYNC_TIMEOUT_MS,
      () => {
        const rss = server?.memory().rssBytes ?? 0;
        return `RSS ${(rss / MB).toFixed(0)} MB`;
      },
      options.progress,
    );
    const wallSeconds = (performance.now() - spawnedAt) / 1000;
    const slowestHealthMs = await responsiveness.stop();
    const firstMemory = server.memory();
    const firstCpu = server.cpuMs();
    const requests = await emulator.requests();
    // The emulator's log holds no secrets or bodies: method, path, redacted query, status, timing.
    writeFileSync(join(options.logDir, 'sync-personio-requests.json'), JSON.stringify(requests, null, 1));
    const driver = new ChangeDriver({
      emulatorUrl: emulator.url,
      scimBase: `${server.origin}/scim/v2/${TARGET}`,
      token,
      tag,
    });
    const firstSync = {
      runSeconds: runSeconds(startRun),
      wallSeconds,
      accountsCreated: startRun.counts['create.applied'] ?? 0,
      accountsUpdated: startRun.counts['update.applied'] ?? 0,
      failed: Object.entries(startRun.counts)
        .filter(([k]) => k.endsWith('.failed'))
        .reduce((sum, [, v]) => sum + v, 0),
      directoryUsers: await driver.countUsers(),
      personioRequests: requests.length,
      personioReadSeconds: readSpanSeconds(requests),
      personioEmployeePages: requests.filter((r) => r.path === '/v1/company/employees').length,
      personioStatuses: countBy(requests, (r) => String(r.status ?? 'timeout')),
      peakRssMB: firstMemory.peakRssBytes / MB,
      rssAfterMB: firstMemory.rssBytes / MB,
      serverCpuSeconds: firstCpu / 1000,
      slowestHealthMs,
    };
    if (startRun.status !== 'applied')
      throw new Error(`the first full sync ended ${startRun.status}: ${startRun.error ?? ''}`);
    options.progress(
      `  ${firstSync.runSeconds.toFixed(1)} s, ${firstSync.accountsCreated} accounts created, peak RSS ${firstSync.peakRssMB.toFixed(0)} MB`,
    );

    const candidates = await driver.loadCandidates();
    if (candidates < 2 * options.changes + options.batchChanges)
      throw new Error(`only ${candidates} people can be changed; use more employees`);

    // Phase 2: polling only, on the sync's default schedule.
    options.progress(
      `phase 2: ${options.changes} changes, polling every ${sync.everyMs / 1000} s (the default schedule)`,
    );
    const polling = await latencyPhase(
      options,
      server,
      syncs,
      driver,
      staggeredGaps(options.changes, 2000, 7000, 1),
      POLLING_TIMEOUT_MS,
    );

    // Phase 3: the same with Personio webhooks registered, as docs/connectors/personio.md describes.
    options.progress(`phase 3: webhook registered, ${options.changes} more changes`);
    const webhookId = await emulator.registerWebhook(
      `${server.origin}/webhooks/personio/${SOURCE}`,
      webhookToken,
    );
    const deliveriesBefore = (await emulator.deliveries()).length;
    const webhookPhase = await latencyPhase(
      options,
      server,
      syncs,
      driver,
      staggeredGaps(options.changes, 1000, 4000, 2),
      WEBHOOK_TIMEOUT_MS,
    );
    const deliveries = (await emulator.deliveries()).slice(deliveriesBefore);
    const webhooks = {
      ...webhookPhase,
      deliveries: deliveries.length,
      acknowledged: deliveries.filter((d) => d.outcome === 'acknowledged').length,
    };
    // The writes check below counts every run; webhooks would only add runs, not writes, but
    // without them the CLI run is the one that finds the changes.
    await emulator.deleteWebhook(webhookId);

    // Phase 4: incremental runs through the CLI, beside the running server.
    options.progress('phase 4: an incremental run with no change');
    const noChange = await incrementalRun(command, env, syncs, driver, emulator, 0);
    options.progress(
      `  ${noChange.writes} writes, ${noChange.modifiedUsers} users modified, ${noChange.personioRequests} Personio requests, ${noChange.seconds.toFixed(1)} s`,
    );
    options.progress(`phase 4: an incremental run after ${options.batchChanges} changes`);
    const withChanges = await incrementalRun(command, env, syncs, driver, emulator, options.batchChanges);
    options.progress(
      `  ${withChanges.writes} writes, ${withChanges.modifiedUsers} users modified, ${withChanges.personioRequests} Personio requests`,
    );
    const peakRssMB = server.memory().peakRssBytes / MB;
    isFinished = true;
    return {
      server: command.kind,
      employees: options.employees,
      latencyMs: options.latencyMs,
      schedule: { everyMs: sync.everyMs, fullEveryMs: sync.fullEveryMs },
      firstSync,
      polling,
      webhooks,
      incremental: { noChange, withChanges },
      peakRssMB,
    };
  } finally {
    await server?.stop();
    await emulator?.stop();
    await database?.close();
    // The server's log (warnings and errors at the default level) explains odd figures.
    for (const log of ['server.log', 'emulator.log'])
      if (existsSync(join(dataDir, log)))
        copyFileSync(join(dataDir, log), join(options.logDir, `sync-${log}`));
    if (isFinished) rmSync(dataDir, { recursive: true, force: true });
    else options.progress(`logs copied to ${options.logDir}/sync-server.log and sync-emulator.log`);
    unregister();
  }
}

async function latencyPhase(
  options: SyncBenchmarkOptions,
  server: ServerProcess,
  syncs: SyncRepository,
  driver: ChangeDriver,
  gapsMs: readonly number[],
  timeoutMs: number,
): Promise<LatencyPhase> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const cpuBefore = server.cpuMs();
  const watcher = watchChanges(driver, { pollMs: POLL_MS, timeoutMs });
  const made = await makeStaggeredChanges(driver, gapsMs, (change, index) => {
    watcher.add(change);
    options.progress(`  change ${index + 1}/${gapsMs.length}: ${change.kind} (person ${change.personId})`);
  });
  const latencies = await watcher.finish();
  // Runs still going when the last change became visible belong to the phase too.
  await waitForIdle(syncs);
  const runs = (await syncs.listRuns(SYNC, 1000)).filter((r) => r.startedAt >= startedAt);
  const phase = summarise(made, latencies, runs);
  const figures: LatencyPhase = {
    ...phase,
    seconds: (performance.now() - started) / 1000,
    serverCpuSeconds: (server.cpuMs() - cpuBefore) / 1000,
  };
  options.progress(
    `  ${figures.visible}/${figures.changes} visible, p50 ${seconds(figures.p50Ms)}, p95 ${seconds(figures.p95Ms)}`,
  );
  return figures;
}

function summarise(
  made: readonly MadeChange[],
  latencies: Latencies,
  runs: readonly SyncRun[],
): Omit<LatencyPhase, 'seconds' | 'serverCpuSeconds'> {
  const values = made.map((c) => latencies.get(c) ?? null);
  const visible = values.filter((v): v is number => v !== null);
  // A change never seen counts as slower than any seen: it pushes the percentiles up, not out.
  const ranked = values.map((v) => v ?? Number.POSITIVE_INFINITY);
  const byKind: LatencyPhase['byKind'] = {};
  for (const kind of CHANGE_KINDS) {
    const ofKind = made
      .filter((c) => c.kind === kind)
      .map((c) => latencies.get(c) ?? Number.POSITIVE_INFINITY);
    if (ofKind.length > 0) byKind[kind] = { count: ofKind.length, p50Ms: finite(percentile(ofKind, 50)) };
  }
  const runsByTrigger: Record<string, number> = {};
  for (const run of runs) runsByTrigger[run.trigger] = (runsByTrigger[run.trigger] ?? 0) + 1;
  return {
    changes: made.length,
    visible: visible.length,
    p50Ms: finite(percentile(ranked, 50)),
    p95Ms: finite(percentile(ranked, 95)),
    maxMs: finite(Math.max(...ranked)),
    latencies: made.map((c) => ({ kind: c.kind, ms: latencies.get(c) ?? null })),
    byKind,
    runsByTrigger,
    meanRunSeconds: runs.length === 0 ? null : runs.reduce((sum, r) => sum + runSeconds(r), 0) / runs.length,
    writes: runs.reduce((sum, r) => sum + writesOf(r), 0),
  };
}

/**
 * Makes `changes` changes at once (none for the no-change run), runs `roster sync run` (an
 * incremental read: the watermark is recent) and counts the target writes of every run that started
 * after the changes: the CLI's, and any the server's schedule started meanwhile.
 */
async function incrementalRun(
  command: RosterCommand,
  env: NodeJS.ProcessEnv,
  syncs: SyncRepository,
  driver: ChangeDriver,
  emulator: EmulatorProcess,
  changes: number,
): Promise<IncrementalRun> {
  await waitForIdle(syncs);
  // meta.lastModified has millisecond precision; a little margin keeps the last run's writes out.
  await sleep(50);
  const since = new Date().toISOString();
  const watcher = watchChanges(driver, { pollMs: POLL_MS, timeoutMs: WEBHOOK_TIMEOUT_MS });
  for (let i = 0; i < changes; i++) {
    const kind: ChangeKind = i % 5 === 1 ? 'hire' : i % 5 === 3 ? 'leaver' : 'attribute';
    watcher.add(await driver.make(kind));
  }
  await emulator.clearRequests();
  const started = performance.now();
  const output = await runRosterCliAsync(command, ['sync', 'run', SYNC, '--json'], env);
  const seconds = (performance.now() - started) / 1000;
  const personioRequests = (await emulator.requests()).length;
  const result = JSON.parse(output) as { outcome: string; mode: string; runId: string | null };
  if (result.outcome !== 'applied') throw new Error(`roster sync run ended ${result.outcome}: ${output}`);
  const latencies = await watcher.finish();
  const missed = [...latencies.values()].filter((v) => v === null).length;
  if (missed > 0) throw new Error(`${missed} of ${changes} changes never reached the directory`);
  await waitForIdle(syncs);
  const runs = (await syncs.listRuns(SYNC, 1000)).filter((r) => r.startedAt >= since);
  const counts: Record<string, number> = {};
  for (const run of runs)
    for (const [key, value] of Object.entries(run.counts)) counts[key] = (counts[key] ?? 0) + value;
  const cliRun = runs.find((r) => r.id === result.runId);
  return {
    changes,
    writes: runs.reduce((sum, r) => sum + writesOf(r), 0),
    runs: runs.length,
    counts,
    modifiedUsers: await driver.countUsers(`meta.lastModified gt "${since}"`),
    personioRequests,
    runSeconds: cliRun === undefined ? Number.NaN : runSeconds(cliRun),
    seconds,
    mode: result.mode,
  };
}

/** Operations a run sent to the target: applied or failed (a failed one may still have written). */
function writesOf(run: SyncRun): number {
  return Object.entries(run.counts)
    .filter(([key]) => key.endsWith('.applied') || key.endsWith('.failed'))
    .reduce((sum, [, value]) => sum + value, 0);
}

function runSeconds(run: SyncRun): number {
  return run.finishedAt === null
    ? Number.NaN
    : (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
}

async function waitForRun(
  syncs: SyncRepository,
  matches: (run: SyncRun) => boolean,
  timeoutMs: number,
  status: () => string,
  progress: (message: string) => void,
): Promise<SyncRun> {
  const deadline = performance.now() + timeoutMs;
  let lastReport = performance.now();
  while (performance.now() < deadline) {
    const run = (await syncs.listRuns(SYNC, 20)).find((r) => matches(r) && r.finishedAt !== null);
    if (run) return run;
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      progress(`  still running: ${status()}`);
    }
    await sleep(200);
  }
  throw new Error(`no finished run within ${timeoutMs / 1000} s`);
}

/** Waits until no run of the sync is in progress. */
async function waitForIdle(syncs: SyncRepository): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const runs = await syncs.listRuns(SYNC, 5);
    if (runs.every((r) => r.finishedAt !== null)) return;
    await sleep(100);
  }
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function seconds(ms: number | null): string {
  return ms === null ? 'missed' : `${(ms / 1000).toFixed(1)} s`;
}

function runRosterCliAsync(
  command: RosterCommand,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...command.args, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(stdout.trim());
      else
        reject(new Error(`roster ${args.join(' ')} exited with ${code}: ${stderr.trim()} ${stdout.trim()}`));
    });
  });
}

interface EmulatorRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  readonly status: number | null;
  /** When the call arrived, on the emulator's clock (the wall clock here). */
  readonly time: string;
  readonly duration_ms: number | null;
}

/**
 * Asks `GET /healthz` every 250 ms until stopped; answers the slowest answer's time. A stalled event
 * loop shows here first: webhooks (3 s to acknowledge) and SCIM requests wait just as long.
 */
function probeResponsiveness(origin: string): { stop(): Promise<number> } {
  let slowest = 0;
  let isStopped = false;
  const loop = (async () => {
    while (!isStopped) {
      const sent = performance.now();
      try {
        const response = await fetch(`${origin}/healthz`);
        await response.arrayBuffer();
      } catch {
        // counted by its time like any other answer
      }
      slowest = Math.max(slowest, performance.now() - sent);
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      isStopped = true;
      await loop;
      return slowest;
    },
  };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function readSpanSeconds(requests: readonly EmulatorRequest[]): number {
  if (requests.length === 0) return Number.NaN;
  const starts = requests.map((r) => Date.parse(r.time));
  const ends = requests.map((r) => Date.parse(r.time) + (r.duration_ms ?? 0));
  return (Math.max(...ends) - Math.min(...starts)) / 1000;
}

interface WebhookDelivery {
  readonly outcome: string;
}

interface EmulatorProcess {
  readonly url: string;
  requests(): Promise<EmulatorRequest[]>;
  clearRequests(): Promise<void>;
  deliveries(): Promise<WebhookDelivery[]>;
  /** Registers a webhook through Personio's v2 API, as an administrator would; answers its id. */
  registerWebhook(url: string, token: string): Promise<string>;
  deleteWebhook(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** `roster emulate personio` in its own process, so its work never shares the server's CPU time. */
async function startEmulatorProcess(
  command: RosterCommand,
  env: NodeJS.ProcessEnv,
  options: SyncBenchmarkOptions,
  logFile: string,
): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    [
      ...command.args,
      'emulate',
      'personio',
      '--port',
      '0',
      '--employees',
      String(options.employees),
      '--latency-ms',
      String(options.latencyMs),
      '--json',
    ],
    // The emulator logs every request at info; the benchmark reads its request log instead.
    { env: { ...env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = createWriteStream(logFile);
  child.stderr.pipe(log);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the Personio emulator did not start')), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        const ready = JSON.parse(out) as { url: string };
        clearTimeout(timer);
        resolve(ready.url);
      } catch {
        // not the whole document yet
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Personio emulator exited with ${code}`));
    });
  });
  const call = async <T>(method: string, path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${url}${path}`, { method, ...init });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text === '' ? {} : JSON.parse(text)) as T;
  };
  const v2Token = async (): Promise<string> => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'demo-client',
      client_secret: 'demo-secret',
    });
    const answer = await call<{ access_token: string }>('POST', '/v2/auth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    return answer.access_token;
  };
  return {
    url,
    requests: async () =>
      (await call<{ requests: EmulatorRequest[] }>('GET', '/_emulator/requests')).requests,
    clearRequests: async () => {
      await call('DELETE', '/_emulator/requests');
    },
    deliveries: async () =>
      (await call<{ deliveries: WebhookDelivery[] }>('GET', '/_emulator/webhook-deliveries')).deliveries,
    registerWebhook: async (target, token) => {
      const bearer = await v2Token();
      const created = await call<{ id: string }>('POST', '/v2/webhooks', {
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          url: target,
          description: 'Roster',
          enabled_events: WEBHOOK_EVENTS,
          // Personio creates webhooks disabled unless told otherwise.
          status: 'ENABLED',
          auth_type: 'TOKEN',
          token,
        }),
      });
      return created.id;
    },
    deleteWebhook: async (id) => {
      const bearer = await v2Token();
      await call('DELETE', `/v2/webhooks/${id}`, { headers: { authorization: `Bearer ${bearer}` } });
    },
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
