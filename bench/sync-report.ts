// The sync benchmark's report: the goals of the HR-driven sync, judged on one run's figures, a
// table for the terminal and the `sync` section of bench/results/latest.json.
import type { LatencyPhase, SyncBenchmarkResult } from './sync-benchmark.ts';

export interface SyncRunSettings {
  readonly startedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    readonly loadAverageAtStart: number;
  };
  readonly changes: number;
  readonly batchChanges: number;
  readonly logLevel: string;
}

export interface SyncGoal {
  readonly goal: string;
  readonly measured: string;
  readonly isMet: boolean;
}

export interface SyncBenchmarkSummary extends SyncBenchmarkResult {
  readonly settings: SyncRunSettings;
  readonly totalSeconds: number;
  readonly goals: readonly SyncGoal[];
}

const POLLING_P95_GOAL_MS = 60_000;
const WEBHOOK_P95_GOAL_MS = 5_000;
const TOTAL_GOAL_SECONDS = 600;

export function evaluateGoals(result: SyncBenchmarkResult, totalSeconds: number): SyncGoal[] {
  const { noChange, withChanges } = result.incremental;
  return [
    latencyGoal('change → directory p95, polling', result.polling, POLLING_P95_GOAL_MS),
    latencyGoal('change → directory p95, webhooks', result.webhooks, WEBHOOK_P95_GOAL_MS),
    {
      goal: 'incremental run without changes: 0 target writes',
      measured: `${noChange.writes} writes, ${noChange.modifiedUsers} users modified`,
      isMet: noChange.writes === 0 && noChange.modifiedUsers === 0,
    },
    {
      goal: `incremental run after ${withChanges.changes} changes: ${withChanges.changes} target writes`,
      measured: `${withChanges.writes} writes, ${withChanges.modifiedUsers} users modified`,
      isMet: withChanges.writes === withChanges.changes && withChanges.modifiedUsers === withChanges.changes,
    },
    {
      goal: 'whole run ≤ 10 min',
      measured: `${(totalSeconds / 60).toFixed(1)} min`,
      isMet: totalSeconds <= TOTAL_GOAL_SECONDS,
    },
  ];
}

function latencyGoal(name: string, phase: LatencyPhase, goalMs: number): SyncGoal {
  return {
    goal: `${name} ≤ ${goalMs / 1000} s`,
    measured: `${secondsOf(phase.p95Ms)} (${phase.visible}/${phase.changes} seen)`,
    isMet: phase.p95Ms !== null && phase.p95Ms <= goalMs && phase.visible === phase.changes,
  };
}

export function formatReport(summary: SyncBenchmarkSummary): string {
  const { settings, firstSync, polling, webhooks, incremental } = summary;
  const lines: string[] = [];
  lines.push(
    `Sync benchmark: Personio emulator with ${count(summary.employees)} employees, ${summary.latencyMs} ms latency, ` +
      `rate limits on → directory; roster serve from ${summary.server === 'dist' ? 'dist/' : 'sources (tsx)'} on SQLite, ` +
      `LOG_LEVEL=${settings.logLevel}; ${settings.machine.cpus} CPUs (${settings.machine.cpuModel}), Node ${settings.machine.node}`,
  );
  if (settings.machine.loadAverageAtStart > settings.machine.cpus * 0.5)
    lines.push(
      `WARNING: load average ${settings.machine.loadAverageAtStart.toFixed(1)} at the start: other work shared the CPUs.`,
    );
  lines.push('');
  lines.push('First full sync (the server’s start-up pass)');
  lines.push(
    table([
      [
        'run time',
        `${firstSync.runSeconds.toFixed(1)} s (${firstSync.wallSeconds.toFixed(1)} s from spawning the server)`,
      ],
      [
        'accounts',
        `${count(firstSync.accountsCreated)} created, ${count(firstSync.accountsUpdated)} updated, ${firstSync.failed} failed; ${count(firstSync.directoryUsers)} users in the directory`,
      ],
      [
        'Personio requests',
        `${firstSync.personioRequests} over ${firstSync.personioReadSeconds.toFixed(1)} s, ${firstSync.personioEmployeePages} employee pages; by status ${Object.entries(
          firstSync.personioStatuses,
        )
          .map(([status, n]) => `${status}: ${n}`)
          .join(', ')}`,
      ],
      ['server RSS', `peak ${mb(firstSync.peakRssMB)}, ${mb(firstSync.rssAfterMB)} after`],
      ['server CPU', `${firstSync.serverCpuSeconds.toFixed(1)} s (start-up included)`],
      ['slowest /healthz', `${secondsOf(firstSync.slowestHealthMs)} (asked every 250 ms while it ran)`],
    ]),
  );
  lines.push('');
  lines.push(`Change → visible in the directory (SCIM read by externalId every 250 ms)`);
  const phaseRow = (name: string, phase: LatencyPhase): string[] => [
    name,
    `${phase.visible}/${phase.changes}`,
    secondsOf(phase.p50Ms),
    secondsOf(phase.p95Ms),
    secondsOf(phase.maxMs),
    (['attribute', 'hire', 'leaver'] as const)
      .map((k) => `${k} ${secondsOf(phase.byKind[k]?.p50Ms ?? null)}`)
      .join(', '),
    Object.entries(phase.runsByTrigger)
      .map(([trigger, n]) => `${n} ${trigger}`)
      .join(', ') + (phase.meanRunSeconds === null ? '' : `, ${phase.meanRunSeconds.toFixed(1)} s each`),
    String(phase.writes),
  ];
  lines.push(
    table([
      ['', 'seen', 'p50', 'p95', 'max', 'p50 by kind', 'server runs', 'writes'],
      phaseRow(`polling (every ${summary.schedule.everyMs / 1000} s)`, polling),
      phaseRow('webhooks', webhooks),
    ]),
  );
  lines.push(
    `  webhooks: ${webhooks.deliveries} deliveries, ${webhooks.acknowledged} acknowledged; the polling schedule kept running`,
  );
  lines.push('');
  lines.push(
    'Incremental runs (`roster sync run`, beside the server; writes of every run after the changes)',
  );
  lines.push(
    table([
      ['', 'writes', 'users modified', 'runs', 'Personio requests', 'CLI run (command)', 'read'],
      ...[incremental.noChange, incremental.withChanges].map((r) => [
        r.changes === 0 ? 'no change' : `${r.changes} changes`,
        String(r.writes),
        String(r.modifiedUsers),
        String(r.runs),
        String(r.personioRequests),
        `${r.runSeconds.toFixed(1)} s (${r.seconds.toFixed(1)} s)`,
        r.mode,
      ]),
    ]),
  );
  lines.push('');
  lines.push(`Server peak RSS over the whole run: ${mb(summary.peakRssMB)}`);
  lines.push('');
  lines.push('Goals');
  lines.push(
    table([
      ['goal', 'measured', ''],
      ...summary.goals.map((g) => [g.goal, g.measured, g.isMet ? 'met' : 'NOT MET']),
    ]),
  );
  lines.push(`Total ${(summary.totalSeconds / 60).toFixed(1)} min`);
  return lines.join('\n');
}

export function toJsonValue(summary: SyncBenchmarkSummary): unknown {
  return JSON.parse(
    JSON.stringify(summary, (_key, value: unknown) =>
      typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)
        ? Number(value.toPrecision(4))
        : value,
    ),
  );
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd())
    .join('\n');
}

function secondsOf(ms: number | null): string {
  if (ms === null) return 'missed';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function mb(value: number): string {
  return `${value.toFixed(0)} MB`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
