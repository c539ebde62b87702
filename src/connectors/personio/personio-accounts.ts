// Personio as an account target (the SCIM gateway into Personio): list, create and update employees
// through v1. A create whose outcome is unknown is settled by reading back by email (POST takes no
// idempotency key); email cannot be changed through the API; everything else Personio's API cannot do
// (logins, roles, deactivation) is declared unsupported in the manifest and becomes a task.
import { z } from 'zod';
import type {
  Account,
  AccountAttributeValue,
  AccountChanges,
  AccountTarget,
  ConnectorLogger,
  CreateAccountResult,
  DesiredAccount,
  Page,
  SourcePerson,
  UpdateAccountResult,
} from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import type { Clock } from '../contract.ts';
import type { MappingConfig } from './person-mapping.ts';
import { OrgNames, mapV1Employee } from './person-mapping.ts';
import type { PersonioApi, V1EmployeeWrite } from './personio-api.ts';
import type { PersonioSettings } from './settings.ts';
import { readV1Page } from './v1-paging.ts';

const EMPLOYEE_STATUSES = ['onboarding', 'active', 'leave', 'inactive'] as const;
const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date written YYYY-MM-DD');
const name = z.string().trim().min(1).max(255);

/**
 * The account attributes Personio's v1 POST/PATCH accept, by Roster name. Department, office and legal
 * entity go by name and must already exist in Personio (it ignores unknown ones, reported as warnings).
 * First and last name, department, office, legal entity and status cannot be cleared.
 */
const WRITABLE = {
  firstName: { key: 'first_name', schema: name },
  lastName: { key: 'last_name', schema: name },
  preferredName: { key: 'preferred_name', schema: z.string().max(255).nullable() },
  gender: { key: 'gender', schema: z.enum(['male', 'female', 'diverse']) },
  position: { key: 'position', schema: z.string().max(255) },
  department: { key: 'department', schema: name },
  office: { key: 'office', schema: name },
  legalEntity: { key: 'subcompany', schema: name },
  hireDate: { key: 'hire_date', schema: calendarDate },
  weeklyWorkingHours: { key: 'weekly_working_hours', schema: z.number().min(0).max(168) },
  status: { key: 'status', schema: z.enum(EMPLOYEE_STATUSES) },
  supervisorId: {
    key: 'supervisor_id',
    schema: z
      .string()
      .regex(/^\d{1,15}$/)
      .nullable(),
  },
} as const;
type WritableName = keyof typeof WRITABLE;
const WRITABLE_NAMES = Object.keys(WRITABLE) as WritableName[];

export interface PersonioAccountsOptions {
  readonly api: PersonioApi;
  readonly settings: PersonioSettings;
  readonly mapping: MappingConfig;
  readonly clock: Clock;
  readonly logger: ConnectorLogger;
}

export class PersonioAccounts implements AccountTarget {
  readonly #api: PersonioApi;
  readonly #settings: PersonioSettings;
  readonly #mapping: MappingConfig;
  readonly #clock: Clock;
  readonly #logger: ConnectorLogger;
  readonly #names = new OrgNames();

