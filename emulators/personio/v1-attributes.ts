// The v1 employee attribute envelope exactly as personio-personnel-data-api-oa3.yaml shows it, and
// the per-credential whitelist: attributes not whitelisted are absent, never null.
import type { Company, Employee, V1AttributeType } from './company.ts';
import { formatV1Date, formatV1Timestamp } from './personio-time.ts';

export interface RenderContext {
  company: Company;
  /** Attribute keys the credential may not read. */
  hidden: ReadonlySet<string>;
  /** Base URL of the emulator, for `profile_picture` links. */
  baseUrl: string;
}

export interface AttributeEnvelope {
  label: string;
  value: unknown;
  type: V1AttributeType;
  universal_id: string | null;
  currency?: string;
}

interface SystemAttribute {
  key: string;
  label: string;
  type: V1AttributeType;
  value: (employee: Employee, context: RenderContext) => unknown;
  /** Salary attributes carry a `currency` sibling. */
  hasCurrency?: boolean;
}

const CURRENCY_BY_COUNTRY: Record<string, string> = { DE: 'EUR', GB: 'GBP', US: 'USD', PL: 'PLN', SG: 'SGD' };

function date(value: string | null): string | null {
  return value === null ? null : formatV1Date(value);
}

function related(type: string, item: { id: number; name: string } | undefined): unknown {
  return item ? { type, attributes: { id: item.id, name: item.name } } : null;
}

/** System attributes in the order Personio's example response lists them. */
export const SYSTEM_ATTRIBUTES: readonly SystemAttribute[] = [
  { key: 'id', label: 'ID', type: 'integer', value: (e) => e.id },
  { key: 'first_name', label: 'First name', type: 'standard', value: (e) => e.firstName },
  { key: 'last_name', label: 'Last name', type: 'standard', value: (e) => e.lastName },
  { key: 'preferred_name', label: 'Name (preferred)', type: 'standard', value: (e) => e.preferredName },
  { key: 'email', label: 'Email', type: 'standard', value: (e) => e.email },
  { key: 'gender', label: 'Gender', type: 'standard', value: (e) => e.gender },
  { key: 'status', label: 'Status', type: 'standard', value: (e) => e.status },
  { key: 'position', label: 'Position', type: 'standard', value: (e) => e.position },
  { key: 'supervisor', label: 'Supervisor', type: 'standard', value: (e, c) => supervisorValue(e, c) },
  { key: 'employment_type', label: 'Employment type', type: 'standard', value: (e) => e.employmentType },
  // A string, not a number ("40"), as in the spec's example.
  {
    key: 'weekly_working_hours',
    label: 'Weekly hours',
    type: 'standard',
    value: (e) => String(e.weeklyWorkingHours),
  },
  { key: 'hire_date', label: 'Hire date', type: 'date', value: (e) => date(e.hireDate) },
  { key: 'contract_end_date', label: 'Contract ends', type: 'date', value: (e) => date(e.contractEndDate) },
  { key: 'termination_date', label: 'Termination date', type: 'date', value: (e) => date(e.terminationDate) },
  { key: 'termination_type', label: 'Termination type', type: 'standard', value: (e) => e.terminationType },
  {
    key: 'termination_reason',
    label: 'Termination reason',
    type: 'standard',
    value: (e) => e.terminationReason,
  },
  {
    key: 'probation_period_end',
    label: 'Probation period end',
    type: 'date',
    value: (e) => date(e.probationPeriodEnd),
  },
  { key: 'created_at', label: 'created_at', type: 'date', value: (e) => formatV1Timestamp(e.createdAt) },
  {
    key: 'last_modified_at',
    label: 'Last modified',
    type: 'date',
    value: (e) => formatV1Timestamp(e.lastModifiedAt),
  },
  {
    key: 'subcompany',
    label: 'Subcompany',
    type: 'standard',
    value: (e, c) =>
      related(
        'Subcompany',
        e.subcompanyId === null ? undefined : c.company.legalEntities.get(e.subcompanyId),
      ),
  },
  {
    key: 'office',
    label: 'Office',
    type: 'standard',
    value: (e, c) => related('Office', e.officeId === null ? undefined : c.company.offices.get(e.officeId)),
  },
  {
    key: 'department',
    label: 'Department',
    type: 'standard',
    value: (e, c) =>
      related('Department', e.departmentId === null ? undefined : c.company.departments.get(e.departmentId)),
  },
  {
    key: 'cost_centers',
    label: 'Cost center',
    type: 'standard',
    value: (e, c) =>
      e.costCenters.map((share) => ({
        type: 'CostCenter',
        attributes: {
          id: share.id,
          name: c.company.costCenters.get(share.id)?.name ?? '',
          percentage: share.percentage,
        },
      })),
  },
  {
    key: 'holiday_calendar',
    label: 'Public holidays',
    type: 'standard',
    value: (e, c) => {
      const calendar =
        e.holidayCalendarId === null ? undefined : c.company.holidayCalendars.get(e.holidayCalendarId);
      return calendar ? { type: 'HolidayCalendar', attributes: { ...calendar } } : null;
    },
  },
  {
    key: 'absence_entitlement',
    label: 'Absence entitlement',
    type: 'standard',
    value: (e, c) =>
      e.absenceEntitlements.map((a) => {
        const kind = c.company.timeOffTypes.get(a.timeOffTypeId);
        return {
          type: 'TimeOffType',
          attributes: {
            id: a.timeOffTypeId,
            name: kind?.name ?? '',
            category: kind?.category ?? '',
            entitlement: a.entitlement,
          },
        };
      }),
  },
  {
    key: 'work_schedule',
    label: 'Work schedule',
    type: 'standard',
    value: (e, c) => {
      const schedule = e.workScheduleId === null ? undefined : c.company.workSchedules.get(e.workScheduleId);
      if (!schedule) return null;
      const d = schedule.daily;
      return {
        type: 'WorkSchedule',
        attributes: {
          id: schedule.id,
          name: schedule.name,
          valid_from: null,
          monday: d,
          tuesday: d,
          wednesday: d,
          thursday: d,
          friday: d,
          saturday: '00:00',
          sunday: '00:00',
        },
      };
    },
  },
  { key: 'fix_salary', label: 'Fix salary', type: 'decimal', value: (e) => e.fixSalary, hasCurrency: true },
  {
    key: 'fix_salary_interval',
    label: 'Salary interval',
    type: 'standard',
    value: (e) => e.fixSalaryInterval,
  },
  {
    key: 'hourly_salary',
    label: 'Hourly salary',
    type: 'decimal',
    value: (e) => e.hourlySalary,
    hasCurrency: true,
  },
  { key: 'last_working_day', label: 'Last day of work', type: 'date', value: (e) => date(e.lastWorkingDay) },
  {
    key: 'profile_picture',
    label: 'Profile Picture',
    type: 'standard',
    value: (e, c) =>
      e.hasProfilePicture ? `${c.baseUrl}/v1/company/employees/${e.id}/profile-picture` : null,
  },
  {
    key: 'team',
    label: 'Team',
    type: 'standard',
    value: (e, c) => related('Team', e.teamId === null ? undefined : c.company.teams.get(e.teamId)),
  },
];

