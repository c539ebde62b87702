#!/usr/bin/env node
// Entry point of the `roster` command: hands the arguments, environment and streams to the CLI.
import { runCli } from '../cli/run-cli.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  streams: { stdout: process.stdout, stderr: process.stderr },
});
