// Runs the real `roster` command in a child process, as a user would, for CLI and end-to-end tests.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../main/cli.ts', import.meta.url));

export interface RosterRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a test CLI runs with: nothing inherited that could point it at real data. */
export function testEnvironment(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOME: process.env['HOME'], LOG_LEVEL: 'info', ...overrides };
}

export function spawnRoster(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env, stdio: 'pipe' });
}

/** Runs a command to completion. */
export function runRoster(args: readonly string[], env: NodeJS.ProcessEnv): Promise<RosterRun> {
  return collect(spawnRoster(args, env));
}

export function collect(child: ChildProcessWithoutNullStreams): Promise<RosterRun> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface RunningRoster {
  readonly child: ChildProcessWithoutNullStreams;
  /** The JSON document a long-running command printed once ready (with --json). */
  readonly ready: Record<string, unknown>;
  /** Resolves when the process exits, with everything it printed. */
  readonly exited: Promise<RosterRun>;
}

/** Starts a long-running command with --json and waits for its one JSON document on stdout. */
export async function startRoster(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<RunningRoster> {
  const child = spawnRoster([...args, '--json'], env);
  const exited = collect(child);
  let stdout = '';
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        const parsed = JSON.parse(stdout) as Record<string, unknown>;
        clearTimeout(timer);
        resolve(parsed);
      } catch {
        // Not complete yet.
      }
    });
    void exited.then((run) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${run.code} before it was ready:\n${run.stderr}`));
    });
  });
  return { child, ready, exited };
}

/**
 * Runs a command line through the same `runCli` the process runs, in this process: for exhaustive
 * lists of cases, where a child process per case would cost seconds each. Real-process tests
 * cover what only a process shows (exit status, stream flushing).
 */
export async function runInProcess(args: readonly string[], env: NodeJS.ProcessEnv): Promise<RosterRun> {
  const { runCli } = await import('../run-cli.ts');
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  const code = await runCli(args, {
    env,
    streams: { stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)) },
  });
  return { code, signal: null, stdout, stderr };
}
