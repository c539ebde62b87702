// The processes under test: Roster's `serve` (built `dist/` when it is up to date, else the
// sources through tsx) and the bare Node baseline, each in its own process so that its resident
// memory (VmRSS from /proc) is its own and the load generator never shares its event loop.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(import.meta.dirname, '..');
const BUILT_CLI = join(ROOT, 'dist', 'src', 'main', 'cli.js');
const SOURCE_CLI = join(ROOT, 'src', 'main', 'cli.ts');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** How the `roster` command is started: the build when it is newer than every built source file. */
export interface RosterCommand {
  readonly kind: 'dist' | 'tsx';
  readonly args: readonly string[];
}

export function resolveRosterCommand(): RosterCommand {
  if (existsSync(BUILT_CLI) && statSync(BUILT_CLI).mtimeMs >= newestMtime(join(ROOT, 'src')))
    return { kind: 'dist', args: [BUILT_CLI] };
  return { kind: 'tsx', args: ['--import', 'tsx', SOURCE_CLI] };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // Tests and test helpers are not built, so they cannot make the build stale.
    if (entry.isDirectory()) {
      if (entry.name !== 'testing') newest = Math.max(newest, newestMtime(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs one `roster` CLI command to completion and answers its stdout, trimmed. */
export function runRosterCli(
  command: RosterCommand,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): string {
  const result = spawnSync(process.execPath, [...command.args, ...args], {
    env,
    encoding: 'utf8',
    cwd: ROOT,
  });
  if (result.status !== 0)
    throw new Error(`roster ${args.join(' ')} exited with ${result.status}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

export interface ServerProcess {
  readonly pid: number;
  readonly origin: string;
  /** Resident memory now and at its peak (VmRSS, VmHWM), in bytes. */
  memory(): { readonly rssBytes: number; readonly peakRssBytes: number };
  /** CPU time (user + system) the process has used so far, in milliseconds. */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(): Promise<void>;
}

export interface RosterServerOptions {
  readonly command: RosterCommand;
  readonly env: NodeJS.ProcessEnv;
  /** Server stdout and stderr go here, so a failure can be explained. */
  readonly logFile: string;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
}

export async function startRosterServer(options: RosterServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const log = createWriteStream(options.logFile);
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...options.command.args, 'serve'], {
    env: { ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: ROOT,
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `roster serve exited early (${child.exitCode ?? child.signalCode}): ${tail(options.logFile)}`,
      );
    try {
      const response = await fetch(`${origin}/healthz`);
      await response.arrayBuffer();
      if (response.ok) return wrap(child, origin);
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(
    `roster serve did not answer /healthz within ${START_TIMEOUT_MS / 1000} s: ${tail(options.logFile)}`,
  );
}

/** Starts the bare Node baseline server on a free port. */
export function startBareServer(): Promise<ServerProcess> {
  return startBaselineServer('bare-server.ts', []);
}

/** Starts the SQLite floor (bench/sqlite-floor-server.ts) on the benchmark's database file. */
export function startSqliteFloorServer(databaseFile: string, connectionId: string): Promise<ServerProcess> {
  return startBaselineServer('sqlite-floor-server.ts', [databaseFile, connectionId]);
}

async function startBaselineServer(script: string, args: readonly string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: ROOT,
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}`));
    });
  });
  return wrap(child, `http://127.0.0.1:${port}`);
}

function wrap(child: ChildProcess, origin: string): ServerProcess {
  const pid = child.pid;
  if (pid === undefined) throw new Error('the server process has no pid');
  return {
    pid,
    origin,
    memory: () => readMemory(pid),
    cpuMs: () => readCpuMs(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** VmRSS and VmHWM of a live process, from /proc/<pid>/status (Linux). */
export function readMemory(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] ? Number(match[1]) * 1024 : Number.NaN;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

// /proc reports CPU time in USER_HZ ticks, which Linux fixes at 100 per second for user space.
const USER_HZ = 100;

/** utime + stime of a live process, from /proc/<pid>/stat (Linux), in milliseconds. */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / USER_HZ;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
