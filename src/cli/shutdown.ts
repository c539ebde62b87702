// Graceful shutdown for long-running commands: the first SIGTERM or SIGINT starts an orderly stop,
// a second one, or a stop that hangs, ends the process at once.
import type { Logger } from 'pino';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** How long an orderly stop may take before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 15_000;

/** Resolves with the first shutdown signal received. */
export function waitForShutdownSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const s of SHUTDOWN_SIGNALS) process.removeListener(s, onSignal);
      logger.info({ signal }, 'shutting down; send the signal again to stop at once');
      for (const s of SHUTDOWN_SIGNALS) {
        process.once(s, () => {
          logger.warn({ signal: s }, 'stopping at once');
          process.exit(1);
        });
      }
      setTimeout(() => {
        logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long; stopping at once');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
      resolve(signal);
    };
    for (const s of SHUTDOWN_SIGNALS) process.on(s, onSignal);
  });
}
