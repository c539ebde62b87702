// v2 resource shapes (persons, employments, legal entities) and their opaque cursors: ids only for
// related objects, plain dates, UTC timestamps, and the quirks of Personio's own examples.
import type { Company, Employee, LegalEntity } from './company.ts';
import { formatV2Timestamp } from './personio-time.ts';

export interface V2Context {
  company: Company;
  hidden: ReadonlySet<string>;
  baseUrl: string;
}

/** v2 custom attribute types, written in lower case as Personio's examples do (the schema says upper). */
const V2_CUSTOM_TYPES: Record<string, string> = {
  standard: 'string',
  multiline: 'string',
  link: 'string',
  list: 'string',
  date: 'date',
  integer: 'int',
  decimal: 'double',
  tags: 'string_list',
};

/** Person status: ACTIVE when the (latest) employment is active, on leave or onboarding. */
export function personStatus(employee: Employee): 'ACTIVE' | 'INACTIVE' {
  return employee.status === 'inactive' ? 'INACTIVE' : 'ACTIVE';
}

export function renderPerson(employee: Employee, context: V2Context): Record<string, unknown> {
  const visible = (key: string): boolean => !context.hidden.has(key);
  const person: Record<string, unknown> = { id: String(employee.id) };
  if (visible('email')) person.email = employee.email;
  person.created_at = formatV2Timestamp(employee.createdAt);
  person.updated_at = formatV2Timestamp(employee.personUpdatedAt);
  if (visible('first_name')) person.first_name = employee.firstName;
  if (visible('last_name')) person.last_name = employee.lastName;
  if (visible('preferred_name')) person.preferred_name = employee.preferredName;
  if (visible('gender'))
    person.gender = employee.gender === null ? 'UNSPECIFIED' : employee.gender.toUpperCase();
  if (visible('profile_picture') && employee.hasProfilePicture) {
    person.profile_picture = {
      url: `${context.baseUrl}/v1/company/employees/${employee.id}/profile-picture`,
    };
  }
  if (visible('status')) person.status = personStatus(employee);
  person.custom_attributes = context.company.customAttributes
    .filter((definition) => visible(definition.key))
    .map((definition) => {
      // The schema allows a string or a list, never null: an empty attribute is "" (or [] for tags).
      const raw = employee.custom[definition.key] ?? '';
      const value = definition.type === 'tags' ? raw.split(',').filter((v) => v !== '') : raw;
      return {
        id: definition.key,
        type: V2_CUSTOM_TYPES[definition.type] ?? 'string',
        value,
        global_id: definition.globalId,
        label: definition.label,
      };
    });
  person.employments = [{ id: employee.employmentId }];
  person._meta = {
    links: { employments: { href: `${context.baseUrl}/v2/persons/${employee.id}/employments` } },
  };
  return person;
}

export function renderEmployment(employee: Employee, context: V2Context): Record<string, unknown> {
  const visible = (key: string): boolean => !context.hidden.has(key);
  const out: Record<string, unknown> = { id: employee.employmentId };
  if (visible('position')) out.position = { title: employee.position };
  if (visible('status')) out.status = employee.status.toUpperCase();
  if (visible('weekly_working_hours')) {
    out.weekly_working_hours = employee.weeklyWorkingHours;
    out.full_time_weekly_working_hours = 40;
  }
  if (visible('probation_period_end')) out.probation_end_date = employee.probationPeriodEnd;
  if (visible('hire_date')) out.employment_start_date = employee.hireDate;
  if (visible('termination_date')) out.employment_end_date = employee.terminationDate;
  if (visible('employment_type')) out.type = employee.employmentType.toUpperCase();
  if (visible('contract_end_date')) out.contract_end_date = employee.contractEndDate;
  out.created_at = formatV2Timestamp(employee.createdAt);
  out.updated_at = formatV2Timestamp(employee.employmentUpdatedAt);
  if (visible('supervisor') && employee.supervisorId !== null)
    out.supervisor = { id: String(employee.supervisorId) };
  if (visible('office') && employee.officeId !== null) out.office = { id: String(employee.officeId) };
  const orgUnits: { type: string; id: string }[] = [];
  if (visible('team') && employee.teamId !== null)
    orgUnits.push({ type: 'team', id: String(employee.teamId) });
  if (visible('department') && employee.departmentId !== null) {
    orgUnits.push({ type: 'department', id: String(employee.departmentId) });
  }
  out.org_units = orgUnits;
  out.person = { id: String(employee.id) };
  if (visible('cost_centers'))
    out.cost_centers = employee.costCenters.map((c) => ({ id: String(c.id), weight: c.percentage }));
  if (visible('subcompany') && employee.subcompanyId !== null) {
    out.legal_entity = { id: String(employee.subcompanyId) };
    out.sub_company = { id: String(employee.subcompanyId) };
  }
  if (visible('termination_date') && employee.terminationDate !== null) {
    // Personio's examples write `last_working_date` where the schema says `last_working_day`;
    // the emulator follows the examples, so clients must read both.
    out.termination = {
      termination_date: employee.terminationDate,
      last_working_date: employee.lastWorkingDay,
      terminated_at: employee.terminatedAt,
      type: v2TerminationType(employee.terminationType),
      reason: employee.terminationReason,
    };
  }
  const links: Record<string, { href: string }> = {
    person: { href: `${context.baseUrl}/v2/persons/${employee.id}` },
  };
  if (employee.supervisorId !== null && visible('supervisor')) {
    links.supervisor = { href: `${context.baseUrl}/v2/persons/${employee.supervisorId}` };
  }
  out._meta = { links };
  return out;
}

const TERMINATION_TYPES: Record<string, string> = {
  'Resignation by employee': 'EMPLOYEE',
  'Dismissal by employer': 'FIRED',
  'Mutual agreement': 'AGREEMENT',
  'End of fixed-term contract': 'CONTRACT_EXPIRED',
  Retirement: 'RETIREMENT',
  'Change of legal entity': 'SUB_COMPANY_SWITCH',
};

function v2TerminationType(v1Type: string): string {
  return TERMINATION_TYPES[v1Type] ?? 'UNSPECIFIED';
}

export function renderLegalEntity(entity: LegalEntity, context: V2Context): Record<string, unknown> {
  return {
    id: String(entity.id),
    name: entity.name,
    country: entity.country,
    created_at: formatV2Timestamp(entity.createdAt),
    updated_at: formatV2Timestamp(entity.updatedAt),
    _meta: { links: { self: { href: `${context.baseUrl}/v2/legal-entities/${entity.id}` } } },
  };
}

/** Opaque `cur_…` cursors; they carry the position only, never the filters. */
export function encodeCursor(position: number): string {
  return `cur_${Buffer.from(JSON.stringify({ p: position })).toString('base64url')}`;
}

export function decodeCursor(cursor: string): number | null {
  if (!cursor.startsWith('cur_')) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor.slice(4), 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'p' in parsed && Number.isInteger(parsed.p)) {
      return parsed.p as number;
    }
  } catch {
    return null;
  }
  return null;
}
