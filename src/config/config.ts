// The environment, read once: one zod schema turns environment variables into a frozen Config and
// reports every invalid variable at once, each with how to fix it.
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../core/errors.ts';
import { LOG_LEVELS, type LogLevel } from './log-levels.ts';

const MIB = 1024 * 1024;

/** Limits the SCIM endpoints advertise in /ServiceProviderConfig and enforce. */
export interface ScimLimitsConfig {
  readonly maxResults: number;
  readonly bulkMaxOperations: number;
  readonly bulkMaxPayloadBytes: number;
  readonly maxBodyBytes: number;
}

/** Everything Roster reads from its environment. Frozen; built only by `loadConfig`. */
export interface Config {
  /** TCP port to listen on; 0 picks a free port (then the public URL follows the bound port). */
  readonly port: number;
  readonly host: string;
  /** External base URL without a trailing slash; used in `Location` and `meta.location`. */
  readonly publicUrl: string;
  /** True when ROSTER_PUBLIC_URL was not set and `publicUrl` was derived from HOST and PORT. */
  readonly isPublicUrlDerived: boolean;
  /** Holds `roster.db` and, on SQLite without ROSTER_SECRET_KEY, the generated `secret.key`. */
  readonly dataDir: string;
  /** The SQLite database file inside `dataDir` (unused on PostgreSQL). */
  readonly sqliteFile: string;
  /** A `postgres://` URL, or null for the embedded SQLite database. */
  readonly databaseUrl: string | null;
  readonly dialect: 'sqlite' | 'postgres';
  /** ROSTER_SECRET_KEY as canonical base64 of exactly 32 bytes, or null when unset. */
  readonly secretKey: string | null;
  /** Requests per second per token on the SCIM endpoints; 0 turns the limit off. */
  readonly rateLimitRps: number;
  readonly logLevel: LogLevel;
  /** Largest accepted request body; larger bodies answer 413. */
  readonly maxBodyBytes: number;
  readonly scimLimits: ScimLimitsConfig;
}

// An empty value counts as unset: container tools often write `NAME=` for "no value".
const optionalText = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z.string().optional(),
);

/** Zod issue messages carry "problem|fix" so loadConfig can present both. */
function issue(problem: string, fix: string): string {
  return `${problem}|${fix}`;
}

function integer(name: string, options: { min: number; max: number; defaultValue: number; unit?: string }) {
  return optionalText.transform((raw, ctx) => {
    if (raw === undefined) return options.defaultValue;
    const text = raw.trim();
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < options.min || value > options.max) {
      ctx.addIssue({
        code: 'custom',
        message: issue(
          `"${raw}" is not an integer from ${options.min} to ${options.max}${options.unit ? ` ${options.unit}` : ''}.`,
          `set ${name} to such an integer, or unset it to use ${options.defaultValue}.`,
        ),
      });
      return z.NEVER;
    }
    return value;
  });
}

const HOST_PATTERN = /^[A-Za-z0-9.\-:%[\]]+$/;

