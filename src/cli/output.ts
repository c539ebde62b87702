// What a command prints: results on stdout (exactly one JSON document with --json), everything
// meant for a person (hints, progress, logs) on stderr.
import type { Writable } from 'node:stream';

export interface CliStreams {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export interface CommandOutput {
  readonly isJson: boolean;
  /** The command's result: JSON when --json, else the human text. Call once. */
  result(json: unknown, human: () => string): void;
  /** A note for the person at the terminal; never on stdout. */
  note(text: string): void;
}

export function createOutput(streams: CliStreams, isJson: boolean): CommandOutput {
  return {
    isJson,
    result(json, human) {
      streams.stdout.write(isJson ? `${JSON.stringify(json, null, 2)}\n` : ensureNewline(human()));
    },
    note(text) {
      streams.stderr.write(ensureNewline(text));
    },
  };
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** Left-aligned columns for list output; empty cells print as `-`. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly (string | null)[])[],
): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === '' ? '-' : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
