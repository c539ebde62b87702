// The emulated Personio company: employees (one profile = one employment, as in Personio), org
// objects, the change index behind v1 `updated_since`, Personio's nightly status flips, and the
// domain events webhooks are made from. Pure state: no HTTP here.
import type { EmulatorClock } from './emulator-clock.ts';
import { addDays, utcDateOf, utcMidnightOf } from './personio-time.ts';
import type { SeededRandom } from './seeded-random.ts';

export const EMPLOYEE_STATUSES = ['onboarding', 'active', 'leave', 'inactive'] as const;
export type EmployeeStatus = (typeof EMPLOYEE_STATUSES)[number];

export const GENDERS = ['male', 'female', 'diverse'] as const;
export type Gender = (typeof GENDERS)[number];

export const EMPLOYMENT_TYPES = ['internal', 'external'] as const;
export type EmploymentType = (typeof EMPLOYMENT_TYPES)[number];

/** The v1 attribute `type` values (spec `TypeEnum`). */
export const V1_ATTRIBUTE_TYPES = [
  'standard',
  'date',
  'integer',
  'decimal',
  'list',
  'link',
  'tags',
  'multiline',
] as const;
export type V1AttributeType = (typeof V1_ATTRIBUTE_TYPES)[number];

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

export interface LegalEntity {
  id: number;
  name: string;
  /** ISO 3166 alpha-2. */
  country: string;
  createdAt: number;
  updatedAt: number;
}

export interface Office {
  id: number;
  name: string;
  /**
   * IANA zone. Personio's v1/v2 employee APIs do not expose an office's time zone; the emulator
   * carries it on each employee in the "Time zone" custom attribute and lists it on the control API.
   */
  timeZone: string;
  legalEntityId: number | null;
  /** The public holidays new hires at this office get. */
  holidayCalendarId: number | null;
}

export interface Department {
  id: number;
  name: string;
}

export interface Team {
  id: number;
  name: string;
}

export interface CostCenter {
  id: number;
  name: string;
}

export interface HolidayCalendar {
  id: number;
  name: string;
  country: string;
  state: string | null;
}

export interface WorkSchedule {
  id: number;
  name: string;
  /** Daily hours Monday to Friday as `HH:MM`. */
  daily: string;
}

export interface TimeOffType {
  id: number;
  name: string;
  category: string;
}

export interface CustomAttributeDefinition {
  /** `dynamic_<number>`: the v1 key and the v2 custom attribute id. */
  key: string;
  label: string;
  type: V1AttributeType;
  /** `null` for most custom attributes; a stable machine name for a few (iban, date_of_birth). */
  universalId: string | null;
  /** Values of list and tags attributes (v1 attributes endpoint `options`). */
  options: readonly string[];
  /**
   * How v1 renders a date attribute: the spec's example shows plain `2021-01-01`, real payloads
   * also show midnight Berlin with offset. The emulator serves both, one per attribute.
   */
  dateStyle: 'plain' | 'berlin-midnight';
  /** v2 `global_id`. */
  globalId: string;
}

export interface CostCenterShare {
  id: number;
  percentage: number;
}

export interface AbsenceEntitlement {
  timeOffTypeId: number;
  entitlement: number;
}

