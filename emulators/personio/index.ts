// Public entry of the Personio emulator: start it on a port, get its URL, close it.
// Everything else in this folder is internal.
import type { PersonioEmulatorOptions } from './options.ts';

export type { PersonioEmulatorOptions } from './options.ts';

/** A running emulator. `url` has no trailing slash; `close()` also releases hung requests. */
export interface PersonioEmulator {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a Personio API emulator (v1, v2, webhooks and the `/_emulator` control API). */
export async function startPersonioEmulator(options: PersonioEmulatorOptions = {}): Promise<PersonioEmulator> {
  void options;
  throw new Error('the Personio emulator is not implemented yet');
}
