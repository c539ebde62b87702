// The emulated tenant behind the provisioning app: the users the job provisioned, the provisioning
// log, and the processing of accepted uploads. Entra decides create, update, enable or disable itself:
// each record is matched on externalId (the default matching attribute, mapped to employeeId), and
// `active: false` disables. Records with bad data become `failure` log entries, never request errors.
import { randomUUID } from 'node:crypto';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** A user as the emulated Entra ID holds it: the Graph user properties the default mapping writes. */
export interface EntraUser {
  id: string;
  employeeId: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  department: string | null;
  companyName: string | null;
  employeeOrgData: { costCenter: string | null; division: string | null };
  /** Object id of the manager, resolved from the manager's externalId. */
  managerId: string | null;
  accountEnabled: boolean;
  createdDateTime: string;
  lastModifiedDateTime: string;
}

export const PROVISIONING_ACTIONS = [
  'create',
  'update',
  'disable',
  'delete',
  'stagedDelete',
  'other',
] as const;
export type ProvisioningAction = (typeof PROVISIONING_ACTIONS)[number];
export type ProvisioningStatus = 'success' | 'failure' | 'skipped' | 'warning';

/** provisioningObjectSummary (Graph v1.0), with the properties the emulator fills. */
export interface ProvisioningObjectSummary {
  id: string;
  activityDateTime: string;
  tenantId: string;
  jobId: string;
  cycleId: string;
  changeId: string;
  durationInMilliseconds: number;
  provisioningAction: ProvisioningAction;
  provisioningStatusInfo: {
    status: ProvisioningStatus;
    errorInformation: {
      errorCode: string;
      errorCategory: string;
      reason: string;
      additionalDetails: string | null;
      recommendedAction: string | null;
    } | null;
  };
  provisioningSteps: { name: string; provisioningStepType: string; status: string; description: string }[];
  modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
  servicePrincipal: { id: string; displayName: string };
  initiatedBy: { id: string; displayName: string; initiatorType: 'application' };
  sourceIdentity: { id: string; displayName: string; identityType: string; details: Record<string, string> };
  sourceSystem: { id: string; displayName: string; details: Record<string, string> };
  targetIdentity: { id: string; displayName: string; identityType: string; details: Record<string, string> };
  targetSystem: { id: string; displayName: string; details: Record<string, string> };
}

/** One accepted bulkUpload, waiting to be processed. */
export interface AcceptedUpload {
  readonly cycleId: string;
  readonly acceptedAt: Date;
  readonly operations: readonly { bulkId: string; data: Record<string, unknown> }[];
}

export interface TenantOptions {
  readonly tenantId: string;
  readonly servicePrincipalId: string;
  readonly jobId: string;
  readonly clientId: string;
  readonly now: () => Date;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function objectAt(value: unknown, key: string): Record<string, unknown> | null {
  if (typeof value !== 'object' || value === null) return null;
  const inner = (value as Record<string, unknown>)[key];
  return typeof inner === 'object' && inner !== null && !Array.isArray(inner)
    ? (inner as Record<string, unknown>)
    : null;
}

function workEmailOf(data: Record<string, unknown>): string | null {
  const emails = data['emails'];
  if (!Array.isArray(emails)) return null;
  const entries = emails.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
  const chosen =
    entries.find((e) => e['primary'] === true) ??
    entries.find((e) => typeof e['type'] === 'string' && e['type'].toLowerCase() === 'work');
  return chosen ? text(chosen['value']) : null;
}

/** What the default attribute mapping of an API-driven provisioning app writes, from one SCIM record. */
interface MappedRecord {
  employeeId: string | null;
  userPrincipalName: string | null;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  department: string | null;
  companyName: string | null;
  costCenter: string | null;
  division: string | null;
  managerExternalId: string | null;
  accountEnabled: boolean;
}

function mapRecord(data: Record<string, unknown>): MappedRecord {
  const name = objectAt(data, 'name');
  const enterprise = objectAt(data, ENTERPRISE_USER) ?? {};
  const manager = enterprise['manager'];
  const managerExternalId =
    typeof manager === 'string'
      ? text(manager)
      : typeof manager === 'object' && manager !== null
        ? text((manager as Record<string, unknown>)['value'])
        : null;
  return {
    employeeId: text(data['externalId']),
    userPrincipalName: text(data['userName']),
    displayName: text(data['displayName']),
    givenName: text(name?.['givenName']),
    surname: text(name?.['familyName']),
    mail: workEmailOf(data),
    jobTitle: text(data['title']),
    department: text(enterprise['department']),
    companyName: text(enterprise['organization']),
    costCenter: text(enterprise['costCenter']),
    division: text(enterprise['division']),
    managerExternalId,
    // The default mapping: Switch([active], , "False", "True") — anything but false enables.
    accountEnabled: data['active'] !== false,
  };
}

const UPN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

type Outcome =
  | {
      status: 'failure';
      action: ProvisioningAction;
      errorCode: string;
      reason: string;
      user: EntraUser | null;
    }
  | {
      status: 'success' | 'skipped' | 'warning';
      action: ProvisioningAction;
      user: EntraUser;
      modified: ProvisioningObjectSummary['modifiedProperties'];
      errorCode?: string;
      reason?: string;
    };

export class EntraTenant {
  readonly #options: TenantOptions;
  #users = new Map<string, EntraUser>();
  #logs: ProvisioningObjectSummary[] = [];
  #pending: AcceptedUpload[] = [];
  #timers = new Set<NodeJS.Timeout>();
  /** While paused, uploads are accepted but not processed (a paused provisioning job). */
  paused = false;

