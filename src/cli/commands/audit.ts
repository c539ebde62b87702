// `roster audit verify|list`: checks the audit log's hash chain and reads its entries, so an auditor
// needs nothing but the CLI and the database.
import { Command, InvalidArgumentError } from 'commander';
import type { AuditEntry } from '../../store/audit-log.ts';
import { CommandExit } from '../command-exit.ts';
import { withStore, type CliContext } from '../context.ts';
import { createOutput, formatTable } from '../output.ts';

// Kept equal to the store's MAX_AUDIT_LIST_LIMIT by a test; importing it would load the store for --help.
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
const EXIT_BROKEN = 1;
const CONTENT_COLUMN_WIDTH = 60;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function auditCommand(context: CliContext): Command {
  const command = new Command('audit').description('verify and read the hash-chained audit log');

  command
    .command('verify')
    .description(
      'check every entry of the audit log against its hash chain; exit 1 at the first broken entry',
    )
    .option('--json', 'print the result as one JSON document')
    .action(async (options: { json?: boolean }) => {
      const output = createOutput(context.streams, options.json === true);
      await withStore(context, async (store) => {
        const result = await store.audit.verify();
        if (!result.ok) {
          // A broken chain is the command's finding, not its failure: the verdict goes to stdout
          // like an intact one (one JSON document with --json), and the status says which it was.
          output.result(result, () =>
            [
              `The audit log is broken at entry ${result.brokenAt} (${result.problem}): ${result.reason}.`,
              `The ${result.entries} entries before it verified.`,
            ].join('\n'),
          );
          if (!output.isJson) {
            output.note(
              'Entries were altered, removed, inserted or reordered outside Roster. Keep the database as it is ' +
                'for investigation and compare it with a backup; see docs/audit.md.',
            );
          }
          throw new CommandExit(EXIT_BROKEN);
        }
        output.result(result, () =>
          result.head === null
            ? 'The audit log is empty.'
            : [
                `The audit log is intact: ${result.entries} entries verified.`,
                `Last entry: ${result.head.seq}, hash ${result.head.hash}`,
              ].join('\n'),
        );
        if (!output.isJson && result.head !== null) {
          output.note(
            'Keep the last hash somewhere else: it shows later whether entries were removed from the end.',
          );
        }
      });
    });

  command
    .command('list')
    .description('list audit entries, oldest first')
    .option('--person <id>', 'only entries about this person')
    .option('--connection <id>', 'only entries of this connection')
    .option('--sync <id>', 'only entries of this sync')
    .option('--action <action>', 'only entries of this action, e.g. account.create')
    .option('--since <time>', 'only entries at or after this ISO-8601 date or time', parseSince)
    .option('--after <seq>', 'only entries after this seq (the last seq of the previous page)', parseSeq)
    .option('--limit <n>', `at most this many entries, 1 to ${MAX_LIMIT}`, parseLimit, DEFAULT_LIMIT)
    .option('--json', 'print the entries as one JSON array')
    .action(
      async (options: {
        person?: string;
        connection?: string;
        sync?: string;
        action?: string;
        since?: Date;
        after?: number;
        limit: number;
        json?: boolean;
      }) => {
        const output = createOutput(context.streams, options.json === true);
        await withStore(context, async (store) => {
          const entries = await store.audit.list({
            limit: options.limit,
            ...(options.person === undefined ? {} : { personId: options.person }),
            ...(options.connection === undefined ? {} : { connectionId: options.connection }),
            ...(options.sync === undefined ? {} : { syncId: options.sync }),
            ...(options.action === undefined ? {} : { action: options.action }),
            ...(options.since === undefined ? {} : { since: options.since }),
            ...(options.after === undefined ? {} : { afterSeq: options.after }),
          });
          output.result(entries, () => (entries.length === 0 ? '' : formatEntries(entries)));
          if (output.isJson) return;
          const last = entries.at(-1);
          if (last === undefined) output.note('No audit entries match.');
          else if (entries.length === options.limit) {
            output.note(`Showing ${entries.length} entries; for the next ones add --after ${last.seq}.`);
          }
        });
      },
    );

  return command;
}

function formatEntries(entries: readonly AuditEntry[]): string {
  return formatTable(
    ['SEQ', 'AT', 'ACTOR', 'ACTION', 'OUTCOME', 'CONNECTION', 'SYNC', 'PERSON', 'ACCOUNT', 'CONTENT'],
    entries.map((e) => [
      String(e.seq),
      e.at,
      e.actor,
      e.action,
      e.outcome,
      e.connectionId,
      e.syncId,
      e.personId,
      e.accountId,
      e.isErased ? '(erased)' : abbreviate(JSON.stringify(e.content) ?? 'null'),
    ]),
  );
}

function abbreviate(text: string): string {
  return text.length <= CONTENT_COLUMN_WIDTH ? text : `${text.slice(0, CONTENT_COLUMN_WIDTH - 1)}…`;
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_LIMIT) {
    throw new InvalidArgumentError(`the limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return n;
}

function parseSeq(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('a seq is a whole number, as `roster audit list` shows it');
  }
  return n;
}

function parseSince(text: string): Date {
  const instant = new Date(text);
  if (!TIMESTAMP.test(text) || Number.isNaN(instant.getTime())) {
    throw new InvalidArgumentError('give an ISO-8601 date or time, e.g. 2026-03-01 or 2026-03-01T09:00:00Z');
  }
  return instant;
}
