// The entra connector's public surface: the connector, the state service shape it needs, and its settings.
export { entraConnector, entraRateLimits } from './entra-connector.ts';
export { STATE_SERVICE, isConnectorStateService } from './connector-state.ts';
export type { ConnectorStateService, StateEntry } from './connector-state.ts';
export { entraSecretsSchema, entraSettingsSchema } from './settings.ts';
export type { EntraSecrets, EntraSettings, EntraSettingsInput } from './settings.ts';