const environmentSchema = z
  .object({
    PORT: integer('PORT', { min: 0, max: 65535, defaultValue: 8080 }),
    HOST: optionalText.transform((raw, ctx) => {
      if (raw === undefined) return '127.0.0.1';
      const host = raw.trim();
      if (!HOST_PATTERN.test(host)) {
        ctx.addIssue({
          code: 'custom',
          message: issue(
            `"${raw}" is not a host name or IP address.`,
            'set HOST to an address such as 127.0.0.1, 0.0.0.0 or ::, or unset it to use 127.0.0.1.',
          ),
        });
        return z.NEVER;
      }
      return host;
    }),
    ROSTER_DATA_DIR: optionalText.transform((raw) => raw ?? './data'),
    DATABASE_URL: optionalText.transform((raw, ctx) => {
      if (raw === undefined) return null;
      // The value may hold a password, so messages never repeat it.
      let url: URL | undefined;
      try {
        url = new URL(raw.trim());
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || url.hostname === '') {
        ctx.addIssue({
          code: 'custom',
          message: issue(
            'is not a postgres:// or postgresql:// URL with a host.',
            'set DATABASE_URL to e.g. postgres://user:password@db.example.com:5432/roster, or unset it to use SQLite in ROSTER_DATA_DIR.',
          ),
        });
        return z.NEVER;
      }
      return raw.trim();
    }),
    ROSTER_PUBLIC_URL: optionalText.transform((raw, ctx) => {
      if (raw === undefined) return null;
      let url: URL | undefined;
      try {
        url = new URL(raw.trim());
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
        ctx.addIssue({
          code: 'custom',
          message: issue(
            `"${raw}" is not an http:// or https:// URL without query or fragment.`,
            'set ROSTER_PUBLIC_URL to the URL clients reach Roster at, e.g. https://roster.example.com, or unset it.',
          ),
        });
        return z.NEVER;
      }
      return url.href.replace(/\/+$/, '');
    }),
    ROSTER_SECRET_KEY: optionalText.transform((raw, ctx) => {
      if (raw === undefined) return null;
      const text = raw.trim();
      const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
      if (bytes.length !== 32) {
        // Never echo the value: it is a secret even when malformed.
        ctx.addIssue({
          code: 'custom',
          message: issue(
            `is not 32 bytes in base64 (decoded ${bytes.length} bytes).`,
            'generate one with `openssl rand -base64 32` and keep it in your secret store.',
          ),
        });
        return z.NEVER;
      }
      return bytes.toString('base64');
    }),
    ROSTER_RATE_LIMIT_RPS: optionalText.transform((raw, ctx) => {
      if (raw === undefined) return 0;
      const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
      if (!Number.isFinite(value) || value < 0 || value > 1_000_000) {
        ctx.addIssue({
          code: 'custom',
          message: issue(
            `"${raw}" is not a number of requests per second from 0 to 1000000.`,
            'set ROSTER_RATE_LIMIT_RPS to e.g. 50, or 0 (or unset) to turn the limit off.',
          ),
        });
        return z.NEVER;
      }
      return value;
    }),
    LOG_LEVEL: optionalText.transform((raw, ctx): LogLevel => {
      if (raw === undefined) return 'info';
      const level = raw.trim().toLowerCase();
      const known = LOG_LEVELS.find((l) => l === level);
      if (!known) {
        ctx.addIssue({
          code: 'custom',
          message: issue(
            `"${raw}" is not a log level.`,
            `set LOG_LEVEL to one of ${LOG_LEVELS.join(', ')}, or unset it to use info.`,
          ),
        });
        return z.NEVER;
      }
      return known;
    }),
    ROSTER_SCIM_MAX_RESULTS: integer('ROSTER_SCIM_MAX_RESULTS', {
      min: 1,
      max: 100_000,
      defaultValue: 1000,
    }),
    ROSTER_SCIM_BULK_MAX_OPERATIONS: integer('ROSTER_SCIM_BULK_MAX_OPERATIONS', {
      min: 1,
      max: 100_000,
      defaultValue: 1000,
    }),
    ROSTER_SCIM_BULK_MAX_PAYLOAD_BYTES: integer('ROSTER_SCIM_BULK_MAX_PAYLOAD_BYTES', {
      min: 1024,
      max: 1024 * MIB,
      defaultValue: 10 * MIB,
      unit: 'bytes',
    }),
    ROSTER_MAX_BODY_BYTES: integer('ROSTER_MAX_BODY_BYTES', {
      min: 1024,
      max: 1024 * MIB,
      defaultValue: 10 * MIB,
      unit: 'bytes',
    }),
  })
  // Cross-variable rules run even when single variables failed, so every problem is listed at once.
  .refine((env) => !(typeof env.DATABASE_URL === 'string' && env.ROSTER_SECRET_KEY === null), {
    path: ['ROSTER_SECRET_KEY'],
    message: issue(
      'is required when DATABASE_URL is set, so every instance hashes tokens and seals secrets with the same key.',
      'generate one with `openssl rand -base64 32` and give every instance the same value.',
    ),
    when: () => true,
  });

/**
 * Turns an environment into a frozen Config. Pure: it reads only `env` and touches no file, so the
 * SQLite key file is created later, by the store, when the database is opened.
 *
 * @throws ConfigError listing every invalid variable, each with a fix.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.map((i) => {
      const variable = String(i.path[0] ?? 'environment');
      const [problem, fix] = i.message.includes('|')
        ? (i.message.split('|', 2) as [string, string])
        : [i.message, `check ${variable}.`];
      return { variable, problem, fix };
    });
    throw new ConfigError(issues);
  }
  const vars = parsed.data;
  const derivedUrl = `http://${urlHost(vars.HOST)}:${vars.PORT}`;
  const scimLimits: ScimLimitsConfig = Object.freeze({
    maxResults: vars.ROSTER_SCIM_MAX_RESULTS,
    bulkMaxOperations: vars.ROSTER_SCIM_BULK_MAX_OPERATIONS,
    bulkMaxPayloadBytes: vars.ROSTER_SCIM_BULK_MAX_PAYLOAD_BYTES,
    maxBodyBytes: vars.ROSTER_MAX_BODY_BYTES,
  });
  return Object.freeze({
    port: vars.PORT,
    host: vars.HOST,
    publicUrl: vars.ROSTER_PUBLIC_URL ?? derivedUrl,
    isPublicUrlDerived: vars.ROSTER_PUBLIC_URL === null,
    dataDir: vars.ROSTER_DATA_DIR,
    sqliteFile: join(vars.ROSTER_DATA_DIR, 'roster.db'),
    databaseUrl: vars.DATABASE_URL,
    dialect: vars.DATABASE_URL === null ? 'sqlite' : 'postgres',
    secretKey: vars.ROSTER_SECRET_KEY,
    rateLimitRps: vars.ROSTER_RATE_LIMIT_RPS,
    logLevel: vars.LOG_LEVEL,
    maxBodyBytes: vars.ROSTER_MAX_BODY_BYTES,
    scimLimits,
  });
}

/**
 * The host part of a URL for a bind address: a wildcard address is not reachable as a URL, so the
 * loopback address stands in for it; IPv6 literals get brackets.
 */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  if (host.includes(':') && !host.startsWith('[')) return `[${host}]`;
  return host;
}
