// The `roster` command line: parses arguments, runs one command, and turns every outcome into an
// exit code: 0 ok, 1 failure, 2 usage error.
import { Command, CommanderError } from 'commander';
import { InvalidInputError, isRosterError } from '../core/errors.ts';
import { auditCommand } from './commands/audit.ts';
import { connectionCommand } from './commands/connection.ts';
import { demoCommand } from './commands/demo.ts';
import { emulateCommand } from './commands/emulate.ts';
import { serveCommand } from './commands/serve.ts';
import { syncCommand } from './commands/sync.ts';
import { taskCommand } from './commands/task.ts';
import { tokenCommand } from './commands/token.ts';
import { CommandExit } from './command-exit.ts';
import type { CliContext } from './context.ts';

/** Kept equal to package.json's version by a test; the build does not ship package.json beside the code. */
export const PACKAGE_VERSION = '0.1.0';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The program with every command; exposed for tests of the help texts. */
export function createProgram(context: CliContext): Command {
  const program = new Command('roster')
    .description('Roster: SCIM 2.0 gateway and identity lifecycle for apps without SCIM')
    .version(PACKAGE_VERSION, '--version', 'print the version')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.streams.stdout.write(text),
      writeErr: (text) => context.streams.stderr.write(text),
    });
  program.addCommand(serveCommand(context));
  program.addCommand(connectionCommand(context));
  program.addCommand(tokenCommand(context));
  program.addCommand(emulateCommand(context));
  program.addCommand(auditCommand(context));
  program.addCommand(syncCommand(context));
  program.addCommand(taskCommand(context));
  program.addCommand(
    demoCommand(context, async () => {
      await serveCommand(context).exitOverride().parseAsync([], { from: 'user' });
    }),
  );
  // Settings must reach every subcommand, however deep: exit codes and streams are the contract.
  const inherit = (command: Command) => {
    for (const child of command.commands) {
      child.exitOverride().configureOutput({
        writeOut: (text) => context.streams.stdout.write(text),
        writeErr: (text) => context.streams.stderr.write(text),
      });
      child.showSuggestionAfterError();
      inherit(child);
    }
  };
  inherit(program);
  return program;
}

/** Runs one command line (without the node and script arguments) and resolves to its exit code. */
export async function runCli(args: readonly string[], context: CliContext): Promise<number> {
  const isJson = args.includes('--json');
  try {
    await createProgram(context).parseAsync([...args], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end the run successfully; every other commander error is misuse.
      if (error.exitCode === 0) return EXIT_OK;
      if (isJson) writeJsonError(context, 'usage', error.message.replace(/^error: /, ''));
      return EXIT_USAGE;
    }
    // The command has printed its outcome already and only sets the status (e.g. 3: held by a guard).
    if (error instanceof CommandExit) return error.exitCode;
    const code = isRosterError(error) ? error.code : 'internal';
    const message = error instanceof Error ? error.message : String(error);
    if (isJson) writeJsonError(context, code, message);
    context.streams.stderr.write(`roster: ${message}\n`);
    if (!isRosterError(error) && error instanceof Error && error.stack) {
      context.streams.stderr.write(`${error.stack}\n`);
    }
    // A value the user typed that breaks a rule is a usage error, like a malformed option.
    return error instanceof InvalidInputError ? EXIT_USAGE : EXIT_FAILURE;
  }
}

function writeJsonError(context: CliContext, code: string, message: string): void {
  context.streams.stdout.write(`${JSON.stringify({ error: { code, message } }, null, 2)}\n`);
}