/** One Personio profile (v1 employee = v2 person with exactly one employment). */
export interface Employee {
  id: number;
  /** v2 employment id (UUID). */
  employmentId: string;
  firstName: string;
  lastName: string;
  /** '' when not set, as Personio answers for empty text attributes. */
  preferredName: string;
  /** '' when the profile has no email (imports allow it, v1 POST does not). */
  email: string;
  gender: Gender | null;
  status: EmployeeStatus;
  position: string;
  supervisorId: number | null;
  employmentType: EmploymentType;
  weeklyWorkingHours: number;
  hireDate: string | null;
  contractEndDate: string | null;
  terminationDate: string | null;
  /** '' when not terminated. */
  terminationType: string;
  terminationReason: string;
  /** Date the notice was given (v2 `termination.terminated_at`). */
  terminatedAt: string | null;
  probationPeriodEnd: string | null;
  lastWorkingDay: string | null;
  subcompanyId: number | null;
  officeId: number | null;
  departmentId: number | null;
  teamId: number | null;
  costCenters: CostCenterShare[];
  holidayCalendarId: number | null;
  workScheduleId: number | null;
  absenceEntitlements: AbsenceEntitlement[];
  fixSalary: number;
  fixSalaryInterval: string;
  hourlySalary: number;
  hasProfilePicture: boolean;
  /** Custom attribute values by `dynamic_<n>` key; tags are comma-separated. */
  custom: Record<string, string | null>;
  createdAt: number;
  /** What v1 shows as `last_modified_at`: every change, including ones `updated_since` misses. */
  lastModifiedAt: number;
  /** v2 person `updated_at` (person fields only). */
  personUpdatedAt: number;
  /** v2 employment `updated_at`. */
  employmentUpdatedAt: number;
  /**
   * Per v1 attribute key, the instant of the last change `updated_since` can see. Changes made by
   * Personio's background jobs (status flips) and "silent" control changes never land here.
   */
  changeIndex: Map<string, number>;
  /** Which hire date / termination date the nightly job already flipped, so manual edits stick. */
  flippedActiveFor: string | null;
  flippedInactiveFor: string | null;
  /** Instants at which a background job will touch the profile again (see TERMINATION_FOLLOW_UP_MS). */
  pendingTouches: number[];
}

/** The fields a change may touch (everything except identity and bookkeeping). */
export type EmployeeField = Exclude<
  keyof Employee,
  | 'id'
  | 'employmentId'
  | 'custom'
  | 'createdAt'
  | 'lastModifiedAt'
  | 'personUpdatedAt'
  | 'employmentUpdatedAt'
  | 'changeIndex'
  | 'flippedActiveFor'
  | 'flippedInactiveFor'
  | 'pendingTouches'
>;

export type EmployeeChanges = Partial<Pick<Employee, EmployeeField>> & {
  custom?: Record<string, string | null>;
};

/**
 * v1 attribute key of each field, and whether v2 counts it as a person field (`person.updated`,
 * fired for names, gender, email and custom attributes) or an employment field.
 */
const FIELD_KEYS: Record<EmployeeField, { key: string; level: 'person' | 'employment' }> = {
  firstName: { key: 'first_name', level: 'person' },
  lastName: { key: 'last_name', level: 'person' },
  preferredName: { key: 'preferred_name', level: 'person' },
  email: { key: 'email', level: 'person' },
  gender: { key: 'gender', level: 'person' },
  status: { key: 'status', level: 'employment' },
  position: { key: 'position', level: 'employment' },
  supervisorId: { key: 'supervisor', level: 'employment' },
  employmentType: { key: 'employment_type', level: 'employment' },
  weeklyWorkingHours: { key: 'weekly_working_hours', level: 'employment' },
  hireDate: { key: 'hire_date', level: 'employment' },
  contractEndDate: { key: 'contract_end_date', level: 'employment' },
  terminationDate: { key: 'termination_date', level: 'employment' },
  terminationType: { key: 'termination_type', level: 'employment' },
  terminationReason: { key: 'termination_reason', level: 'employment' },
  terminatedAt: { key: 'termination_date', level: 'employment' },
  probationPeriodEnd: { key: 'probation_period_end', level: 'employment' },
  lastWorkingDay: { key: 'last_working_day', level: 'employment' },
  subcompanyId: { key: 'subcompany', level: 'employment' },
  officeId: { key: 'office', level: 'employment' },
  departmentId: { key: 'department', level: 'employment' },
  teamId: { key: 'team', level: 'employment' },
  costCenters: { key: 'cost_centers', level: 'employment' },
  holidayCalendarId: { key: 'holiday_calendar', level: 'employment' },
  workScheduleId: { key: 'work_schedule', level: 'employment' },
  absenceEntitlements: { key: 'absence_entitlement', level: 'employment' },
  fixSalary: { key: 'fix_salary', level: 'employment' },
  fixSalaryInterval: { key: 'fix_salary_interval', level: 'employment' },
  hourlySalary: { key: 'hourly_salary', level: 'employment' },
  hasProfilePicture: { key: 'profile_picture', level: 'person' },
};