  constructor(options: TenantOptions) {
    this.#options = options;
  }

  get users(): readonly EntraUser[] {
    return [...this.#users.values()];
  }

  get logs(): readonly ProvisioningObjectSummary[] {
    return this.#logs;
  }

  get pendingUploads(): number {
    return this.#pending.length;
  }

  reset(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#users.clear();
    this.#logs = [];
    this.#pending = [];
    this.paused = false;
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Queues an accepted upload and processes it after `delayMs` (unless the job is paused then). */
  accept(upload: AcceptedUpload, delayMs: number): void {
    this.#pending.push(upload);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.paused) this.processPending();
    }, delayMs);
    this.#timers.add(timer);
  }

  /** Processes every queued upload now, in the order accepted; returns how many records it processed. */
  processPending(): number {
    const uploads = this.#pending;
    this.#pending = [];
    let records = 0;
    for (const upload of uploads) {
      for (const operation of upload.operations) {
        this.#processRecord(upload, operation);
        records += 1;
      }
    }
    return records;
  }

  /** Adds a user directly (one that existed before the provisioning app, e.g. created by hand). */
  seedUser(
    user: Partial<EntraUser> & { employeeId: string; userPrincipalName: string; displayName: string },
  ): EntraUser {
    const now = this.#options.now().toISOString();
    const seeded: EntraUser = {
      id: randomUUID(),
      givenName: null,
      surname: null,
      mail: null,
      jobTitle: null,
      department: null,
      companyName: null,
      employeeOrgData: { costCenter: null, division: null },
      managerId: null,
      accountEnabled: true,
      createdDateTime: now,
      lastModifiedDateTime: now,
      ...user,
    };
    this.#users.set(seeded.id, seeded);
    return seeded;
  }

  #findByEmployeeId(employeeId: string): EntraUser | undefined {
    // Matching is case-sensitive on the value, like the provisioning service's matching filter.
    for (const user of this.#users.values()) if (user.employeeId === employeeId) return user;
    return undefined;
  }

  #decide(data: Record<string, unknown>): Outcome {
    const record = mapRecord(data);
    if (record.employeeId === null) {
      return {
        status: 'failure',
        action: 'other',
        errorCode: 'MissingMatchingAttribute',
        reason:
          'The record has no value for the matching attribute externalId, so it cannot be matched with a user in Microsoft Entra ID.',
        user: null,
      };
    }
    const existing = this.#findByEmployeeId(record.employeeId);
    const upn = record.userPrincipalName ?? existing?.userPrincipalName ?? null;
    const displayName = record.displayName ?? existing?.displayName ?? null;
    if (upn === null || displayName === null) {
      return {
        status: 'failure',
        action: existing ? 'update' : 'create',
        errorCode: 'AzureActiveDirectoryRequiredAttributeMissing',
        reason: `A required property is missing: ${upn === null ? 'userPrincipalName (from userName)' : 'displayName'}.`,
        user: existing ?? null,
      };
    }
    if (!UPN.test(upn)) {
      return {
        status: 'failure',
        action: existing ? 'update' : 'create',
        errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName',
        reason: `The userPrincipalName '${upn}' is not a valid user principal name.`,
        user: existing ?? null,
      };
    }
    for (const other of this.#users.values()) {
      if (other !== existing && other.userPrincipalName.toLowerCase() === upn.toLowerCase()) {
        return {
          status: 'failure',
          action: existing ? 'update' : 'create',
          errorCode: 'AzureActiveDirectoryConflictingObjects',
          reason: `Another user already has the userPrincipalName '${upn}'.`,
          user: existing ?? null,
        };
      }
    }
    let managerId: string | null = existing?.managerId ?? null;
    let warning: string | undefined;
    if (record.managerExternalId !== null) {
      const manager = this.#findByEmployeeId(record.managerExternalId);
      if (manager) managerId = manager.id;
      else
        warning = `The manager with externalId '${record.managerExternalId}' is not provisioned yet; the reference is left unset.`;
    }
    const now = this.#options.now().toISOString();
    const next: EntraUser = {
      id: existing?.id ?? randomUUID(),
      employeeId: record.employeeId,
      userPrincipalName: upn,
      displayName,
      givenName: record.givenName ?? existing?.givenName ?? null,
      surname: record.surname ?? existing?.surname ?? null,
      mail: record.mail ?? existing?.mail ?? null,
      jobTitle: record.jobTitle ?? existing?.jobTitle ?? null,
      department: record.department ?? existing?.department ?? null,
      companyName: record.companyName ?? existing?.companyName ?? null,
      employeeOrgData: {
        costCenter: record.costCenter ?? existing?.employeeOrgData.costCenter ?? null,
        division: record.division ?? existing?.employeeOrgData.division ?? null,
      },
      managerId,
      accountEnabled: record.accountEnabled,
      createdDateTime: existing?.createdDateTime ?? now,
      lastModifiedDateTime: now,
    };
    const modified = modifiedProperties(existing, next);
    if (existing && modified.length === 0) {
      return {
        status: 'skipped',
        action: 'other',
        user: existing,
        modified,
        errorCode: 'RedundantExport',
        reason: 'The user in Microsoft Entra ID already has the values in this record; nothing was changed.',
      };
    }
    const action: ProvisioningAction = !existing
      ? 'create'
      : existing.accountEnabled && !next.accountEnabled
        ? 'disable'
        : 'update';
    return {
      status: warning ? 'warning' : 'success',
      action,
      user: next,
      modified,
      ...(warning ? { errorCode: 'UnresolvedReference', reason: warning } : {}),
    };
  }

