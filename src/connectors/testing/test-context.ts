// Test doubles for a connector's context: a manual clock, a sleep that only moves that clock, a logger
// that keeps its entries for assertions, and a ConnectorContext built from them.
import type { ConnectorContext, ConnectorLogger } from '../contract.ts';
import { createManualClock } from '../../core/testing/manual-clock.ts';
import type { ManualClock } from '../../core/testing/manual-clock.ts';
import { createHttpClientFactory } from '../http/http-client.ts';
import type { HttpClientFactory, Sleep } from '../http/http-client.ts';
import type { HostResolver } from '../http/url-policy.ts';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

export interface MemoryLogger extends ConnectorLogger {
  readonly entries: LogEntry[];
  /** Every entry serialised, for "this secret never appears" assertions. */
  text(): string;
}

export function createMemoryLogger(
  entries: LogEntry[] = [],
  bindings: Readonly<Record<string, unknown>> = {},
): MemoryLogger {
  const log =
    (level: LogEntry['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, fields: { ...bindings, ...fields }, message });
    };
  return {
    entries,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createMemoryLogger(entries, { ...bindings, ...more }),
    text: () => entries.map((e) => JSON.stringify(e, errorReplacer)).join('\n'),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, cause: value.cause };
  return value;
}

export interface RecordingSleep extends Sleep {
  /** Every requested wait, in order. */
  readonly calls: number[];
}

/** A sleep that returns at once and advances `clock` by the requested time. */
export function createRecordingSleep(clock?: ManualClock): RecordingSleep {
  const calls: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    calls.push(ms);
    clock?.advance(ms);
  };
  return Object.assign(sleep, { calls });
}

export interface TestContext {
  readonly context: ConnectorContext;
  readonly clock: ManualClock;
  readonly sleep: RecordingSleep;
  readonly logger: MemoryLogger;
  readonly http: HttpClientFactory;
}

export interface TestContextOptions {
  readonly connectionId?: string;
  readonly clock?: ManualClock;
  /** Jitter draws; default 0.5 so backoffs are half their ceiling. */
  readonly random?: () => number;
  readonly resolve?: HostResolver;
  /** Use real waits (for tests against a rate-limiting server); default: recorded, instant. */
  readonly sleep?: Sleep;
}

export function createTestContext(options: TestContextOptions = {}): TestContext {
  const clock = options.clock ?? createManualClock(new Date('2026-03-02T09:00:00.000Z'));
  const recording = createRecordingSleep(clock);
  const logger = createMemoryLogger();
  const http = createHttpClientFactory({
    clock,
    logger,
    sleep: options.sleep ?? recording,
    random: options.random ?? (() => 0.5),
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
  const context: ConnectorContext = {
    connectionId: options.connectionId ?? 'test-connection',
    clock,
    logger,
    http,
  };
  return { context, clock, sleep: recording, logger, http };
}