export const WEBHOOK_EVENT_NAMES = [
  'person.created',
  'person.updated',
  'person.deleted',
  'employment.created',
  'employment.updated',
  'employment.deleted',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENT_NAMES)[number];

/** A change webhooks are made from; webhooks carry ids only ("dataless notifications"). */
export interface CompanyEvent {
  name: WebhookEventName;
  personId: number;
  employmentId: string;
  at: number;
}

export interface ChangeOptions {
  /** False for changes `updated_since` does not see (background jobs, "silent" control edits). */
  visibleToUpdatedSince?: boolean;
}

/**
 * Personio flips onboarding → active "on the hire date" at an unpublished hour; a customer syncing
 * at 04:00 Berlin still saw onboarding. The emulator flips at 06:00 UTC on the hire date.
 */
export const ONBOARDING_FLIP_HOUR_UTC = 6;

/**
 * Entering a termination date makes Personio's jobs clean up the time-off after it and touch the
 * profile again later (a customer saw a 12:30 termination reported as updated at 13:15). The touch
 * bumps `last_modified_at` and is seen by `updated_since`, so pollers get the leaver twice.
 */
export const TERMINATION_FOLLOW_UP_MS = 45 * 60_000;

export interface CompanyInit {
  name: string;
  emailDomain: string;
  legalEntities: LegalEntity[];
  offices: Office[];
  departments: Department[];
  teams: Team[];
  costCenters: CostCenter[];
  holidayCalendars: HolidayCalendar[];
  workSchedules: WorkSchedule[];
  timeOffTypes: TimeOffType[];
  customAttributes: CustomAttributeDefinition[];
  employees: Employee[];
  /** Numeric Personio company id (webhook `company_id`). */
  companyId: number;
}

export class Company {
  readonly name: string;
  readonly companyId: number;
  readonly emailDomain: string;
  readonly legalEntities: Map<number, LegalEntity>;
  readonly offices: Map<number, Office>;
  readonly departments: Map<number, Department>;
  readonly teams: Map<number, Team>;
  readonly costCenters: Map<number, CostCenter>;
  readonly holidayCalendars: Map<number, HolidayCalendar>;
  readonly workSchedules: Map<number, WorkSchedule>;
  readonly timeOffTypes: Map<number, TimeOffType>;
  readonly customAttributes: CustomAttributeDefinition[];
  /** Ordered by id (Personio lists employees by id). */
  private readonly employees = new Map<number, Employee>();
  private sortedIds: number[] | null = null;
  private readonly listeners = new Set<(event: CompanyEvent) => void>();
  private nextTransitionAt = 0;

  readonly clock: EmulatorClock;
  private readonly random: SeededRandom;

  constructor(init: CompanyInit, clock: EmulatorClock, random: SeededRandom) {
    this.clock = clock;
    this.random = random;
    this.name = init.name;
    this.companyId = init.companyId;
    this.emailDomain = init.emailDomain;
    this.legalEntities = new Map(init.legalEntities.map((x) => [x.id, x]));
    this.offices = new Map(init.offices.map((x) => [x.id, x]));
    this.departments = new Map(init.departments.map((x) => [x.id, x]));
    this.teams = new Map(init.teams.map((x) => [x.id, x]));
    this.costCenters = new Map(init.costCenters.map((x) => [x.id, x]));
    this.holidayCalendars = new Map(init.holidayCalendars.map((x) => [x.id, x]));
    this.workSchedules = new Map(init.workSchedules.map((x) => [x.id, x]));
    this.timeOffTypes = new Map(init.timeOffTypes.map((x) => [x.id, x]));
    this.customAttributes = init.customAttributes;
    for (const employee of init.employees) this.employees.set(employee.id, employee);
  }

