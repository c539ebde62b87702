// The scim connector runs the shared connector contract suite against a second, real Roster SCIM server
// over HTTP.
import { runConnectorContractSuite } from '../testing/contract-suite.ts';
import type { ContractHarness } from '../testing/contract-suite.ts';
import { scimConnector } from './scim-connector.ts';
import { startScimHarness } from './testing/scim-server-harness.ts';

let accountNumber = 0;

const harness: ContractHarness = {
  // Server faults are provoked through a proxy in scim-connector.test.ts; the suite's fault tests are
  // for HR sources.
  faults: [],
  abilities: ['list_truth', 'describe_accounts'],
  async start() {
    // 7 users over pages of 3: three pages, so cursors are exercised.
    const h = await startScimHarness({ users: 7, settings: { pageSize: 3 } });
    return {
      connector: scimConnector,
      rawSettings: h.rawSettings,
      rawSecrets: h.rawSecrets,
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

runConnectorContractSuite({ name: 'scim', connector: scimConnector, harness });
