// The Personio connector's public surface: the connector object and the types and constants its
// settings and docs refer to.
export { PERSONIO_RATE_LIMITS, personioConnector } from './personio-connector.ts';
export {
  NEVER_REQUESTED_ATTRIBUTES,
  PERSON_FIELDS,
  PERSON_FIELD_ATTRIBUTES,
  SENSITIVE_ATTRIBUTES,
  personioSecretsSchema,
  personioSettingsSchema,
  requestedAttributes,
} from './settings.ts';
export type { PersonField, PersonioSecrets, PersonioSettings, PersonioSettingsInput } from './settings.ts';
