// The tasks the Personio gateway opens for what Personio's API cannot do, and the part of the task
// repository it uses: login access, roles, email changes, access revocation, ignored values and
// writes Personio refused after the identity provider already had its answer.
export type ProvisioningTaskKind =
  | 'grant_login'
  | 'revoke_login'
  | 'grant_role'
  | 'revoke_role'
  | 'change_email'
  | 'review_warning'
  | 'apply_failed'
  | 'revoke_access';

export interface ProvisioningTaskInput {
  readonly connectionId: string;
  readonly kind: ProvisioningTaskKind;
  readonly title: string;
  readonly checklist: readonly string[];
  readonly accountId?: string | null;
  readonly personId?: string | null;
  readonly dedupeKey: string;
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
  readonly expectation?: { readonly attribute: string; readonly value: string | boolean | null } | null;
  readonly actor: string;
}

export interface ProvisioningTaskView {
  readonly id: string;
  readonly kind: string;
  readonly state: string;
  readonly accountId: string | null;
  readonly personId: string | null;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
  readonly expectation: { readonly attribute: string; readonly value: string | boolean | null } | null;
}

/** The slice of the task repository the gateway needs (`store.tasks` satisfies it). */
export interface ProvisioningTasks {
  open(task: ProvisioningTaskInput): Promise<{ readonly id: string }>;
  list(filter: {
    readonly connectionId?: string;
    readonly state?: 'open' | 'done' | 'cancelled';
    readonly accountId?: string;
    readonly limit?: number;
    readonly cursor?: string;
  }): Promise<{ readonly tasks: readonly ProvisioningTaskView[]; readonly nextCursor: string | null }>;
  /** Resolves to how many open tasks with that key were cancelled (0 or 1). */
  cancelSuperseded(connectionId: string, dedupeKey: string, reason: string): Promise<number>;
  closeVerified(id: string, observed: string): Promise<unknown>;
}

/** Who a task is about, for titles: the user's userName and, once linked, the Personio employee id. */
export interface TaskSubject {
  readonly resourceId: string;
  readonly userName: string;
  readonly employeeId: string | null;
}

