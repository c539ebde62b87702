// The `/_emulator` control API (no auth) for tests and demos: people by flat v1 attribute names,
// faults, the request log, webhook deliveries and the clock — what HR does in Personio's UI.
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  EMPLOYEE_STATUSES,
  EMPLOYMENT_TYPES,
  GENDERS,
  type Company,
  type Employee,
  type EmployeeChanges,
  isOneOf,
} from './company.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { FAULT_KINDS } from './faults.ts';
import { TIME_ZONE_ATTRIBUTE } from './generator.ts';
import { DAY_MS, isCalendarDate } from './personio-time.ts';

function controlError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const STRING_FIELDS = {
  first_name: 'firstName',
  last_name: 'lastName',
  preferred_name: 'preferredName',
  position: 'position',
  termination_type: 'terminationType',
  termination_reason: 'terminationReason',
  fix_salary_interval: 'fixSalaryInterval',
} as const;

const DATE_FIELDS = {
  hire_date: 'hireDate',
  contract_end_date: 'contractEndDate',
  termination_date: 'terminationDate',
  terminated_at: 'terminatedAt',
  last_working_day: 'lastWorkingDay',
  probation_period_end: 'probationPeriodEnd',
} as const;

const NUMBER_FIELDS = {
  weekly_working_hours: 'weeklyWorkingHours',
  fix_salary: 'fixSalary',
  hourly_salary: 'hourlySalary',
} as const;

const OTHER_FIELDS = new Set([
  'email',
  'gender',
  'status',
  'employment_type',
  'supervisor_id',
  'department',
  'team',
  'office',
  'office_time_zone',
  'legal_entity',
  'subcompany',
  'legal_entity_country',
  'cost_centers',
  'profile_picture',
  'time_zone',
  'custom_attributes',
  'allow_duplicate_email',
]);

type ParsedInput =
  { ok: true; changes: EmployeeChanges } | { ok: false; status: number; code: string; message: string };

function bad(message: string): ParsedInput {
  return { ok: false, status: 400, code: 'invalid_request', message };
}

