// The HTTP surface: the application, SCIM bearer authentication and the process logger.
export { buildApp } from './app.ts';
export type { AppDependencies } from './app.ts';
export { createAuthenticator } from './auth.ts';
export type { Authenticate } from './auth.ts';
export { MAX_JSON_DEPTH, jsonDepth } from './json-body.ts';
export { REDACTED_PATHS, createLogger } from './logger.ts';
export type { LoggerOptions } from './logger.ts';
