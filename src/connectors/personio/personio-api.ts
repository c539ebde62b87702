// The Personio endpoints this connector calls, one method each, with bodies parsed at the boundary: a 2xx
// body Roster cannot read fails as `unavailable` (a vendor-side fault), never as an empty result.
import type { ConnectorErrorKind } from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import type { HttpClient, HttpMethod, QueryValue } from '../http/http-client.ts';
import type { CachedToken } from './personio-auth.ts';
import type { ParseResult, V1AttributeDefinition, V1EmployeesPage, V1WriteReply } from './v1-envelope.ts';
import {
  describePersonioError,
  parseAttributeList,
  parseEmployeesPage,
  parseWriteReply,
} from './v1-envelope.ts';
import type { V2Employment, V2LegalEntity, V2Person } from './v2-resources.ts';
import { parseEmployment, parseLegalEntity, parseList, parsePerson, parseSingle } from './v2-resources.ts';

/** How the HTTP client should read Personio's OAuth errors (v2 token endpoint answers 400 for all of them). */
export function classifyPersonioError(status: number, body: unknown): ConnectorErrorKind | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  // v1's 403 "Provided authorization is not valid" is a bad token (still bad after a refresh), not a permission.
  if (status === 403 && /authorization is not valid/i.test(describePersonioError(body) ?? ''))
    return 'unauthenticated';
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'string') return undefined;
  switch (error) {
    case 'invalid_client':
    case 'unauthorized_client':
    case 'invalid_grant':
      return 'unauthenticated';
    case 'access_denied':
    case 'invalid_scope':
      return 'forbidden';
    case 'temporarily_unavailable':
    case 'server_error':
      return 'unavailable';
    default:
      return status === 400 ? 'invalid_request' : undefined;
  }
}

export interface PersonioApiOptions {
  readonly http: HttpClient;
  readonly v1Token: CachedToken;
  readonly v2Token: CachedToken;
  /** `attributes[]` of every v1 employee read. */
  readonly attributes: readonly string[];
  readonly partnerId?: string | undefined;
  readonly appId?: string | undefined;
}

/** Employee fields as the v1 POST/PATCH body names them. */
export type V1EmployeeWrite = Readonly<
  Record<string, string | number | null | Readonly<Record<string, string | null>>>
>;

/** Maximum pages followed for one person's employments; a person has one employment per profile in practice. */
const MAX_EMPLOYMENT_PAGES = 20;

export class PersonioApi {
  readonly #http: HttpClient;
  readonly #v1Token: CachedToken;
  readonly #v2Token: CachedToken;
  readonly #attributes: readonly string[];
  readonly #v1Headers: Record<string, string>;
  readonly #v2Headers: Record<string, string>;

