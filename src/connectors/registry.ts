// The connector registry: one line per connector, looked up by the id a connection names. Opening a
// connector through here validates its settings and secrets against the manifest's schemas first.
import type { z } from 'zod';
import type { Connector, ConnectorContext, ConnectorHandle } from './contract.ts';
import { ConnectorError } from './contract.ts';
import { directoryConnector } from './directory/index.ts';
import { entraConnector } from './entra/index.ts';
import { personioConnector } from './personio/index.ts';
import { scimConnector } from './scim/index.ts';

const CONNECTORS: readonly Connector[] = [
  personioConnector,
  directoryConnector,
  scimConnector,
  entraConnector,
];

const byId: ReadonlyMap<string, Connector> = new Map(CONNECTORS.map((c) => [c.manifest.id, c]));

/** Every registered connector, in registration order. */
export function listConnectors(): readonly Connector[] {
  return CONNECTORS;
}

/** The connector with this id, or undefined. */
export function findConnector(id: string): Connector | undefined {
  return byId.get(id);
}

function describeIssues(what: string, error: z.ZodError): string {
  // Paths and messages only: values may be secrets.
  const lines = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return `invalid ${what}: ${lines.join('; ')}`;
}

/**
 * Validates raw settings and secrets with the connector's schemas (listing every problem at once) and
 * opens it. Throws `invalid_request` for bad input and for an unknown connector id.
 */
export function openConnector(
  id: string,
  rawSettings: unknown,
  rawSecrets: unknown,
  context: ConnectorContext,
): ConnectorHandle {
  const connector = byId.get(id);
  if (connector === undefined)
    throw new ConnectorError('invalid_request', `no connector "${id}" is registered`);
  const settings = connector.manifest.settingsSchema.safeParse(rawSettings);
  if (!settings.success)
    throw new ConnectorError('invalid_request', describeIssues(`${id} settings`, settings.error));
  const secrets = connector.manifest.secretsSchema.safeParse(rawSecrets);
  if (!secrets.success)
    throw new ConnectorError('invalid_request', describeIssues(`${id} secrets`, secrets.error));
  return connector.open(settings.data, secrets.data, context);
}
