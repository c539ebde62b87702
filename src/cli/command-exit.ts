// A command that has already said everything and only needs a particular exit status (e.g.
// `sync run` exits 3 when a guard holds the plan) throws this; runCli turns it into the exit code.

export class CommandExit extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message = `exit ${exitCode}`) {
    super(message);
    this.name = 'CommandExit';
    this.exitCode = exitCode;
  }
}