/** Flat v1 attribute names → changes. Names of org objects are created when unknown. */
function parseControlInput(
  body: unknown,
  company: Company,
  current: Employee | null,
  isHire: boolean,
): ParsedInput {
  if (body === undefined || body === null) body = {};
  if (typeof body !== 'object' || Array.isArray(body)) return bad('The body must be a JSON object.');
  const input = body as Record<string, unknown>;
  const unknown = Object.keys(input).filter(
    (k) =>
      !(k in STRING_FIELDS) &&
      !(k in DATE_FIELDS) &&
      !(k in NUMBER_FIELDS) &&
      !OTHER_FIELDS.has(k) &&
      !k.startsWith('dynamic_'),
  );
  if (unknown.length > 0) return bad(`Unknown attributes: ${unknown.join(', ')}.`);
  const changes: EmployeeChanges = {};
  const custom: Record<string, string | null> = {};

  for (const [key, field] of Object.entries(STRING_FIELDS)) {
    const value = input[key];
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') return bad(`${key} must be a string.`);
    if ((key === 'first_name' || key === 'last_name') && (value === null || value.trim() === '')) {
      return bad(`${key} cannot be empty.`);
    }
    changes[field] = value ?? '';
  }
  if (isHire && (changes.firstName === undefined || changes.lastName === undefined)) {
    return bad('first_name and last_name are required.');
  }
  for (const [key, field] of Object.entries(DATE_FIELDS)) {
    const value = input[key];
    if (value === undefined) continue;
    if (value !== null && (typeof value !== 'string' || !isCalendarDate(value)))
      return bad(`${key} must be YYYY-MM-DD or null.`);
    changes[field] = value;
  }
  for (const [key, field] of Object.entries(NUMBER_FIELDS)) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      return bad(`${key} must be a non-negative number.`);
    changes[field] = value;
  }
  if (input.email !== undefined) {
    const email = input.email;
    if (email !== null && typeof email !== 'string') return bad('email must be a string or null.');
    const value = (email ?? '').trim();
    if (value !== '') {
      const clash = company.findByEmail(value).filter((e) => e.id !== current?.id);
      if (clash.length > 0 && input.allow_duplicate_email !== true) {
        return {
          ok: false,
          status: 409,
          code: 'conflict',
          message: `The email ${value} is used by employee ${clash.map((e) => e.id).join(', ')} (pass allow_duplicate_email to force).`,
        };
      }
    }
    changes.email = value;
  }
  if (input.gender !== undefined) {
    if (input.gender !== null && !isOneOf(GENDERS, input.gender))
      return bad(`gender must be one of ${GENDERS.join(', ')} or null.`);
    changes.gender = input.gender;
  }
  if (input.status !== undefined) {
    if (!isOneOf(EMPLOYEE_STATUSES, input.status))
      return bad(`status must be one of ${EMPLOYEE_STATUSES.join(', ')}.`);
    changes.status = input.status;
  }
  if (input.employment_type !== undefined) {
    if (!isOneOf(EMPLOYMENT_TYPES, input.employment_type))
      return bad('employment_type must be internal or external.');
    changes.employmentType = input.employment_type;
  }
  if (input.supervisor_id !== undefined) {
    const id = input.supervisor_id;
    if (id !== null && (typeof id !== 'number' || !company.get(id)))
      return bad(`No employee ${JSON.stringify(id)} to be supervisor.`);
    // Self-supervision and cycles are allowed here on purpose: tests use them to exercise clients.
    changes.supervisorId = id;
  }
  if (input.profile_picture !== undefined) {
    if (typeof input.profile_picture !== 'boolean') return bad('profile_picture must be a boolean.');
    changes.hasProfilePicture = input.profile_picture;
  }
  const name = (key: string): string | null | undefined | false => {
    const value = input[key];
    if (value === undefined) return undefined;
    if (value === null || value === '') return null;
    return typeof value === 'string' ? value : false;
  };
  const department = name('department');
  if (department === false) return bad('department must be a name or null.');
  if (department !== undefined)
    changes.departmentId = department === null ? null : company.departmentByName(department, true)!.id;
  const team = name('team');
  if (team === false) return bad('team must be a name or null.');
  if (team !== undefined) changes.teamId = team === null ? null : company.teamByName(team, true)!.id;
  const officeTimeZone = input.office_time_zone;
  if (officeTimeZone !== undefined && (typeof officeTimeZone !== 'string' || !isTimeZone(officeTimeZone))) {
    return bad('office_time_zone must be an IANA time zone.');
  }
  const office = name('office');
  if (office === false) return bad('office must be a name or null.');
  if (office !== undefined) {
    if (office === null) changes.officeId = null;
    else {
      const found = company.officeByName(office, true, officeTimeZone ?? 'Europe/Berlin')!;
      if (typeof officeTimeZone === 'string') found.timeZone = officeTimeZone;
      changes.officeId = found.id;
      // This company records each person's work time zone from their office.
      if (input.time_zone === undefined) custom[TIME_ZONE_ATTRIBUTE] = found.timeZone;
    }
  }
  if (input.legal_entity !== undefined && input.subcompany !== undefined) {
    return bad('Pass legal_entity or subcompany, not both.');
  }
  const entityKey = input.legal_entity !== undefined ? 'legal_entity' : 'subcompany';
  const entity = name(entityKey);
  if (entity === false) return bad(`${entityKey} must be a name or null.`);
  if (entity !== undefined) {
    const country = typeof input.legal_entity_country === 'string' ? input.legal_entity_country : 'DE';
    changes.subcompanyId = entity === null ? null : company.legalEntityByName(entity, true, country)!.id;
  }
  if (input.cost_centers !== undefined) {
    const list = input.cost_centers;
    if (!Array.isArray(list)) return bad('cost_centers must be a list of names or {name, percentage}.');
    const shares: { id: number; percentage: number }[] = [];
    for (const item of list as unknown[]) {
      const nameOf = typeof item === 'string' ? item : (item as { name?: unknown } | null)?.name;
      if (typeof nameOf !== 'string' || nameOf === '')
        return bad('cost_centers must be a list of names or {name, percentage}.');
      const percentage =
        typeof item === 'object' && item !== null ? (item as { percentage?: unknown }).percentage : undefined;
      shares.push({
        id: company.costCenterByName(nameOf, true)!.id,
        percentage: typeof percentage === 'number' ? percentage : Math.round(100 / list.length),
      });
    }
    changes.costCenters = shares;
  }
  if (input.time_zone !== undefined) {
    if (input.time_zone !== null && (typeof input.time_zone !== 'string' || !isTimeZone(input.time_zone))) {
      return bad('time_zone must be an IANA time zone or null.');
    }
    custom[TIME_ZONE_ATTRIBUTE] = input.time_zone;
  }
  const customInput: Record<string, unknown> = {};
  if (input.custom_attributes !== undefined) {
    if (typeof input.custom_attributes !== 'object' || input.custom_attributes === null) {
      return bad('custom_attributes must be an object.');
    }
    Object.assign(customInput, input.custom_attributes);
  }
  for (const [key, value] of Object.entries(input)) if (key.startsWith('dynamic_')) customInput[key] = value;
  for (const [key, value] of Object.entries(customInput)) {
    if (!company.customAttribute(key)) return bad(`Unknown custom attribute ${key}.`);
    if (value === null) custom[key] = null;
    else if (Array.isArray(value)) custom[key] = value.map(String).join(',');
    else if (typeof value === 'string' || typeof value === 'number') custom[key] = String(value);
    else return bad(`${key} must be a string, a list of strings or null.`);
  }
  if (Object.keys(custom).length > 0) changes.custom = custom;
  return { ok: true, changes };
}