/** Keys of the system attributes (without `dynamic_*`). */
export const SYSTEM_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(SYSTEM_ATTRIBUTES.map((a) => a.key));

/** Attributes the supervisor's nested envelope carries (spec `ShortEmployee`). */
const SUPERVISOR_KEYS = ['id', 'first_name', 'last_name', 'email'];

function supervisorValue(employee: Employee, context: RenderContext): unknown {
  if (employee.supervisorId === null) return null;
  const supervisor = context.company.get(employee.supervisorId);
  if (!supervisor) return null;
  return renderEmployee(supervisor, context, new Set(SUPERVISOR_KEYS), false);
}

function currencyOf(employee: Employee, context: RenderContext): string {
  const entity =
    employee.subcompanyId === null ? undefined : context.company.legalEntities.get(employee.subcompanyId);
  return CURRENCY_BY_COUNTRY[entity?.country ?? 'DE'] ?? 'EUR';
}

/**
 * One employee as `{type: "Employee", attributes}`. `projection` (from `attributes[]`) limits the
 * attributes; `id` is always present. Hidden attributes are left out, never nulled.
 */
export function renderEmployee(
  employee: Employee,
  context: RenderContext,
  projection: ReadonlySet<string> | null,
  withCustom = true,
): { type: 'Employee'; attributes: Record<string, AttributeEnvelope> } {
  const attributes: Record<string, AttributeEnvelope> = {};
  const wanted = (key: string): boolean =>
    !context.hidden.has(key) && (key === 'id' || projection === null || projection.has(key));
  for (const attribute of SYSTEM_ATTRIBUTES) {
    if (!wanted(attribute.key)) continue;
    const envelope: AttributeEnvelope = {
      label: attribute.label,
      value: attribute.value(employee, context),
      type: attribute.type,
      universal_id: attribute.key,
    };
    if (attribute.hasCurrency) envelope.currency = currencyOf(employee, context);
    attributes[attribute.key] = envelope;
  }
  if (withCustom) {
    for (const definition of context.company.customAttributes) {
      if (!wanted(definition.key)) continue;
      const raw = employee.custom[definition.key] ?? null;
      let value: unknown = raw;
      if (raw !== null && definition.type === 'date' && definition.dateStyle === 'berlin-midnight') {
        value = formatV1Date(raw);
      }
      // Custom attributes list `universal_id` before `type`, as in the spec's example.
      attributes[definition.key] = {
        label: definition.label,
        value,
        universal_id: definition.universalId,
        type: definition.type,
      };
    }
  }
  return { type: 'Employee', attributes };
}

/** `GET /company/employees/attributes`: what this credential may read, with list/tags options. */
export function listReadableAttributes(
  context: RenderContext,
): { key: string; label: string; type: V1AttributeType; universal_id: string | null; options: string[] }[] {
  const out: {
    key: string;
    label: string;
    type: V1AttributeType;
    universal_id: string | null;
    options: string[];
  }[] = [];
  for (const attribute of SYSTEM_ATTRIBUTES) {
    if (attribute.key === 'id' || context.hidden.has(attribute.key)) continue;
    out.push({
      key: attribute.key,
      label: attribute.label,
      type: attribute.type,
      universal_id: attribute.key,
      options: [],
    });
  }
  for (const definition of context.company.customAttributes) {
    if (context.hidden.has(definition.key)) continue;
    out.push({
      key: definition.key,
      label: definition.label,
      type: definition.type,
      universal_id: definition.universalId,
      options: [...definition.options],
    });
  }
  return out;
}

/** All attribute keys the credential may read (system and custom). */
export function readableAttributeKeys(context: RenderContext): Set<string> {
  const keys = new Set<string>();
  for (const attribute of SYSTEM_ATTRIBUTES) if (!context.hidden.has(attribute.key)) keys.add(attribute.key);
  for (const definition of context.company.customAttributes) {
    if (!context.hidden.has(definition.key)) keys.add(definition.key);
  }
  return keys;
}
