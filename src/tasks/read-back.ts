// Read-backs per connection app: how the CLI and the admin API find a way to read the app and check
// a task's expectation before a person's completion is accepted. Apps register in READ_BACKS.
import type { Connection, ConnectionApp } from '../core/connection.ts';
import type { ReadBack } from './task.ts';

/** What a read-back needs to reach the app: the connection and, on demand, its opened secrets. */
export interface ReadBackContext {
  readonly connection: Connection;
  readSecrets(): Promise<Readonly<Record<string, unknown>> | null>;
}

/** Builds the read-back of one connection; called once per completion, only for tasks with an expectation. */
export type ReadBackFactory = (context: ReadBackContext) => Promise<ReadBack>;

/** Read-back factories by app; an app without one cannot have tasks with an expectation completed by hand. */
export type ReadBackResolvers = Readonly<Partial<Record<ConnectionApp, ReadBackFactory>>>;

/**
 * The read-back of `connection`, or undefined when its app has none (then completing a task with an
 * expectation fails with `task_read_back_unavailable`, and only a verified read closes it).
 */
export async function resolveReadBack(
  resolvers: ReadBackResolvers,
  context: ReadBackContext,
): Promise<ReadBack | undefined> {
  const factory = resolvers[context.connection.app];
  return factory === undefined ? undefined : factory(context);
}
