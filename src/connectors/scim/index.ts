// The SCIM connector's public surface: the connector, its settings, and the SCIM client and User
// mapping it is built from (the directory connector shares the mapping).
export { SCIM_BUCKET, scimConnector, scimRateLimits } from './scim-connector.ts';
export { SCIM_AUTHENTICATIONS, scimSecretsSchema, scimSettingsSchema } from './settings.ts';
export type { ScimAuthentication, ScimSecrets, ScimSettings, ScimSettingsInput } from './settings.ts';
export {
  BASELINE_FEATURES,
  SCIM_ENDPOINTS,
  ScimClient,
  bearerAuth,
  classifyScimError,
  describeScimError,
} from './scim-client.ts';
export type {
  ListPage,
  ListRequest,
  PatchOperationBody,
  ScimClientOptions,
  ScimEndpoint,
  ScimFeatures,
  VersionedResource,
} from './scim-client.ts';
export { accountFromUser, patchOperationsFor, userForCreate } from './scim-account.ts';
export type { ScimPatchOperation, ScimUser } from './scim-account.ts';
