// The `directory` connector: Roster's own SCIM directory as a sync target. It never opens the database:
// the host hands it the SCIM repository through the open context (`services.directory`), and it works
// on the Users and Groups of the connection it is opened for.
import type {
  ConnectionCheck,
  ConnectorContext,
  ConnectorHandle,
  Limitation,
  RateLimitDeclaration,
} from '../contract.ts';
import { ConnectorError, defineConnector } from '../contract.ts';
import { DirectoryAccounts } from './directory-accounts.ts';
import { DirectoryGroups } from './directory-groups.ts';
import { DIRECTORY_SERVICE, isDirectoryRepository } from './directory-repository.ts';
import { directorySecretsSchema, directorySettingsSchema } from './settings.ts';
import type { DirectorySecrets, DirectorySettings } from './settings.ts';

const RATE_LIMIT: RateLimitDeclaration = {
  summary:
    "None: the directory is Roster's own database, reached without HTTP; concurrent writes are serialised by row locks.",
  buckets: {},
};

const LIMITATIONS: readonly Limitation[] = [
  {
    capability: 'access.grant',
    reason:
      "Roster's directory holds users and groups only; roles and licences live in the apps it provisions, so grants are made there.",
  },
  {
    capability: 'logins.manage',
    reason:
      "Roster's directory has no logins of its own: users sign in through the identity provider that reads it.",
  },
];

export const directoryConnector = defineConnector<DirectorySettings, DirectorySecrets>({
  manifest: {
    id: 'directory',
    displayName: 'Roster directory',
    authKind: 'none',
    settingsSchema: directorySettingsSchema,
    secretsSchema: directorySecretsSchema,
    capabilities: [
      'accounts.list',
      'accounts.create',
      'accounts.update',
      'accounts.disable',
      'accounts.enable',
      'accounts.delete',
      'groups.list',
      'groups.members',
      'groups.membership_write',
    ],
    limitations: LIMITATIONS,
    rateLimit: RATE_LIMIT,
    docs: 'docs/connectors/directory.md',
  },

  open(settings: DirectorySettings, _secrets: DirectorySecrets, context: ConnectorContext): ConnectorHandle {
    const repository = context.services?.[DIRECTORY_SERVICE];
    if (!isDirectoryRepository(repository)) {
      throw new ConnectorError(
        'invalid_request',
        `the directory connector needs Roster's SCIM repository under services.${DIRECTORY_SERVICE} of its open context (see withDirectoryRepository)`,
      );
    }
    const logger = context.logger.child({ connector: 'directory', connectionId: context.connectionId });
    const options = { repository, connectionId: context.connectionId, pageSize: settings.pageSize, logger };
    const accounts = new DirectoryAccounts(options);
    const groups = new DirectoryGroups(options);
    return {
      accounts,
      groups,
      check: async (): Promise<ConnectionCheck> => {
        const count = await accounts.countAccounts();
        return {
          summary: `Roster directory ${context.connectionId}; ${count} accounts`,
          count,
          warnings: [],
        };
      },
      // The repository is the host's; nothing here to release.
      close: async () => {},
    };
  },
});
