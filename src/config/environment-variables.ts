// The documented environment variables with their defaults: what `roster serve --help` prints and
// what the README's configuration table is checked against. No parsing here; see config.ts.
import { LOG_LEVELS } from './log-levels.ts';

const MIB = 1024 * 1024;

/** One documented environment variable: the README's configuration table is checked against these. */
export interface EnvironmentVariable {
  readonly name: string;
  readonly defaultValue: string;
  readonly description: string;
}

export const ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = Object.freeze([
  { name: 'PORT', defaultValue: '8080', description: 'TCP port the server listens on.' },
  { name: 'HOST', defaultValue: '127.0.0.1', description: 'Address the server binds to.' },
  {
    name: 'ROSTER_DATA_DIR',
    defaultValue: './data',
    description: 'Directory for the SQLite database (roster.db) and the generated key file.',
  },
  {
    name: 'DATABASE_URL',
    defaultValue: 'unset (SQLite)',
    description: 'A postgres:// or postgresql:// URL switches storage to PostgreSQL.',
  },
  {
    name: 'ROSTER_PUBLIC_URL',
    defaultValue: 'http://HOST:PORT',
    description: 'External base URL used in Location headers and meta.location.',
  },
  {
    name: 'ROSTER_SECRET_KEY',
    defaultValue: 'SQLite: generated key file',
    description:
      '32 bytes, base64. Keys token hashes and encrypts secrets at rest. Required with DATABASE_URL.',
  },
  {
    name: 'ROSTER_RATE_LIMIT_RPS',
    defaultValue: '0',
    description: 'SCIM requests per second per token (429 with Retry-After above it); 0 turns it off.',
  },
  {
    name: 'LOG_LEVEL',
    defaultValue: 'info',
    description: `One of ${LOG_LEVELS.join(', ')}.`,
  },
  {
    name: 'ROSTER_SCIM_MAX_RESULTS',
    defaultValue: '1000',
    description: 'Largest page a SCIM list returns (maxResults).',
  },
  {
    name: 'ROSTER_SCIM_BULK_MAX_OPERATIONS',
    defaultValue: '1000',
    description: 'Most operations in one SCIM Bulk request.',
  },
  {
    name: 'ROSTER_SCIM_BULK_MAX_PAYLOAD_BYTES',
    defaultValue: String(10 * MIB),
    description: 'Largest SCIM Bulk request body in bytes (10 MiB).',
  },
  {
    name: 'ROSTER_MAX_BODY_BYTES',
    defaultValue: String(10 * MIB),
    description: 'Largest request body in bytes (10 MiB); larger bodies answer 413.',
  },
]);
