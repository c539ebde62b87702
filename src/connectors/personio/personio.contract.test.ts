// Personio runs the shared connector contract suite against the Personio emulator.
import { personioConnector } from './personio-connector.ts';
import { CLIENT_ID, CLIENT_SECRET, WEBHOOK_TOKEN, startPersonioHarness } from './testing/emulator-harness.ts';
import type { EmulatorFault } from './testing/emulator-harness.ts';
import { runConnectorContractSuite } from '../testing/contract-suite.ts';
import type { ContractFault, ContractHarness } from '../testing/contract-suite.ts';

const FAULTS: Record<ContractFault, EmulatorFault> = {
  rate_limited: '429',
  unavailable: '503',
  timeout: 'timeout',
  malformed_page: 'malformed-page',
  truncated_page: 'truncated-page',
  empty_listing: 'empty-list',
  expired_token: 'expired-token',
};

let accountNumber = 0;

const harness: ContractHarness = {
  faults: Object.keys(FAULTS) as ContractFault[],
  abilities: ['list_truth', 'change_people', 'remove_people', 'describe_accounts'],
  async start() {
    // 130 profiles over pages of 50: three pages, so cursors and mid-read faults are exercised.
    // A short timeout keeps the timeout-fault test quick; it is still far above an unloaded answer.
    const h = await startPersonioHarness({
      employees: 130,
      settings: { pageSize: 50, requestTimeoutMs: 1_500 },
    });
    const ids = async (): Promise<string[]> => (await h.employees()).map((e) => String(e.id));
    return {
      connector: personioConnector,
      rawSettings: { baseUrl: h.emulator.url, clientId: CLIENT_ID, pageSize: 50, requestTimeoutMs: 1_500 },
      rawSecrets: { clientSecret: CLIENT_SECRET, webhookToken: WEBHOOK_TOKEN },
      handle: h.handle,
      reopen: () => h.open(),
      listPersonIds: ids,
      listAccountIds: ids,
      changePerson: async (id) => {
        await h.change(id, { position: `Position ${Date.now()}` });
      },
      removePerson: (id) => h.remove(id),
      advanceClock: (ms) => h.advance(ms),
      injectFault: (fault, count) => h.fault(FAULTS[fault], count),
      newDesiredAccount: () => {
        accountNumber += 1;
        return {
          email: `contract.person${accountNumber}@nordlicht.example`,
          attributes: { firstName: 'Contract', lastName: `Person ${accountNumber}` },
        };
      },
      accountChange: () => ({ attributes: { position: 'Changed by the contract suite' } }),
      close: () => h.close(),
    };
  },
};

runConnectorContractSuite({ name: 'personio', connector: personioConnector, harness });