  onEvent(listener: (event: CompanyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: CompanyEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  get size(): number {
    return this.employees.size;
  }

  get(id: number): Employee | undefined {
    return this.employees.get(id);
  }

  /** All employees ordered by id. */
  list(): Employee[] {
    if (!this.sortedIds) this.sortedIds = [...this.employees.keys()].sort((a, b) => a - b);
    const out: Employee[] = [];
    for (const id of this.sortedIds) {
      const employee = this.employees.get(id);
      if (employee) out.push(employee);
    }
    return out;
  }

  /** Profiles whose email equals `email` ignoring case (Personio keeps emails unique per company). */
  findByEmail(email: string): Employee[] {
    const wanted = email.toLowerCase();
    return this.list().filter((e) => e.email !== '' && e.email.toLowerCase() === wanted);
  }

  customAttribute(key: string): CustomAttributeDefinition | undefined {
    return this.customAttributes.find((a) => a.key === key);
  }

  private nextId<T extends { id: number }>(items: Iterable<T>, floor: number): number {
    let max = floor;
    for (const item of items) max = Math.max(max, item.id);
    return max + this.random.int(1, 9);
  }

  /** Finds a department by name (case-insensitive), creating it when `create` is set. */
  departmentByName(name: string, create: boolean): Department | undefined {
    const found = [...this.departments.values()].find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (found || !create) return found;
    const department = { id: this.nextId(this.departments.values(), 280_000), name };
    this.departments.set(department.id, department);
    return department;
  }

  teamByName(name: string, create: boolean): Team | undefined {
    const found = [...this.teams.values()].find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (found || !create) return found;
    const team = { id: this.nextId(this.teams.values(), 59_000), name };
    this.teams.set(team.id, team);
    return team;
  }

  officeByName(name: string, create: boolean, timeZone = 'Europe/Berlin'): Office | undefined {
    const found = [...this.offices.values()].find((o) => o.name.toLowerCase() === name.toLowerCase());
    if (found || !create) return found;
    const office = {
      id: this.nextId(this.offices.values(), 131_000),
      name,
      timeZone,
      legalEntityId: null,
      holidayCalendarId: null,
    };
    this.offices.set(office.id, office);
    return office;
  }

  legalEntityByName(name: string, create: boolean, country = 'DE'): LegalEntity | undefined {
    const found = [...this.legalEntities.values()].find((l) => l.name.toLowerCase() === name.toLowerCase());
    if (found || !create) return found;
    const now = this.clock.now();
    const entity = {
      id: this.nextId(this.legalEntities.values(), 7_000),
      name,
      country,
      createdAt: now,
      updatedAt: now,
    };
    this.legalEntities.set(entity.id, entity);
    return entity;
  }

  costCenterByName(name: string, create: boolean): CostCenter | undefined {
    const found = [...this.costCenters.values()].find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (found || !create) return found;
    const costCenter = { id: this.nextId(this.costCenters.values(), 82_000), name };
    this.costCenters.set(costCenter.id, costCenter);
    return costCenter;
  }

  /**
   * What Personio fills in for a new profile from the company settings: the office's public
   * holidays, the default work schedule and the default paid vacation.
   */
  private defaultsForHire(fields: EmployeeChanges): Partial<Employee> {
    const office =
      fields.officeId === undefined || fields.officeId === null
        ? undefined
        : this.offices.get(fields.officeId);
    const calendar = office?.holidayCalendarId ?? this.holidayCalendars.keys().next().value ?? null;
    const schedule = this.workSchedules.keys().next().value ?? null;
    const vacation = this.timeOffTypes.keys().next().value;
    return {
      holidayCalendarId: calendar,
      workScheduleId: schedule,
      absenceEntitlements: vacation === undefined ? [] : [{ timeOffTypeId: vacation, entitlement: 25 }],
    };
  }

  /** True when making `supervisorId` the supervisor of `employeeId` would close a cycle. */
  wouldCreateCycle(employeeId: number, supervisorId: number): boolean {
    let current: number | null = supervisorId;
    const seen = new Set<number>();
    while (current !== null && !seen.has(current)) {
      if (current === employeeId) return true;
      seen.add(current);
      current = this.employees.get(current)?.supervisorId ?? null;
    }
    return false;
  }

  /** Adds a new profile (hire). Fields not given get Personio's empty values. */
  create(fields: EmployeeChanges): Employee {
    const now = this.clock.now();
    const id = this.nextId(this.employees.values(), 0);
    const employee: Employee = {
      ...blankEmployee(id, this.random.uuid(), now),
      ...this.defaultsForHire(fields),
      ...withoutCustom(fields),
      custom: { ...(fields.custom ?? {}) },
    };
    if (fields.status === undefined) employee.status = statusForHireDate(employee.hireDate, now);
    skipPassedActivation(employee, now);
    for (const key of ALL_INDEXED_KEYS) employee.changeIndex.set(key, now);
    for (const key of Object.keys(employee.custom)) employee.changeIndex.set(key, now);
    this.employees.set(id, employee);
    this.sortedIds = null;
    this.noteTransitionCandidate(employee);
    this.emit({ name: 'person.created', personId: id, employmentId: employee.employmentId, at: now });
    this.emit({ name: 'employment.created', personId: id, employmentId: employee.employmentId, at: now });
    return employee;
  }

  /**
   * Applies changes, bumping `last_modified_at` and (unless invisible) the `updated_since` index for
   * the attributes whose value really changed. Returns the v1 keys that changed.
   */
  update(id: number, changes: EmployeeChanges, options: ChangeOptions = {}): string[] {
    const employee = this.employees.get(id);
    if (!employee) throw new RangeError(`no employee ${id}`);
    const now = this.clock.now();
    const changedKeys: string[] = [];
    let personChanged = false;
    let employmentChanged = false;
    const record = employee as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(changes)) {
      if (field === 'custom' || value === undefined) continue;
      const meta = FIELD_KEYS[field as EmployeeField];
      if (isSameValue(record[field], value)) continue;
      record[field] = value;
      changedKeys.push(meta.key);
      if (meta.level === 'person') personChanged = true;
      else employmentChanged = true;
    }
    for (const [key, value] of Object.entries(changes.custom ?? {})) {
      if ((employee.custom[key] ?? null) === value) continue;
      employee.custom[key] = value;
      changedKeys.push(key);
      personChanged = true;
    }
    if (changedKeys.length === 0) return [];
    if (changes.hireDate !== undefined) skipPassedActivation(employee, now);
    if (changedKeys.includes('termination_date') && employee.terminationDate !== null) {
      employee.pendingTouches.push(now + TERMINATION_FOLLOW_UP_MS);
    }
    employee.lastModifiedAt = now;
    if (options.visibleToUpdatedSince !== false) {
      for (const key of changedKeys) employee.changeIndex.set(key, now);
      employee.changeIndex.set('last_modified_at', now);
    }
    if (personChanged) {
      employee.personUpdatedAt = now;
      this.emit({ name: 'person.updated', personId: id, employmentId: employee.employmentId, at: now });
    }
    if (employmentChanged) {
      employee.employmentUpdatedAt = now;
      this.emit({ name: 'employment.updated', personId: id, employmentId: employee.employmentId, at: now });
    }
    this.noteTransitionCandidate(employee);
    return [...new Set(changedKeys)];
  }

  /** v2 `DELETE`-style removal: v1 simply stops listing the id; v2 webhooks announce it. */
  delete(id: number): boolean {
    const employee = this.employees.get(id);
    if (!employee) return false;
    this.employees.delete(id);
    this.sortedIds = null;
    const now = this.clock.now();
    this.emit({ name: 'employment.deleted', personId: id, employmentId: employee.employmentId, at: now });
    this.emit({ name: 'person.deleted', personId: id, employmentId: employee.employmentId, at: now });
    return true;
  }

  /**
   * Rehire as Personio does it: a new profile with a new id. When the old email is carried over,
   * the *old* profile's email gets `_` plus a random 5-character hash before the `@`
   * (help centre, "Rehire a former employee using their old profile").
   */
  rehire(oldId: number, overrides: EmployeeChanges): { employee: Employee; previous: Employee } {
    const previous = this.employees.get(oldId);
    if (!previous) throw new RangeError(`no employee ${oldId}`);
    const email = overrides.email ?? previous.email;
    if (email !== '' && email.toLowerCase() === previous.email.toLowerCase()) {
      this.update(oldId, { email: this.mangledEmail(previous.email) });
    }
    const today = utcDateOf(this.clock.now());
    const supervisorStillThere = previous.supervisorId !== null && this.employees.has(previous.supervisorId);
    const employee = this.create({
      firstName: previous.firstName,
      lastName: previous.lastName,
      preferredName: previous.preferredName,
      gender: previous.gender,
      position: previous.position,
      supervisorId: supervisorStillThere ? previous.supervisorId : null,
      employmentType: previous.employmentType,
      weeklyWorkingHours: previous.weeklyWorkingHours,
      subcompanyId: previous.subcompanyId,
      officeId: previous.officeId,
      departmentId: previous.departmentId,
      teamId: previous.teamId,
      costCenters: previous.costCenters.map((c) => ({ ...c })),
      holidayCalendarId: previous.holidayCalendarId,
      workScheduleId: previous.workScheduleId,
      absenceEntitlements: previous.absenceEntitlements.map((a) => ({ ...a })),
      fixSalary: previous.fixSalary,
      fixSalaryInterval: previous.fixSalaryInterval,
      hourlySalary: previous.hourlySalary,
      hasProfilePicture: previous.hasProfilePicture,
      hireDate: today,
      ...withoutCustom(overrides),
      email,
      custom: { ...previous.custom, ...(overrides.custom ?? {}) },
    });
    return { employee, previous };
  }

  private mangledEmail(email: string): string {
    const at = email.lastIndexOf('@');
    const local = at < 0 ? email : email.slice(0, at);
    const domain = at < 0 ? '' : email.slice(at);
    for (;;) {
      const candidate = `${local}_${this.random.token(5)}${domain}`;
      if (this.findByEmail(candidate).length === 0) return candidate;
    }
  }

  private noteTransitionCandidate(employee: Employee): void {
    const transition = nextTransition(employee);
    if (transition !== null && transition.at < this.nextTransitionAt) this.nextTransitionAt = transition.at;
  }

  /**
   * Personio's background jobs (plus the follow-up touch after a termination is entered):
   * onboarding → active on the hire date, and → inactive at 00:00 UTC
   * the day after the termination date (help centre, "Terminating the employee vs ending their
   * contract"). They bump `last_modified_at` but are invisible to `updated_since` — the documented
   * habit of that filter missing changes — and they fire `employment.updated` webhooks.
   */
  runScheduledTransitions(): void {
    const now = this.clock.now();
    if (now < this.nextTransitionAt) return;
    let next = Number.POSITIVE_INFINITY;
    for (const employee of this.list()) {
      for (;;) {
        const transition = nextTransition(employee);
        if (transition === null) break;
        if (transition.at > now) {
          next = Math.min(next, transition.at);
          break;
        }
        this.applyTransition(employee, transition);
      }
    }
    this.nextTransitionAt = next;
  }

  private applyTransition(employee: Employee, transition: Transition): void {
    if (transition.kind === 'touch') {
      employee.pendingTouches.shift();
      employee.lastModifiedAt = Math.max(employee.lastModifiedAt, transition.at);
      employee.changeIndex.set('absence_entitlement', transition.at);
      employee.changeIndex.set('last_modified_at', transition.at);
      return;
    }
    if (transition.kind === 'terminate') {
      employee.flippedInactiveFor = employee.terminationDate;
      if (employee.status === 'inactive') return;
      employee.status = 'inactive';
    } else {
      employee.flippedActiveFor = employee.hireDate;
      if (employee.status !== 'onboarding') return;
      employee.status = 'active';
    }
    employee.lastModifiedAt = Math.max(employee.lastModifiedAt, transition.at);
    employee.employmentUpdatedAt = Math.max(employee.employmentUpdatedAt, transition.at);
    this.emit({
      name: 'employment.updated',
      personId: employee.id,
      employmentId: employee.employmentId,
      at: transition.at,
    });
  }
}

/** Every v1 attribute key a change can be recorded under (for a freshly created profile). */
const ALL_INDEXED_KEYS: readonly string[] = [
  ...new Set(Object.values(FIELD_KEYS).map((f) => f.key)),
  'last_modified_at',
  'created_at',
];

interface Transition {
  kind: 'activate' | 'terminate' | 'touch';
  at: number;
}

/** The earliest background flip still pending for this employee, or null. */
export function nextTransition(employee: Employee): Transition | null {
  let best: Transition | null = null;
  if (employee.terminationDate !== null && employee.flippedInactiveFor !== employee.terminationDate) {
    best = { kind: 'terminate', at: utcMidnightOf(addDays(employee.terminationDate, 1)) };
  }
  if (
    employee.status === 'onboarding' &&
    employee.hireDate !== null &&
    employee.flippedActiveFor !== employee.hireDate
  ) {
    const at = utcMidnightOf(employee.hireDate) + ONBOARDING_FLIP_HOUR_UTC * 3_600_000;
    if (best === null || at < best.at) best = { kind: 'activate', at };
  }
  const touch = employee.pendingTouches[0];
  if (touch !== undefined && (best === null || touch < best.at)) best = { kind: 'touch', at: touch };
  return best;
}

/**
 * The onboarding → active job runs on the hire date; a hire date set to a day whose run has passed
 * is not picked up later ("update of the hire_date will not update employee status on its own").
 * Termination flips, by contrast, catch up: a backdated termination makes the profile inactive.
 */
function skipPassedActivation(employee: Employee, now: number): void {
  if (employee.hireDate === null) return;
  const activationAt = utcMidnightOf(employee.hireDate) + ONBOARDING_FLIP_HOUR_UTC * 3_600_000;
  if (activationAt <= now) employee.flippedActiveFor = employee.hireDate;
}

/**
 * Personio's rule on create without a status: hire date in the past → active, in the future →
 * onboarding. Today counts as past (the day's activation run may already be over).
 */
export function statusForHireDate(hireDate: string | null, now: number): EmployeeStatus {
  if (hireDate === null) return 'active';
  return hireDate <= utcDateOf(now) ? 'active' : 'onboarding';
}

function withoutCustom(fields: EmployeeChanges): Partial<Pick<Employee, EmployeeField>> {
  const copy: EmployeeChanges = { ...fields };
  delete copy.custom;
  for (const key of Object.keys(copy) as (keyof typeof copy)[]) if (copy[key] === undefined) delete copy[key];
  return copy;
}

function isSameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}

export function blankEmployee(id: number, employmentId: string, now: number): Employee {
  return {
    id,
    employmentId,
    firstName: '',
    lastName: '',
    preferredName: '',
    email: '',
    gender: null,
    status: 'active',
    position: '',
    supervisorId: null,
    employmentType: 'internal',
    weeklyWorkingHours: 40,
    hireDate: null,
    contractEndDate: null,
    terminationDate: null,
    terminationType: '',
    terminationReason: '',
    terminatedAt: null,
    probationPeriodEnd: null,
    lastWorkingDay: null,
    subcompanyId: null,
    officeId: null,
    departmentId: null,
    teamId: null,
    costCenters: [],
    holidayCalendarId: null,
    workScheduleId: null,
    absenceEntitlements: [],
    fixSalary: 0,
    fixSalaryInterval: '',
    hourlySalary: 0,
    hasProfilePicture: false,
    custom: {},
    createdAt: now,
    lastModifiedAt: now,
    personUpdatedAt: now,
    employmentUpdatedAt: now,
    changeIndex: new Map(),
    flippedActiveFor: null,
    flippedInactiveFor: null,
    pendingTouches: [],
  };
}