  constructor(options: PersonioAccountsOptions) {
    this.#api = options.api;
    this.#settings = options.settings;
    this.#mapping = options.mapping;
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  async listAccounts(cursor?: string): Promise<Page<Account>> {
    const page = await readV1Page(
      {
        api: this.#api,
        clock: this.#clock,
        logger: this.#logger,
        pageSize: this.#settings.pageSize,
        readAheadPages: this.#settings.readAheadPages,
        allowEmptyFullRead: this.#settings.allowEmptyFullRead,
      },
      'accounts',
      cursor,
      { since: null, lastFullReadAt: null },
    );
    return {
      items: page.employees.map((e) => this.#toAccount(mapV1Employee(e, this.#mapping, this.#names).person)),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Creates an employee. Before posting, an employee with the same email is looked up: one with the same
   * names is adopted (the engine's earlier attempt may have succeeded unseen), a different one is a
   * `conflict`. When the POST's outcome is unknown (timeout, 5xx), the employee is read back by email;
   * the POST is never sent twice.
   */
  async createAccount(desired: DesiredAccount): Promise<CreateAccountResult> {
    const body = this.#writeBody(desired.attributes, 'create');
    const email = desired.email.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email))
      throw new ConnectorError('invalid_request', 'the account needs a valid email');
    if (body.first_name === undefined || body.last_name === undefined) {
      throw new ConnectorError(
        'invalid_request',
        'Personio needs firstName and lastName to create an employee',
      );
    }
    const existing = await this.#findByEmail(email);
    if (existing !== null) {
      if (sameNames(existing, body)) return { account: existing, outcome: 'adopted', warnings: [] };
      throw new ConnectorError(
        'conflict',
        'an employee with this email already exists in Personio with other names',
        {
          details: { existingId: existing.id },
        },
      );
    }
    let reply;
    try {
      reply = await this.#api.createEmployee({ ...body, email });
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      if (error.kind === 'invalid_request' && /already been taken|already exists/i.test(error.message)) {
        throw new ConnectorError('conflict', 'an employee with this email already exists in Personio', {
          cause: error,
          ...(error.status === undefined ? {} : { status: error.status }),
        });
      }
      if (error.outcome !== 'unknown') throw error;
      return this.#settleByReadBack(email, error);
    }
    const account =
      (await this.#findByEmail(email)) ?? this.#accountFromWrite(reply.id, email, desired.attributes);
    if (reply.warnings.length > 0)
      this.#logger.warn(
        { accountId: reply.id, count: reply.warnings.length },
        'Personio ignored parts of a create',
      );
    return { account, outcome: 'created', warnings: reply.warnings };
  }

  /** Updates an employee (PATCH sets values, so the client may repeat it). Email cannot change through the API. */
  async updateAccount(id: string, changes: AccountChanges): Promise<UpdateAccountResult> {
    if (!/^\d{1,15}$/.test(id)) throw new ConnectorError('not_found', 'Personio employee ids are numbers');
    if ('email' in changes.attributes || 'workEmail' in changes.attributes) {
      throw new ConnectorError(
        'unsupported',
        "Personio's API cannot change an employee's email (PATCH ignores it). Change it in Personio's web interface",
      );
    }
    const body = this.#writeBody(changes.attributes, 'update');
    if (Object.keys(body).length === 0) return { warnings: [] };
    const reply = await this.#api.updateEmployee(id, body);
    if (reply.warnings.length > 0)
      this.#logger.warn(
        { accountId: id, count: reply.warnings.length },
        'Personio ignored parts of an update',
      );
    return { warnings: reply.warnings };
  }

  async #settleByReadBack(email: string, original: ConnectorError): Promise<CreateAccountResult> {
    this.#logger.warn(
      { operation: 'createAccount', errorKind: original.kind },
      'create outcome unknown; reading back by email',
    );
    let found: Account | null;
    try {
      found = await this.#findByEmail(email);
    } catch (readError) {
      throw new ConnectorError(
        original.kind,
        `${original.message}; reading back failed too, so whether the employee was created is unknown. Retrying createAccount reads back first and never posts a duplicate`,
        {
          cause: readError,
          outcome: 'unknown',
          ...(original.retryAfterMs === undefined ? {} : { retryAfterMs: original.retryAfterMs }),
        },
      );
    }
    if (found !== null) return { account: found, outcome: 'settled_by_read_back', warnings: [] };
    throw new ConnectorError(
      original.kind,
      `${original.message}; the employee is not visible when read back. Retrying createAccount reads back first and never posts a duplicate`,
      { cause: original, outcome: 'unknown' },
    );
  }

  /** One employee by exact email (Personio's filter is exact and case-sensitive), or null. */
  async #findByEmail(email: string): Promise<Account | null> {
    const page = await this.#api.listEmployees({ offset: 0, limit: 10, email });
    const matches = page.employees
      .map((e) => this.#toAccount(mapV1Employee(e, this.#mapping, this.#names).person))
      .filter((a) => a.email !== null && a.email.toLowerCase() === email.toLowerCase());
    if (matches.length > 1) {
      throw new ConnectorError('conflict', 'more than one Personio employee has this email', {
        details: { existingId: matches[0]?.id ?? '' },
      });
    }
    return matches[0] ?? null;
  }

