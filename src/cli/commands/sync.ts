// `roster sync add|list|plan|run|approve|history|remove`: HR-driven syncs from a source connection
// (Personio) into a target connection, planned, guarded and applied by the reconciler.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { InvalidInputError } from '../../core/errors.ts';
import type { SyncRecord } from '../../store/sync-repository.ts';
import type { SyncRunResult } from '../../sync/engine/run-sync.ts';
import { CommandExit } from '../command-exit.ts';
import { withStore, type CliContext } from '../context.ts';
import { createOutput, formatTable } from '../output.ts';

/** Exit status of `sync run` when a guard holds the plan. */
export const EXIT_HELD = 3;

const DEFAULT_EVERY_MS = 30_000;
const DEFAULT_FULL_EVERY_MS = 6 * 3_600_000;

/** `30s`, `5m`, `1h`, `6h`, `1d`: how often a sync runs. */
export function parseInterval(text: string, name: string): number {
  const match = /^([1-9][0-9]{0,5})(s|m|h|d)$/.exec(text.trim());
  if (!match?.[1] || !match[2])
    throw new InvalidInputError(
      'sync_invalid',
      `${name} "${text}" is not an interval; use e.g. 30s, 5m, 1h or 1d`,
    );
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  if (ms < 5000) throw new InvalidInputError('sync_invalid', `${name} must be at least 5s`);
  return ms;
}

function describeSync(sync: SyncRecord) {
  return {
    id: sync.id,
    from: sync.source,
    to: sync.target,
    scope: sync.scope,
    mapping: sync.mapping === null ? 'built-in (personio)' : 'custom',
    everyMs: sync.everyMs,
    fullEveryMs: sync.fullEveryMs,
    lastRunAt: sync.lastRunAt,
    lastStatus: sync.lastStatus,
    held: sync.heldHash !== null,
    heldHash: sync.heldHash,
    heldReason: sync.heldReason,
    nextDueAt: sync.nextDueAt,
  };
}

function formatPlan(result: SyncRunResult): string {
  const plan = result.plan;
  if (!plan) return `No plan: ${result.error ?? 'nothing was read'}`;
  const lines: string[] = [];
  lines.push(
    `Plan ${plan.hash.slice(0, 16)}… from a ${result.sourceRead} read: ${plan.operations.length} operation(s).`,
  );
  for (const op of plan.operations) {
    lines.push(
      `  ${op.kind.padEnd(7)} person ${op.personId ?? '-'}${op.accountId ? ` account ${op.accountId}` : ''}: ${op.reason}`,
    );
    for (const change of op.changes)
      lines.push(
        `          ${change.path}: ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`,
      );
  }
  for (const item of plan.scheduled)
    lines.push(`  later   person ${item.personId}: ${item.kind} at ${item.at} (${item.reason})`);
  for (const conflict of plan.conflicts) lines.push(`  conflict ${conflict.kind}: ${conflict.reason}`);
  for (const w of plan.withheld) lines.push(`  withheld ${w.kind} person ${w.personId ?? '-'}: ${w.reason}`);
  for (const s of result.skipped) lines.push(`  skipped person ${s.personId}: ${s.reason}`);
  for (const w of result.warnings) lines.push(`  warning person ${w.personId}: ${w.message}`);
  if (result.guard?.held) {
    lines.push(`Held by a guard: ${result.guard.reasons.join(' ')}`);
    if (result.guard.isApprovable)
      lines.push(`Approve with: roster sync approve ${result.syncId} ${plan.hash}`);
  }
  return lines.join('\n');
}

function progressWriter(context: CliContext, enabled: boolean) {
  const isTty = (context.streams.stderr as { isTTY?: boolean }).isTTY === true;
  let last = '';
  return (line: string, done = false): void => {
    if (!enabled) return;
    if (isTty) {
      context.streams.stderr.write(`\r\u001b[2K${line}${done ? '\n' : ''}`);
    } else if (done || line.split(' ')[0] !== last.split(' ')[0]) {
      context.streams.stderr.write(`${line}\n`);
    }
    last = line;
  };
}

function bar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

