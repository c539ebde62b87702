// The process logger: JSON lines on stderr (stdout belongs to command output), with credentials
// and secrets redacted wherever they appear in a logged object.
import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks out before a line is written. */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  'secret',
  'secrets',
  'password',
  'clientSecret',
  'secretKey',
  '*.authorization',
  '*.token',
  '*.secret',
  '*.secrets',
  '*.password',
  '*.clientSecret',
  '*.secretKey',
];

export interface LoggerOptions {
  readonly level: string;
  /** Defaults to stderr. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'roster' },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