  #processRecord(upload: AcceptedUpload, operation: { bulkId: string; data: Record<string, unknown> }): void {
    const outcome = this.#decide(operation.data);
    if (outcome.status !== 'failure') this.#users.set(outcome.user.id, outcome.user);
    const externalId = text(operation.data['externalId']) ?? '';
    const sourceName = text(operation.data['displayName']) ?? text(operation.data['userName']) ?? '';
    const opts = this.#options;
    const hasError = outcome.status !== 'success';
    this.#logs.push({
      id: randomUUID(),
      activityDateTime: opts.now().toISOString(),
      tenantId: opts.tenantId,
      jobId: opts.jobId,
      cycleId: upload.cycleId,
      changeId: randomUUID(),
      durationInMilliseconds: 40 + Math.floor(Math.random() * 200),
      provisioningAction: outcome.action,
      provisioningStatusInfo: {
        status: outcome.status,
        errorInformation:
          hasError && outcome.errorCode !== undefined
            ? {
                errorCode: outcome.errorCode,
                errorCategory: outcome.status === 'failure' ? 'NonServiceFailure' : 'Warning',
                reason: outcome.reason ?? '',
                additionalDetails: null,
                recommendedAction: null,
              }
            : null,
      },
      provisioningSteps: [
        {
          name: 'EntryImport',
          provisioningStepType: 'import',
          status: 'success',
          description: `Received the record with externalId '${externalId}' (bulkId ${operation.bulkId}).`,
        },
        {
          name: 'EntryExport',
          provisioningStepType: 'export',
          status: outcome.status,
          description:
            outcome.status === 'failure' ? (outcome.reason ?? '') : `${outcome.action} in Microsoft Entra ID`,
        },
      ],
      modifiedProperties: outcome.status === 'failure' ? [] : outcome.modified,
      servicePrincipal: {
        id: opts.servicePrincipalId,
        displayName: 'API-driven provisioning to Microsoft Entra ID',
      },
      initiatedBy: { id: opts.clientId, displayName: 'API client', initiatorType: 'application' },
      sourceIdentity: { id: externalId, displayName: sourceName, identityType: 'User', details: {} },
      sourceSystem: { id: opts.jobId, displayName: 'API', details: {} },
      targetIdentity: {
        id: outcome.user?.id ?? '',
        displayName: outcome.user?.displayName ?? '',
        identityType: 'User',
        details: {},
      },
      targetSystem: { id: opts.tenantId, displayName: 'Entra ID', details: {} },
    });
  }
}

const COMPARED: readonly Exclude<
  keyof EntraUser,
  'employeeOrgData' | 'createdDateTime' | 'lastModifiedDateTime' | 'id'
>[] = [
  'employeeId',
  'userPrincipalName',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'jobTitle',
  'department',
  'companyName',
  'managerId',
  'accountEnabled',
];

function modifiedProperties(
  before: EntraUser | undefined,
  after: EntraUser,
): ProvisioningObjectSummary['modifiedProperties'] {
  const out: ProvisioningObjectSummary['modifiedProperties'] = [];
  const show = (v: string | boolean | null | undefined): string | null =>
    v === null || v === undefined ? null : String(v);
  for (const key of COMPARED) {
    if (before?.[key] !== after[key])
      out.push({ displayName: key, oldValue: show(before?.[key]), newValue: show(after[key]) });
  }
  for (const key of ['costCenter', 'division'] as const) {
    if (before?.employeeOrgData[key] !== after.employeeOrgData[key]) {
      out.push({
        displayName: `employeeOrgData.${key}`,
        oldValue: show(before?.employeeOrgData[key]),
        newValue: show(after.employeeOrgData[key]),
      });
    }
  }
  return out;
}

export const SCIM_SCHEMAS = { CORE_USER, ENTERPRISE_USER } as const;