/** A flat, readable view of a profile (what the control API answers). */
export function employeeView(employee: Employee, company: Company): Record<string, unknown> {
  const office = employee.officeId === null ? undefined : company.offices.get(employee.officeId);
  return {
    id: employee.id,
    employment_id: employee.employmentId,
    first_name: employee.firstName,
    last_name: employee.lastName,
    preferred_name: employee.preferredName,
    email: employee.email,
    gender: employee.gender,
    status: employee.status,
    position: employee.position,
    supervisor_id: employee.supervisorId,
    employment_type: employee.employmentType,
    weekly_working_hours: employee.weeklyWorkingHours,
    hire_date: employee.hireDate,
    contract_end_date: employee.contractEndDate,
    termination_date: employee.terminationDate,
    termination_type: employee.terminationType,
    termination_reason: employee.terminationReason,
    terminated_at: employee.terminatedAt,
    last_working_day: employee.lastWorkingDay,
    probation_period_end: employee.probationPeriodEnd,
    department:
      employee.departmentId === null ? null : (company.departments.get(employee.departmentId)?.name ?? null),
    team: employee.teamId === null ? null : (company.teams.get(employee.teamId)?.name ?? null),
    office: office?.name ?? null,
    office_time_zone: office?.timeZone ?? null,
    legal_entity:
      employee.subcompanyId === null
        ? null
        : (company.legalEntities.get(employee.subcompanyId)?.name ?? null),
    cost_centers: employee.costCenters.map((c) => ({
      name: company.costCenters.get(c.id)?.name ?? '',
      percentage: c.percentage,
    })),
    profile_picture: employee.hasProfilePicture,
    custom_attributes: { ...employee.custom },
    created_at: new Date(employee.createdAt).toISOString(),
    last_modified_at: new Date(employee.lastModifiedAt).toISOString(),
  };
}

