// `npm run bench [-- <name>...] [options]`: runs the named benchmarks (all when none is named) and
// prints their figures; each also writes its part of bench/results/latest.json.
// Never part of `npm test`: it takes minutes and its figures depend on the machine.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Dialect } from '../src/store/database.ts';
import { runScimBenchmark } from './scim-benchmark.ts';
import { evaluateTargets, formatReport, scenarioNames, toJson, type RunSettings } from './scim-report.ts';
import type { ScenarioName } from './scim-scenarios.ts';
import { runSyncBenchmark } from './sync-benchmark.ts';
import {
  evaluateGoals,
  formatReport as formatSyncReport,
  toJsonValue as syncJsonValue,
  type SyncRunSettings,
} from './sync-report.ts';

const BENCHMARKS = ['scim', 'sync'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

const RESULTS_DIR = join(import.meta.dirname, 'results');
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

const USAGE = `Usage: npm run bench [-- [scim] [sync] [options]]

Benchmarks: ${BENCHMARKS.join(', ')} (all when none is named)

Options:
  --dialect sqlite|postgres|both   databases to measure (default both)
  --scenario NAME[,NAME...]        only these scenarios: ${scenarioNames().join(', ')}
  --users N                        users seeded through the store (default 100000)
  --http-users N                   users created over HTTP before measuring (default 10000)
  --connections N                  concurrent keep-alive connections (default 10)
  --warmup S                       warm-up seconds per scenario (default 1)
  --duration S                     measured seconds per scenario (default 4)
  --log-level LEVEL                the server's LOG_LEVEL (default warn: no per-request log lines)
  --postgres-url URL               PostgreSQL to use (default $BENCH_DATABASE_URL, $TEST_DATABASE_URL or
                                   ${DEFAULT_POSTGRES_URL}); a fresh schema is created and dropped
  --cpu-prof                       the server writes a V8 CPU profile to bench/results/profiles/

Options of sync (the server runs on SQLite; --log-level applies too):
  --employees N                    employees in the emulated Personio company (default 5000)
  --latency-ms MS                  latency the emulator adds to every Personio call (default 50)
  --changes N                      changes measured with polling, then with webhooks (default 20)
  --batch-changes N                changes before the incremental-writes check (default 5)
  --help                           this text
`;

function parseCommandLine(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dialect: { type: 'string', default: 'both' },
      scenario: { type: 'string' },
      users: { type: 'string', default: '100000' },
      'http-users': { type: 'string', default: '10000' },
      connections: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '1' },
      duration: { type: 'string', default: '4' },
      'log-level': { type: 'string', default: 'warn' },
      'postgres-url': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      employees: { type: 'string', default: '5000' },
      'latency-ms': { type: 'string', default: '50' },
      changes: { type: 'string', default: '20' },
      'batch-changes': { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
  });
  const unknown = positionals.filter((p) => !(BENCHMARKS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new UsageError(`unknown benchmark ${unknown.join(', ')}`);
  const dialects: Dialect[] =
    values.dialect === 'both'
      ? ['sqlite', 'postgres']
      : values.dialect === 'sqlite' || values.dialect === 'postgres'
        ? [values.dialect]
        : [];
  if (dialects.length === 0)
    throw new UsageError(`--dialect is sqlite, postgres or both, not ${values.dialect}`);
  const known = scenarioNames();
  const scenarios = (values.scenario ?? '').split(',').filter((s) => s !== '');
  const unknownScenarios = scenarios.filter((s) => !(known as readonly string[]).includes(s));
  if (unknownScenarios.length > 0) throw new UsageError(`unknown scenario ${unknownScenarios.join(', ')}`);
  const users = positiveInteger(values.users, '--users');
  const smallUsers = Math.min(1000, users);
  return {
    help: values.help,
    benchmarks: (positionals.length > 0 ? positionals : [...BENCHMARKS]) as BenchmarkName[],
    dialects,
    scenarios: scenarios as ScenarioName[],
    users,
    httpUsers: positiveInteger(values['http-users'], '--http-users'),
    smallUsers,
    groupMembers: Math.min(10_000, Math.floor(users / 2)),
    connections: positiveInteger(values.connections, '--connections'),
    warmupMs: seconds(values.warmup, '--warmup'),
    durationMs: seconds(values.duration, '--duration'),
    logLevel: values['log-level'],
    postgresUrl:
      values['postgres-url'] ??
      process.env['BENCH_DATABASE_URL'] ??
      process.env['TEST_DATABASE_URL'] ??
      DEFAULT_POSTGRES_URL,
    cpuProfile: values['cpu-prof'],
    employees: positiveInteger(values.employees, '--employees'),
    latencyMs: nonNegativeInteger(values['latency-ms'], '--latency-ms'),
    changes: positiveInteger(values.changes, '--changes'),
    batchChanges: positiveInteger(values['batch-changes'], '--batch-changes'),
  };
}

class UsageError extends Error {}

function positiveInteger(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${name} takes a positive integer, not ${text}`);
  return n;
}

function nonNegativeInteger(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`${name} takes a non-negative integer, not ${text}`);
  return n;
}

function seconds(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 600)
    throw new UsageError(`${name} takes seconds from 0 to 600, not ${text}`);
  return n * 1000;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  const cleanups = new Set<() => Promise<void>>();
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: stopping servers and removing bench data\n');
    void Promise.allSettled([...cleanups].map((c) => c())).then(() => process.exit(130));
  });

  for (const benchmark of args.benchmarks) {
    switch (benchmark) {
      case 'scim': {
        const started = performance.now();
        const busy = loadavg()[0] ?? 0;
        if (busy > availableParallelism() * 0.5)
          process.stderr.write(
            `warning: load average is ${busy.toFixed(1)}; other work will skew the figures\n`,
          );
        const settings: RunSettings = {
          startedAt: new Date().toISOString(),
          machine: {
            cpus: availableParallelism(),
            cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
            node: process.version,
            memoryMB: Math.round(totalmem() / 1_000_000),
            loadAverageAtStart: loadavg()[0] ?? 0,
          },
          users: args.users,
          httpUsers: args.httpUsers,
          smallUsers: args.smallUsers,
          groupMembers: args.groupMembers,
          connections: args.connections,
          warmupMs: args.warmupMs,
          durationMs: args.durationMs,
          logLevel: args.logLevel,
        };
        const profileDir = join(RESULTS_DIR, 'profiles');
        if (args.cpuProfile) mkdirSync(profileDir, { recursive: true });
        const result = await runScimBenchmark({
          dialects: args.dialects,
          scenarios: args.scenarios,
          users: args.users,
          httpUsers: args.httpUsers,
          smallUsers: args.smallUsers,
          groupMembers: args.groupMembers,
          connections: args.connections,
          warmupMs: args.warmupMs,
          durationMs: args.durationMs,
          logLevel: args.logLevel,
          postgresUrl: args.postgresUrl,
          ...(args.cpuProfile ? { cpuProfileDir: profileDir } : {}),
          progress: (message) =>
            process.stderr.write(
              `[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`,
            ),
          onInterrupt: (cleanup) => {
            cleanups.add(cleanup);
            return () => cleanups.delete(cleanup);
          },
        });
        const summary = {
          settings,
          totalSeconds: (performance.now() - started) / 1000,
          targets: evaluateTargets(result, settings),
          ...result,
        };
        process.stdout.write(`\n${formatReport(summary)}\n`);
        mkdirSync(RESULTS_DIR, { recursive: true });
        const file = join(RESULTS_DIR, 'latest.json');
        // The SCIM figures are the top level of the file; the sync section of an earlier run stays.
        const sync = readResults(file)['sync'];
        const scim = JSON.parse(toJson(summary)) as Record<string, unknown>;
        writeFileSync(file, `${JSON.stringify(sync === undefined ? scim : { ...scim, sync }, null, 2)}\n`);
        process.stdout.write(`Summary written to ${file}\n`);
        break;
      }
      case 'sync': {
        const started = performance.now();
        const busy = loadavg()[0] ?? 0;
        if (busy > availableParallelism() * 0.5)
          process.stderr.write(
            `warning: load average is ${busy.toFixed(1)}; other work will skew the figures\n`,
          );
        const settings: SyncRunSettings = {
          startedAt: new Date().toISOString(),
          machine: {
            cpus: availableParallelism(),
            cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
            node: process.version,
            loadAverageAtStart: busy,
          },
          changes: args.changes,
          batchChanges: args.batchChanges,
          logLevel: args.logLevel,
        };
        const result = await runSyncBenchmark({
          employees: args.employees,
          latencyMs: args.latencyMs,
          changes: args.changes,
          batchChanges: args.batchChanges,
          logLevel: args.logLevel,
          logDir: RESULTS_DIR,
          progress: (message) =>
            process.stderr.write(
              `[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`,
            ),
          onInterrupt: (cleanup) => {
            cleanups.add(cleanup);
            return () => cleanups.delete(cleanup);
          },
        });
        const totalSeconds = (performance.now() - started) / 1000;
        const summary = { settings, totalSeconds, goals: evaluateGoals(result, totalSeconds), ...result };
        process.stdout.write(`\n${formatSyncReport(summary)}\n`);
        mkdirSync(RESULTS_DIR, { recursive: true });
        const file = join(RESULTS_DIR, 'latest.json');
        writeFileSync(
          file,
          `${JSON.stringify({ ...readResults(file), sync: syncJsonValue(summary) }, null, 2)}\n`,
        );
        process.stdout.write(`Summary written to ${file} (section sync)\n`);
        break;
      }
    }
  }
  return 0;
}

/** The results file as an object; empty when it is missing or unreadable. */
function readResults(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

process.exitCode = await main();
