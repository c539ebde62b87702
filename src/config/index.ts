// Configuration: the one reader of the environment.
export { loadConfig, urlHost } from './config.ts';
export type { Config, ScimLimitsConfig } from './config.ts';
export { ENVIRONMENT_VARIABLES } from './environment-variables.ts';
export type { EnvironmentVariable } from './environment-variables.ts';
export { LOG_LEVELS } from './log-levels.ts';
export type { LogLevel } from './log-levels.ts';