  #writeBody(
    attributes: Readonly<Record<string, AccountAttributeValue>>,
    mode: 'create' | 'update',
  ): Record<string, V1EmployeeWrite[string]> {
    const body: Record<string, V1EmployeeWrite[string]> = {};
    const custom: Record<string, string | null> = {};
    const problems: string[] = [];
    for (const [attribute, value] of Object.entries(attributes)) {
      if (attribute === 'email') continue; // create takes DesiredAccount.email; update refused it earlier
      if ((WRITABLE_NAMES as string[]).includes(attribute)) {
        const spec = WRITABLE[attribute as WritableName];
        const parsed = spec.schema.safeParse(value);
        if (!parsed.success) {
          problems.push(
            value === null
              ? `${attribute} cannot be cleared in Personio`
              : `${attribute}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
          );
          continue;
        }
        const v = parsed.data;
        body[spec.key] = spec.key === 'supervisor_id' && typeof v === 'string' ? Number(v) : v;
        continue;
      }
      const key = this.#settings.customAttributes[attribute];
      if (key !== undefined) {
        if (value === null || typeof value === 'string' || typeof value === 'number')
          custom[key] = value === null ? null : String(value);
        else if (Array.isArray(value)) custom[key] = value.join(',');
        else problems.push(`${attribute}: Personio custom attributes take text, numbers or lists`);
        continue;
      }
      problems.push(`${attribute} is not an attribute Personio's API can write`);
    }
    if (mode === 'create' && body.supervisor_id === null) delete body.supervisor_id;
    if (problems.length > 0)
      throw new ConnectorError('invalid_request', `cannot write to Personio: ${problems.join('; ')}`);
    if (Object.keys(custom).length > 0) body.custom_attributes = custom;
    return body;
  }

  #toAccount(person: SourcePerson): Account {
    const attributes: Record<string, AccountAttributeValue> = {};
    const put = (key: string, value: AccountAttributeValue | undefined): void => {
      if (value !== undefined) attributes[key] = value;
    };
    put('firstName', person.firstName);
    put('lastName', person.lastName);
    put('preferredName', person.preferredName);
    put('position', person.position);
    put('department', person.department === undefined ? undefined : (person.department?.name ?? null));
    put('office', person.office === undefined ? undefined : (person.office?.name ?? null));
    put('legalEntity', person.legalEntity === undefined ? undefined : (person.legalEntity?.name ?? null));
    put('hireDate', person.hireDate);
    put('weeklyWorkingHours', person.weeklyWorkingHours);
    put('status', person.status);
    put('supervisorId', person.supervisorId);
    for (const [custom, value] of Object.entries(person.customAttributes)) put(custom, value);
    const email = person.workEmail ?? null;
    const displayName =
      person.preferredName ??
      ([person.firstName, person.lastName].filter((n) => typeof n === 'string').join(' ') || null);
    return {
      id: person.sourceId,
      userName: email,
      email,
      displayName,
      isActive: person.status === undefined ? null : person.status !== 'inactive',
      attributes,
    };
  }

  #accountFromWrite(
    id: string,
    email: string,
    attributes: Readonly<Record<string, AccountAttributeValue>>,
  ): Account {
    const first = typeof attributes.firstName === 'string' ? attributes.firstName : '';
    const last = typeof attributes.lastName === 'string' ? attributes.lastName : '';
    return {
      id,
      userName: email,
      email,
      displayName: `${first} ${last}`.trim() || null,
      isActive: null,
      attributes,
    };
  }
}

function sameNames(account: Account, body: Record<string, V1EmployeeWrite[string]>): boolean {
  const norm = (v: unknown): string => (typeof v === 'string' ? v.trim().toLowerCase() : '');
  return (
    norm(account.attributes.firstName) === norm(body.first_name) &&
    norm(account.attributes.lastName) === norm(body.last_name)
  );
}