// Titles are one line of at most 200 characters: long names are shortened, never refused.
const short = (text: string, max = 60): string => {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const profile = (s: TaskSubject): string =>
  s.employeeId === null
    ? `the Personio profile of ${short(s.userName)}`
    : `Personio employee ${s.employeeId} (${short(s.userName)})`;

const details = (s: TaskSubject, extra: Record<string, string | number | boolean | null> = {}) => ({
  userName: short(s.userName, 300),
  employeeId: s.employeeId,
  ...extra,
});

export const dedupeKeys = {
  grantLogin: (resourceId: string) => `grant-login:${resourceId}`,
  revokeLogin: (resourceId: string) => `revoke-login:${resourceId}`,
  grantRole: (groupId: string, resourceId: string) => `grant-role:${groupId}:${resourceId}`,
  revokeRole: (groupId: string, resourceId: string) => `revoke-role:${groupId}:${resourceId}`,
  changeEmail: (resourceId: string) => `change-email:${resourceId}`,
  revokeAccess: (resourceId: string) => `revoke-access:${resourceId}`,
  warning: (rowId: string) => `warning:${rowId}`,
  applyFailed: (rowId: string) => `apply-failed:${rowId}`,
} as const;

type Base = Pick<ProvisioningTaskInput, 'connectionId' | 'actor'>;

export function grantLoginTask(base: Base, s: TaskSubject): ProvisioningTaskInput {
  return {
    ...base,
    kind: 'grant_login',
    title: `Give ${short(s.userName)} login access to Personio`,
    checklist: [
      `Open ${profile(s)} in Personio`,
      'Grant login access (send the invitation) and the access rights the role needs',
      'Mark this task done with a note of what you granted',
    ],
    accountId: s.resourceId,
    personId: s.employeeId,
    dedupeKey: dedupeKeys.grantLogin(s.resourceId),
    details: details(s, { reason: "Personio's API cannot grant login access" }),
  };
}

export function revokeLoginTask(base: Base, s: TaskSubject): ProvisioningTaskInput {
  return {
    ...base,
    kind: 'revoke_login',
    title: `Remove ${short(s.userName)}'s login access to Personio`,
    checklist: [
      `Open ${profile(s)} in Personio`,
      'Remove login access; leave the employment status alone (it is an HR decision with payroll effects)',
      'Mark this task done',
    ],
    accountId: s.resourceId,
    personId: s.employeeId,
    dedupeKey: dedupeKeys.revokeLogin(s.resourceId),
    details: details(s, {
      reason: "the identity provider deactivated the user; Personio's API cannot remove login access",
    }),
  };
}

export function grantRoleTask(
  base: Base,
  s: TaskSubject,
  groupId: string,
  group: string,
  role: string,
): ProvisioningTaskInput {
  return {
    ...base,
    kind: 'grant_role',
    title: `Give ${short(s.userName)} the Personio role "${short(role)}"`,
    checklist: [
      `Open ${profile(s)} in Personio`,
      `Assign the role "${short(role)}" (from the group "${short(group)}")`,
      'Mark this task done',
    ],
    accountId: s.resourceId,
    personId: s.employeeId,
    dedupeKey: dedupeKeys.grantRole(groupId, s.resourceId),
    details: details(s, { role, group, reason: "Personio's API cannot assign roles" }),
  };
}

export function revokeRoleTask(
  base: Base,
  s: TaskSubject,
  groupId: string,
  group: string,
  role: string,
): ProvisioningTaskInput {
  return {
    ...base,
    kind: 'revoke_role',
    title: `Remove the Personio role "${short(role)}" from ${short(s.userName)}`,
    checklist: [
      `Open ${profile(s)} in Personio`,
      `Remove the role "${short(role)}" (membership of "${short(group)}" ended)`,
      'Mark this task done',
    ],
    accountId: s.resourceId,
    personId: s.employeeId,
    dedupeKey: dedupeKeys.revokeRole(groupId, s.resourceId),
    details: details(s, { role, group, reason: "Personio's API cannot remove roles" }),
  };
}

export function changeEmailTask(
  base: Base,
  s: TaskSubject,
  from: string | null,
  to: string,
): ProvisioningTaskInput {
  return {
    ...base,
    kind: 'change_email',
    title: `Change ${short(s.userName)}'s work email in Personio to ${short(to)}`,
    checklist: [
      `Open ${profile(s)} in Personio`,
      `Change the work email${from ? ` from ${from}` : ''} to ${to}`,
      'Roster closes this task when Personio shows the new email',
    ],
    accountId: s.resourceId,
    personId: s.employeeId,
    dedupeKey: dedupeKeys.changeEmail(s.resourceId),
    details: details(s, { from, to, reason: "Personio's API cannot change an employee's email" }),
    expectation: { attribute: 'email', value: to },
  };
}

export function revokeAccessTask(base: Base, s: TaskSubject): ProvisioningTaskInput {
  return {
    ...base,
    kind: 'revoke_access',
    title: `Remove ${short(s.userName)}'s access to Personio`,
    checklist: [
      `Open ${profile(s)} in Personio`,
      'Remove login access, roles and access rights',
      'Do not delete the employee: the HR record stays (Roster only unlinked it)',
      'Mark this task done',
    ],
    accountId: s.resourceId,
    personId: s.employeeId,
    dedupeKey: dedupeKeys.revokeAccess(s.resourceId),
    details: details(s, { reason: 'the identity provider deleted the user' }),
  };
}

export function warningTask(
  base: Base,
  s: TaskSubject,
  rowId: string,
  warnings: readonly string[],
): ProvisioningTaskInput {
  return {
    ...base,
    kind: 'review_warning',
    title: `Personio ignored part of a change to ${short(s.userName)}`,
    checklist: [
      ...warnings.slice(0, 10).map((w) => `Personio said: ${short(w, 400)}`),
      `Fix the value in Personio or in the identity provider (e.g. create the missing department), then mark this task done`,
    ],
    accountId: s.resourceId,
    personId: s.employeeId,
    dedupeKey: dedupeKeys.warning(rowId),
    details: details(s, { warnings: warnings.length }),
  };
}

export function applyFailedTask(
  base: Base,
  s: TaskSubject,
  rowId: string,
  operation: string,
  error: string,
): ProvisioningTaskInput {
  return {
    ...base,
    kind: 'apply_failed',
    title: `Personio refused a ${operation} of ${short(s.userName)}`,
    checklist: [
      `Personio said: ${short(error, 400)}`,
      'Correct the user in the identity provider (it pushes again) or in Personio',
      'Mark this task done',
    ],
    accountId: s.resourceId,
    personId: s.employeeId,
    dedupeKey: dedupeKeys.applyFailed(rowId),
    details: details(s, { operation, outboxId: rowId }),
  };
}