export function registerControlRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const company = context.company;
  const employeeParam = (params: unknown): Employee | undefined => {
    const raw = (params as { employeeId?: string }).employeeId ?? '';
    return /^\d{1,15}$/.test(raw) ? company.get(Number(raw)) : undefined;
  };

  app.get('/_emulator/company', async () => ({
    name: company.name,
    company_id: company.companyId,
    email_domain: company.emailDomain,
    client_id: context.options.clientId,
    employees: company.size,
    now: new Date(context.clock.now()).toISOString(),
    legal_entities: [...company.legalEntities.values()].map((l) => ({
      id: l.id,
      name: l.name,
      country: l.country,
    })),
    offices: [...company.offices.values()].map((o) => ({
      id: o.id,
      name: o.name,
      time_zone: o.timeZone,
      legal_entity_id: o.legalEntityId,
    })),
    departments: [...company.departments.values()],
    teams: [...company.teams.values()],
    cost_centers: [...company.costCenters.values()],
    custom_attributes: company.customAttributes.map((a) => ({
      key: a.key,
      label: a.label,
      type: a.type,
      universal_id: a.universalId,
      options: a.options,
    })),
    hidden_attributes: [...context.options.hiddenAttributes],
    time_zone_attribute: TIME_ZONE_ATTRIBUTE,
  }));

  app.get('/_emulator/employees', async () => ({
    employees: company.list().map((e) => employeeView(e, company)),
  }));

  app.get('/_emulator/employees/:employeeId', async (request, reply) => {
    const employee = employeeParam(request.params);
    if (!employee) return controlError(reply, 404, 'not_found', 'No such employee.');
    return employeeView(employee, company);
  });

  app.post('/_emulator/employees', async (request, reply) => {
    const parsed = parseControlInput(request.body, company, null, true);
    if (!parsed.ok) return controlError(reply, parsed.status, parsed.code, parsed.message);
    const employee = company.create(parsed.changes);
    company.runScheduledTransitions();
    return reply.code(201).send(employeeView(employee, company));
  });

  // `?silent=true`: the change bumps last_modified_at but `updated_since` will not see it, like
  // the changes Personio's background jobs make.
  app.patch('/_emulator/employees/:employeeId', async (request, reply) => {
    const employee = employeeParam(request.params);
    if (!employee) return controlError(reply, 404, 'not_found', 'No such employee.');
    const parsed = parseControlInput(request.body, company, employee, false);
    if (!parsed.ok) return controlError(reply, parsed.status, parsed.code, parsed.message);
    const silent = (request.query as { silent?: string }).silent === 'true';
    const changed = company.update(employee.id, parsed.changes, { visibleToUpdatedSince: !silent });
    company.runScheduledTransitions();
    return { ...employeeView(employee, company), changed_attributes: changed };
  });

  app.delete('/_emulator/employees/:employeeId', async (request, reply) => {
    const employee = employeeParam(request.params);
    if (!employee) return controlError(reply, 404, 'not_found', 'No such employee.');
    company.delete(employee.id);
    return reply.code(204).send();
  });

  app.post('/_emulator/employees/:employeeId/rehire', async (request, reply) => {
    const previous = employeeParam(request.params);
    if (!previous) return controlError(reply, 404, 'not_found', 'No such employee.');
    const input = { ...((request.body ?? {}) as Record<string, unknown>) };
    // The carried-over email belongs to the old profile until it is rewritten; do not count it as a clash.
    const carriesEmail =
      input.email === undefined ||
      (typeof input.email === 'string' && input.email.toLowerCase() === previous.email.toLowerCase());
    if (carriesEmail) delete input.email;
    const parsed = parseControlInput(input, company, null, false);
    if (!parsed.ok) return controlError(reply, parsed.status, parsed.code, parsed.message);
    const originalEmail = previous.email;
    const { employee } = company.rehire(previous.id, parsed.changes);
    company.runScheduledTransitions();
    return reply.code(201).send({
      ...employeeView(employee, company),
      previous_id: previous.id,
      previous_email: originalEmail,
      previous_email_rewritten_to: previous.email === originalEmail ? null : previous.email,
    });
  });

  app.get('/_emulator/faults', async () => ({ faults: context.faults.list() }));
  app.post('/_emulator/faults', async (request, reply) => {
    const body = (request.body ?? {}) as { kind?: unknown; count?: unknown; retry_after_seconds?: unknown };
    if (!isOneOf(FAULT_KINDS, body.kind)) {
      return controlError(reply, 400, 'invalid_request', `kind must be one of ${FAULT_KINDS.join(', ')}.`);
    }
    const count = body.count ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      return controlError(reply, 400, 'invalid_request', 'count must be a positive integer.');
    }
    const retryAfter = body.retry_after_seconds ?? 1;
    if (typeof retryAfter !== 'number' || !Number.isInteger(retryAfter) || retryAfter < 0) {
      return controlError(
        reply,
        400,
        'invalid_request',
        'retry_after_seconds must be a non-negative integer.',
      );
    }
    context.faults.add(body.kind, count, retryAfter);
    return reply.code(201).send({ faults: context.faults.list() });
  });
  app.delete('/_emulator/faults', async (_request, reply) => {
    context.faults.clear();
    return reply.code(204).send();
  });

  app.get('/_emulator/requests', async () => ({ requests: context.requestLog.list() }));
  app.delete('/_emulator/requests', async (_request, reply) => {
    context.requestLog.clear();
    return reply.code(204).send();
  });

  app.get('/_emulator/webhook-deliveries', async () => ({ deliveries: context.webhooks.deliveries() }));

  app.get('/_emulator/clock', async () => ({ now: new Date(context.clock.now()).toISOString() }));
  // Body: {"advance_ms": N} | {"advance_days": N} | {"now": "2026-12-01T00:00:00Z"}. Moving the
  // clock runs Personio's background jobs (status flips) for the time that passed.
  app.post('/_emulator/clock', async (request, reply) => {
    const body = (request.body ?? {}) as { advance_ms?: unknown; advance_days?: unknown; now?: unknown };
    if (typeof body.now === 'string') {
      const at = Date.parse(body.now);
      if (Number.isNaN(at))
        return controlError(reply, 400, 'invalid_request', 'now must be an ISO 8601 instant.');
      context.clock.set(at);
    } else if (typeof body.advance_ms === 'number' && Number.isFinite(body.advance_ms)) {
      context.clock.advance(body.advance_ms);
    } else if (typeof body.advance_days === 'number' && Number.isFinite(body.advance_days)) {
      context.clock.advance(body.advance_days * DAY_MS);
    } else {
      return controlError(reply, 400, 'invalid_request', 'Pass now, advance_ms or advance_days.');
    }
    company.runScheduledTransitions();
    return { now: new Date(context.clock.now()).toISOString() };
  });
}