export function syncCommand(context: CliContext): Command {
  const command = new Command('sync').description(
    'HR-driven syncs: plan and apply joiners, movers and leavers',
  );

  command
    .command('add')
    .description('create a sync from an HR source connection to a target connection')
    .argument('<name>', 'sync name: lower-case letters, digits and hyphens')
    .requiredOption('--from <source>', 'the HR source connection, e.g. personio')
    .requiredOption('--to <target>', 'the target connection, e.g. a directory')
    .option('--mapping <file>', 'a mapping file (YAML or JSON); default: the built-in Personio mapping')
    .option('--scope <filter>', 'which people the sync manages, as a SCIM filter over the person')
    .option('--every <interval>', 'how often the server runs it incrementally', '30s')
    .option('--full-every <interval>', 'how often the server reads everyone', '6h')
    .option('--json', 'print the sync as one JSON document')
    .action(
      async (
        name: string,
        options: {
          from: string;
          to: string;
          mapping?: string;
          scope?: string;
          every: string;
          fullEvery: string;
          json?: boolean;
        },
      ) => {
        const output = createOutput(context.streams, options.json === true);
        const everyMs = options.every ? parseInterval(options.every, '--every') : DEFAULT_EVERY_MS;
        const fullEveryMs = options.fullEvery
          ? parseInterval(options.fullEvery, '--full-every')
          : DEFAULT_FULL_EVERY_MS;
        const mappingText = options.mapping === undefined ? null : await readFile(options.mapping, 'utf8');
        const { parseMappingFile, formatMappingFileError } = await import('../../sync/mapping/index.ts');
        if (mappingText !== null) {
          const parsed = parseMappingFile(mappingText);
          if (!parsed.ok)
            throw new InvalidInputError(
              'sync_invalid',
              `${options.mapping}: ${parsed.errors.map(formatMappingFileError).join('; ')}`,
            );
        }
        if (options.scope !== undefined) {
          const { compileScope } = await import('../../sync/scope/index.ts');
          const scope = compileScope(options.scope);
          if (!scope.ok) throw new InvalidInputError('sync_invalid', `--scope: ${scope.error}`);
        }
        await withStore(context, async (store) => {
          const { createSyncRepository } = await import('../../store/sync-repository.ts');
          const syncs = createSyncRepository({ db: store.database.db });
          const sync = await syncs.create({
            id: name,
            source: options.from,
            target: options.to,
            mapping: mappingText,
            scope: options.scope ?? null,
            everyMs,
            fullEveryMs,
          });
          output.result(
            describeSync(sync),
            () => `Created sync ${sync.id}: ${sync.source} → ${sync.target}.`,
          );
          if (!output.isJson)
            output.note(`Next: look at what it would do with \`roster sync plan ${sync.id}\`.`);
        });
      },
    );

  command
    .command('list')
    .description('list syncs with their last run and any plan a guard holds')
    .option('--json', 'print the syncs as one JSON array')
    .action(async (options: { json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      await withStore(context, async (store) => {
        const { createSyncRepository } = await import('../../store/sync-repository.ts');
        const syncs = await createSyncRepository({ db: store.database.db }).list();
        output.result(syncs.map(describeSync), () =>
          syncs.length === 0
            ? ''
            : formatTable(
                ['NAME', 'FROM', 'TO', 'LAST RUN', 'STATUS', 'HELD'],
                syncs.map((s) => [
                  s.id,
                  s.source,
                  s.target,
                  s.lastRunAt,
                  s.lastStatus,
                  s.heldHash === null ? 'no' : `yes: ${s.heldReason ?? ''} (roster sync plan ${s.id})`,
                ]),
              ),
        );
        if (syncs.length === 0 && !output.isJson)
          output.note('No syncs. Create one with `roster sync add <name> --from <source> --to <target>`.');
      });
    });

  command
    .command('plan')
    .description('show what the next run would do, without changing anything')
    .argument('<name>', 'the sync')
    .option('--json', 'print the plan as one JSON document')
    .action(async (name: string, options: { json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      const progress = progressWriter(context, !output.isJson);
      await withStore(context, async (store) => {
        const { engineFromStore } = await import('../../sync/engine/engine-from-store.ts');
        const { runSync } = await import('../../sync/engine/run-sync.ts');
        const deps = engineFromStore(store, {
          label: 'cli',
          onProgress: (p) => {
            if (p.phase === 'read-source') progress(`reading source: ${p.people} people`);
            if (p.phase === 'read-target') progress(`reading target: ${p.accounts} accounts`);
          },
        });
        const result = await runSync(deps, name, { trigger: 'manual', dryRun: true });
        progress('', true);
        if (result.outcome === 'failed') {
          output.result(
            { error: { code: 'sync_failed', message: result.error } },
            () => `Could not plan: ${result.error ?? ''}`,
          );
          throw new CommandExit(1);
        }
        output.result(result.planJson ?? {}, () => formatPlan(result));
      });
    });

  command
    .command('run')
    .description(
      'plan and apply now (waits for a run already in progress); exit 3 when a guard holds the plan',
    )
    .argument('<name>', 'the sync')
    .option('--full', 'read everyone, not only what changed')
    .option('--json', 'print the outcome as one JSON document')
    .action(async (name: string, options: { full?: boolean; json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      const progress = progressWriter(context, true);
      await withStore(context, async (store) => {
        const { engineFromStore } = await import('../../sync/engine/engine-from-store.ts');
        const { runSync } = await import('../../sync/engine/run-sync.ts');
        const deps = engineFromStore(store, {
          label: 'cli',
          onProgress: (p) => {
            if (p.phase === 'read-source') progress(`reading source: ${p.people} people`);
            else if (p.phase === 'read-target') progress(`reading target: ${p.accounts} accounts`);
            else if (p.phase === 'plan') progress(`planned ${p.operations} operation(s)`, true);
            else progress(`applying ${bar(p.done, p.total)}`, p.done === p.total);
          },
        });
        let result = await runSync(deps, name, { trigger: 'manual', forceFull: options.full === true });
        // Another process runs this sync: wait for it, then run (bounded, so a stuck lease is reported).
        for (let waited = 0; result.outcome === 'busy' && waited < 600; waited++) {
          if (waited === 0) output.note(`Waiting for the run of ${name} already in progress…`);
          await new Promise((r) => setTimeout(r, 1000));
          result = await runSync(deps, name, { trigger: 'manual', forceFull: options.full === true });
        }
        const applied = result.applied.filter((a) => a.outcome === 'applied').length;
        const failed = result.applied.filter((a) => a.outcome === 'failed');
        output.result(
          {
            outcome: result.outcome,
            runId: result.runId,
            mode: result.mode,
            sourceRead: result.sourceRead,
            planHash: result.plan?.hash ?? null,
            held: result.guard?.held ?? false,
            reasons: result.guard?.reasons ?? [],
            applied,
            failed: failed.map((f) => ({
              kind: f.operation.kind,
              personId: f.operation.personId,
              error: f.error,
            })),
            skipped: result.skipped,
            warnings: result.warnings,
            error: result.error,
          },
          () => {
            if (result.outcome === 'held') return formatPlan(result);
            const lines = [
              `Run ${result.outcome}: ${applied} applied, ${failed.length} failed (${result.mode} read).`,
            ];
            for (const f of failed)
              lines.push(
                `  failed ${f.operation.kind} person ${f.operation.personId ?? '-'}: ${f.error ?? ''}`,
              );
            for (const w of result.warnings) lines.push(`  warning person ${w.personId}: ${w.message}`);
            if (result.error) lines.push(result.error);
            return lines.join('\n');
          },
        );
        if (result.outcome === 'held') throw new CommandExit(EXIT_HELD);
        if (result.outcome !== 'applied' || failed.length > 0) throw new CommandExit(1);
      });
    });

  command
    .command('approve')
    .description(
      'approve a held plan by its hash; it is applied by the next run if the plan is still the same',
    )
    .argument('<name>', 'the sync')
    .argument('<plan-hash>', 'the hash `sync plan` printed')
    .option('--json', 'print the outcome as one JSON document')
    .action(async (name: string, hash: string, options: { json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      if (!/^[0-9a-f]{64}$/.test(hash))
        throw new InvalidInputError(
          'sync_invalid',
          'a plan hash is the 64 hexadecimal characters `sync plan` prints',
        );
      await withStore(context, async (store) => {
        const { createSyncRepository } = await import('../../store/sync-repository.ts');
        const syncs = createSyncRepository({ db: store.database.db });
        const sync = await syncs.require(name);
        await syncs.updateState(sync.id, { approvedHash: hash });
        await store.audit.append({
          actor: 'cli',
          action: 'sync.approve',
          outcome: 'recorded',
          syncId: sync.id,
          content: { planHash: hash },
        });
        output.result({ sync: sync.id, approvedHash: hash, matchesHeldPlan: sync.heldHash === hash }, () =>
          sync.heldHash === hash
            ? `Approved plan ${hash.slice(0, 16)}… of ${sync.id}; run it with \`roster sync run ${sync.id}\`.`
            : `Recorded approval of ${hash.slice(0, 16)}…; it applies only if the next plan of ${sync.id} has exactly this hash.`,
        );
      });
    });

  command
    .command('history')
    .description('recent runs of a sync')
    .argument('<name>', 'the sync')
    .option('--limit <n>', 'how many runs', '20')
    .option('--json', 'print the runs as one JSON array')
    .action(async (name: string, options: { limit: string; json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new InvalidInputError('sync_invalid', '--limit is a whole number from 1 to 1000');
      await withStore(context, async (store) => {
        const { createSyncRepository } = await import('../../store/sync-repository.ts');
        const syncs = createSyncRepository({ db: store.database.db });
        await syncs.require(name);
        const runs = await syncs.listRuns(name, limit);
        output.result(runs, () =>
          formatTable(
            ['STARTED', 'TRIGGER', 'STATUS', 'PLAN', 'COUNTS', 'ERROR'],
            runs.map((r) => [
              r.startedAt,
              r.trigger,
              r.status,
              r.planHash?.slice(0, 12) ?? null,
              Object.entries(r.counts)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
              r.error,
            ]),
          ),
        );
      });
    });

  command
    .command('remove')
    .description('remove a sync (its accounts stay as they are)')
    .argument('<name>', 'the sync')
    .option('--json', 'print the outcome as one JSON document')
    .action(async (name: string, options: { json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      await withStore(context, async (store) => {
        const { createSyncRepository } = await import('../../store/sync-repository.ts');
        await createSyncRepository({ db: store.database.db }).remove(name);
        output.result({ removed: name }, () => `Removed sync ${name}.`);
      });
    });

  return command;
}
