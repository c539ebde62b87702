// The entra connector runs the shared connector contract suite against the Entra emulator.
import { runConnectorContractSuite } from '../testing/contract-suite.ts';
import type { ContractHarness } from '../testing/contract-suite.ts';
import { entraConnector } from './entra-connector.ts';
import { desiredAccount, startEntraHarness } from './testing/entra-harness.ts';

const harness: ContractHarness = {
  // Upload and log faults are exercised in entra-connector.test.ts; the suite's fault tests are for HR sources.
  faults: [],
  abilities: ['list_truth', 'describe_accounts'],
  async start() {
    const h = await startEntraHarness({ accounts: 3 });
    return {
      connector: entraConnector,
      rawSettings: h.rawSettings,
      rawSecrets: h.rawSecrets,
      handle: h.handle,
      reopen: () => h.open(),
      listAccountIds: async () => (await h.users()).map((u) => u.employeeId),
      newDesiredAccount: () => desiredAccount(),
      accountChange: () => ({ attributes: { title: 'Changed by the contract suite' } }),
      close: () => h.close(),
    };
  },
};

runConnectorContractSuite({ name: 'entra', connector: entraConnector, harness });
