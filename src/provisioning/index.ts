// Provisioning into Personio from identity providers: the SCIM write gateway, its outbox worker and
// the import that fills a Personio connection's SCIM view.
export { PersonioGateway } from './personio-gateway.ts';
export type {
  GatewayLogger,
  GatewaySession,
  ImportSummary,
  PersonioGatewayDependencies,
} from './personio-gateway.ts';
export { GatewayStore } from './gateway-store.ts';
export { personioReadBack } from './personio-read-back.ts';
export type { Link, LinkState, OutboxRow, OutboxStatus } from './gateway-store.ts';
export type { ProvisioningTasks } from './provisioning-tasks.ts';