  constructor(options: PersonioApiOptions) {
    this.#http = options.http;
    this.#v1Token = options.v1Token;
    this.#v2Token = options.v2Token;
    this.#attributes = options.attributes;
    // v1 spells the tracing headers with X-, v2 without.
    this.#v1Headers = {
      ...(options.partnerId ? { 'x-personio-partner-id': options.partnerId } : {}),
      ...(options.appId ? { 'x-personio-app-id': options.appId } : {}),
    };
    this.#v2Headers = {
      ...(options.partnerId ? { 'personio-partner-id': options.partnerId } : {}),
      ...(options.appId ? { 'personio-app-id': options.appId } : {}),
    };
  }

  get requestedAttributes(): readonly string[] {
    return this.#attributes;
  }

  async #v1<T>(
    operation: string,
    method: HttpMethod,
    path: string,
    parse: (body: unknown) => ParseResult<T>,
    extra: { query?: Record<string, QueryValue>; json?: unknown; isIdempotent?: boolean; bucket: string },
  ): Promise<T> {
    const response = await this.#http.request({
      operation,
      method,
      path,
      auth: this.#v1Token,
      headers: this.#v1Headers,
      bucket: extra.bucket,
      ...(extra.query ? { query: extra.query } : {}),
      ...(extra.json === undefined ? {} : { json: extra.json }),
      ...(extra.isIdempotent === undefined ? {} : { isIdempotent: extra.isIdempotent }),
    });
    const parsed = parse(response.body);
    if (!parsed.ok) {
      throw new ConnectorError(
        'unavailable',
        `Personio ${operation} returned a body Roster cannot read: ${parsed.error}`,
        {
          status: response.status,
          outcome: method === 'GET' ? 'not_applied' : 'unknown',
        },
      );
    }
    return parsed.value;
  }

  async #v2<T>(
    operation: string,
    path: string,
    parse: (body: unknown) => ParseResult<T>,
    query?: Record<string, QueryValue>,
  ): Promise<T> {
    const response = await this.#http.request({
      operation,
      method: 'GET',
      path,
      auth: this.#v2Token,
      headers: this.#v2Headers,
      bucket: 'v2',
      ...(query ? { query } : {}),
    });
    const parsed = parse(response.body);
    if (!parsed.ok) {
      throw new ConnectorError(
        'unavailable',
        `Personio ${operation} returned a body Roster cannot read: ${parsed.error}`,
        {
          status: response.status,
        },
      );
    }
    return parsed.value;
  }

  /** One v1 page; always names its attributes, so salary and bank data are never sent to us. */
  listEmployees(page: {
    offset: number;
    limit: number;
    updatedSince?: string;
    email?: string;
  }): Promise<V1EmployeesPage> {
    return this.#v1('v1.listEmployees', 'GET', '/v1/company/employees', parseEmployeesPage, {
      bucket: 'v1.employees.read',
      query: {
        limit: page.limit,
        offset: page.offset,
        updated_since: page.updatedSince,
        email: page.email,
        'attributes[]': [...this.#attributes],
      },
    });
  }

  listReadableAttributes(): Promise<V1AttributeDefinition[]> {
    return this.#v1('v1.listAttributes', 'GET', '/v1/company/employees/attributes', parseAttributeList, {
      bucket: 'v1.employees.read',
    });
  }

  /** `POST /company/employees`: not idempotent (no idempotency key exists), so never retried here. */
  createEmployee(employee: V1EmployeeWrite): Promise<V1WriteReply> {
    return this.#v1('v1.createEmployee', 'POST', '/v1/company/employees', parseWriteReply, {
      bucket: 'v1.write',
      json: { employee },
    });
  }

  /** `PATCH /company/employees/{id}` sets the given fields to the given values, so repeating it is harmless. */
  updateEmployee(id: string, employee: V1EmployeeWrite): Promise<V1WriteReply> {
    return this.#v1(
      'v1.updateEmployee',
      'PATCH',
      `/v1/company/employees/${encodeURIComponent(id)}`,
      parseWriteReply,
      {
        bucket: 'v1.write',
        json: { employee },
        isIdempotent: true,
      },
    );
  }

  async getPerson(id: string): Promise<V2Person | null> {
    try {
      return await this.#v2('v2.getPerson', `/v2/persons/${encodeURIComponent(id)}`, (body) =>
        parseSingle(body, parsePerson),
      );
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  /** All employments of a person, newest first as Personio lists them; null when the person is gone. */
  async listEmployments(personId: string): Promise<V2Employment[] | null> {
    const employments: V2Employment[] = [];
    let path: string = `/v2/persons/${encodeURIComponent(personId)}/employments`;
    let query: Record<string, QueryValue> | undefined = { limit: 50 };
    for (let pageNumber = 0; pageNumber < MAX_EMPLOYMENT_PAGES; pageNumber++) {
      let page;
      try {
        page = await this.#v2('v2.listEmployments', path, (body) => parseList(body, parseEmployment), query);
      } catch (error) {
        if (error instanceof ConnectorError && error.kind === 'not_found') return null;
        throw error;
      }
      employments.push(...page.items);
      if (page.next === null) return employments;
      // The next link carries the cursor only; the limit must be sent again.
      path = page.next;
      query = { limit: 50 };
    }
    throw new ConnectorError(
      'unavailable',
      `Personio v2.listEmployments did not end after ${MAX_EMPLOYMENT_PAGES} pages`,
    );
  }

  async listLegalEntities(): Promise<V2LegalEntity[]> {
    const entities: V2LegalEntity[] = [];
    let path = '/v2/legal-entities';
    for (let pageNumber = 0; pageNumber < 100; pageNumber++) {
      const page = await this.#v2('v2.listLegalEntities', path, (body) => parseList(body, parseLegalEntity), {
        limit: 200,
      });
      entities.push(...page.items);
      if (page.next === null) return entities;
      path = page.next;
    }
    throw new ConnectorError('unavailable', 'Personio v2.listLegalEntities did not end after 100 pages');
  }
}
