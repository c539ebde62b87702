// The directory connector's public surface: the connector, how a host hands it the repository, the
// repository shape it needs, and its settings.
export { directoryConnector } from './directory-connector.ts';
export { DIRECTORY_SERVICE, isDirectoryRepository, withDirectoryRepository } from './directory-repository.ts';
export type {
  DirectoryListQuery,
  DirectoryListResult,
  DirectoryMember,
  DirectoryMemberChange,
  DirectoryRepository,
  DirectoryResource,
  DirectoryResourceType,
} from './directory-repository.ts';
export { directorySecretsSchema, directorySettingsSchema } from './settings.ts';
export type { DirectorySecrets, DirectorySettings, DirectorySettingsInput } from './settings.ts';
