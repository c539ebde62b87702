// The `roster` command line.
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, createProgram, runCli } from './run-cli.ts';
export type { CliContext } from './context.ts';
export type { CliStreams } from './output.ts';
