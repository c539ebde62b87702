// Configuration: the one reader of the environment.
export { ENVIRONMENT_VARIABLES, LOG_LEVELS, loadConfig, urlHost } from './config.ts';
export type { Config, EnvironmentVariable, LogLevel, ScimLimitsConfig } from './config.ts';
