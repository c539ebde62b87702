// The directory connector runs the shared connector contract suite against Roster's own SCIM repository,
// on SQLite and on PostgreSQL.
import { after } from 'node:test';
import { runConnectorContractSuite } from '../testing/contract-suite.ts';
import type { ContractHarness } from '../testing/contract-suite.ts';
import { directoryConnector } from './directory-connector.ts';
import { openDirectoryDatabase, startDirectoryHarness } from './testing/directory-harness.ts';
import type { DirectoryDatabase } from './testing/directory-harness.ts';

let accountNumber = 0;

for (const dialect of ['sqlite', 'postgres'] as const) {
  // One database per dialect; each test gets fresh connections in it.
  let shared: Promise<DirectoryDatabase> | undefined;
  after(async () => {
    await (await shared)?.close();
  });
  const harness: ContractHarness = {
    // No HTTP, so no vendor faults to inject; the fault tests are for HR sources anyway.
    faults: [],
    abilities: ['list_truth', 'describe_accounts'],
    async start() {
      // 7 users over pages of 3: three pages, so cursors are exercised.
      shared ??= openDirectoryDatabase(dialect);
      const h = await startDirectoryHarness({ shared: await shared, users: 7, settings: { pageSize: 3 } });
      return {
        connector: directoryConnector,
        rawSettings: h.settings,
        rawSecrets: {},
        handle: h.handle,
        reopen: () => h.open(),
        listAccountIds: () => h.listUserIds(),
        newDesiredAccount: () => {
          accountNumber += 1;
          const email = `contract.person${accountNumber}@example.com`;
          return {
            email,
            attributes: {
              userName: email,
              'name.givenName': 'Contract',
              'name.familyName': `Person ${accountNumber}`,
              'emails[type eq "work"].value': email,
              'emails[type eq "work"].primary': true,
            },
          };
        },
        accountChange: () => ({ attributes: { title: 'Changed by the contract suite' } }),
        close: () => h.close(),
      };
    },
  };
  runConnectorContractSuite({ name: `directory on ${dialect}`, connector: directoryConnector, harness });
}
