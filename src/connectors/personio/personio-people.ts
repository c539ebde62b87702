// Personio as an HR source: full and incremental reads through v1 (v2 has no company-wide employments
// list), single-person refreshes and webhook notifications through v2, one `PeopleSource` in front.
import { createHash, timingSafeEqual } from 'node:crypto';
import type {
  Clock,
  ConnectorLogger,
  PeoplePage,
  PeopleSource,
  PersonNotification,
  ReadPlan,
  SourcePerson,
} from '../contract.ts';
import { ConnectorError } from '../contract.ts';
import type { MappingConfig } from './person-mapping.ts';
import { OrgNames, currentEmployment, mapV1Employee, mapV2Person } from './person-mapping.ts';
import type { PersonioApi } from './personio-api.ts';
import { decodeWatermark, updatedSinceFor } from './read-cursor.ts';
import type { PersonioSettings } from './settings.ts';
import { sensitivityOf } from './settings.ts';
import type { V1AttributeDefinition, V1Employee } from './v1-envelope.ts';
import { readV1Page } from './v1-paging.ts';
import { parseWebhookDelivery } from './v2-resources.ts';

export interface PersonioPeopleOptions {
  readonly api: PersonioApi;
  readonly settings: PersonioSettings;
  readonly mapping: MappingConfig;
  readonly clock: Clock;
  readonly logger: ConnectorLogger;
  readonly webhookToken?: string | undefined;
}

const HOUR_MS = 3_600_000;

/**
 * The people part of a Personio connection. It remembers (per opened connection) the credential's
 * readable attributes and the names of departments, offices and legal entities it has seen.
 */
export class PersonioPeople implements PeopleSource {
  readonly #api: PersonioApi;
  readonly #settings: PersonioSettings;
  readonly #mapping: MappingConfig;
  readonly #clock: Clock;
  readonly #logger: ConnectorLogger;
  readonly #webhookToken: string | undefined;
  readonly #names = new OrgNames();
  #attributeList: Promise<V1AttributeDefinition[]> | undefined;
  #legalEntitiesLoaded = false;

  constructor(options: PersonioPeopleOptions) {
    this.#api = options.api;
    this.#settings = options.settings;
    this.#mapping = options.mapping;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#webhookToken = options.webhookToken;
  }

  async listPeople(cursor?: string): Promise<PeoplePage> {
    await this.#checkConfiguredAttributes();
    const page = await readV1Page(this.#pagingOptions(), 'full', cursor, {
      since: null,
      lastFullReadAt: null,
    });
    return { items: this.#map(page.employees), nextCursor: page.nextCursor, watermark: page.watermark };
  }

  async changedSince(watermark: string, cursor?: string): Promise<PeoplePage> {
    await this.#checkConfiguredAttributes();
    let start = { since: null as string | null, lastFullReadAt: null as string | null };
    if (cursor === undefined) {
      const decoded = decodeWatermark(watermark);
      if (decoded === null) {
        throw new ConnectorError(
          'invalid_request',
          'the watermark is not one this Personio connector issued; run a full read',
        );
      }
      start = {
        since: updatedSinceFor(decoded.readStartedAt, this.#settings.incrementalOverlapMinutes),
        lastFullReadAt: decoded.lastFullReadAt,
      };
    }
    const page = await readV1Page(this.#pagingOptions(), 'changes', cursor, start);
    return { items: this.#map(page.employees), nextCursor: page.nextCursor, watermark: page.watermark };
  }

  planRead(watermark: string | null): ReadPlan {
    const intervalMs = this.#settings.fullReadIntervalHours * HOUR_MS;
    const every = `Personio's updated_since is known to miss changes, so a full read runs every ${this.#settings.fullReadIntervalHours} h`;
    if (watermark === null) return { mode: 'full', reason: 'no previous read', nextFullReadAt: null };
    const decoded = decodeWatermark(watermark);
    if (decoded === null)
      return { mode: 'full', reason: 'the watermark is unreadable', nextFullReadAt: null };
    if (decoded.lastFullReadAt === null)
      return { mode: 'full', reason: 'no full read yet', nextFullReadAt: null };
    const dueAt = Date.parse(decoded.lastFullReadAt) + intervalMs;
    if (this.#clock.now().getTime() >= dueAt) {
      return {
        mode: 'full',
        reason: `a full read is due (last ${decoded.lastFullReadAt}); ${every}`,
        nextFullReadAt: null,
      };
    }
    return {
      mode: 'changes',
      reason: `incremental read; ${every}`,
      nextFullReadAt: new Date(dueAt).toISOString(),
    };
  }

  /**
   * A fresh read of one person through v2 (person plus current employment). v2 gives related objects as
   * ids; their names come from what v1 reads showed this connection, and otherwise from one v1 lookup by
   * the person's email (which honours the attribute projection).
   */
  async getPerson(sourceId: string): Promise<SourcePerson | null> {
    if (!/^\d{1,15}$/.test(sourceId)) return null;
    const person = await this.#api.getPerson(sourceId);
    if (person === null) return null;
    const employments = await this.#api.listEmployments(sourceId);
    if (employments === null) return null;
    const employment = currentEmployment(employments);
    const readable = await this.#readableAttributes();
    if (this.#mapping.fields.has('legalEntity')) await this.#loadLegalEntityNames();
    let mapped = mapV2Person(person, employment, this.#mapping, this.#names, readable);
    const email = mapped.person.workEmail;
    if (hasUnnamedRefs(mapped.person) && typeof email === 'string') {
      const page = await this.#api.listEmployees({ offset: 0, limit: 2, email });
      const match = page.employees.find((e) => e.id === sourceId);
      if (match) {
        mapV1Employee(match, this.#mapping, this.#names);
        mapped = mapV2Person(person, employment, this.#mapping, this.#names, readable);
      }
    }
    this.#reportUnreadable(sourceId, mapped.unreadable);
    return mapped.person;
  }

  /** The credential's readable attributes (cached per opened connection). */
  readableAttributeList(): Promise<V1AttributeDefinition[]> {
    this.#attributeList ??= this.#api.listReadableAttributes().catch((error: unknown) => {
      this.#attributeList = undefined;
      throw error;
    });
    return this.#attributeList;
  }

  async #readableAttributes(): Promise<ReadonlySet<string> | null> {
    try {
      return new Set(['id', ...(await this.readableAttributeList()).map((a) => a.key)]);
    } catch (error) {
      if (error instanceof ConnectorError && (error.kind === 'forbidden' || error.kind === 'not_found'))
        return null;
      throw error;
    }
  }

  /**
   * Custom attributes are only known by key (`dynamic_…`); before the first read, check against the
   * credential's attribute list that none of the configured ones is pay, bank or identity data.
   */
  async #checkConfiguredAttributes(): Promise<void> {
    const configured = [...Object.entries(this.#settings.customAttributes)];
    if (this.#settings.timeZoneAttribute) configured.push(['timeZone', this.#settings.timeZoneAttribute]);
    if (configured.length === 0) return;
    const definitions = new Map((await this.readableAttributeList()).map((d) => [d.key, d]));
    for (const [name, key] of configured) {
      const definition = definitions.get(key);
      if (definition === undefined) {
        this.#logger.warn(
          { attribute: key, name },
          'configured custom attribute is not readable by this credential',
        );
        continue;
      }
      const why = sensitivityOf(definition);
      if (why !== null) {
        throw new ConnectorError(
          'invalid_request',
          `the custom attribute "${name}" (${key}) must not be read: ${why}. Remove it from customAttributes and from the credential's readable attributes in Personio`,
        );
      }
    }
  }

  async #loadLegalEntityNames(): Promise<void> {
    if (this.#legalEntitiesLoaded) return;
    try {
      for (const entity of await this.#api.listLegalEntities()) {
        if (entity.name !== null) this.#names.remember('legalEntity', { id: entity.id, name: entity.name });
      }
      this.#legalEntitiesLoaded = true;
    } catch (error) {
      // Names are a convenience; a credential without the legal-entities scope still gets the ids.
      if (!(error instanceof ConnectorError && (error.kind === 'forbidden' || error.kind === 'not_found')))
        throw error;
      this.#legalEntitiesLoaded = true;
    }
  }

  #pagingOptions() {
    return {
      api: this.#api,
      clock: this.#clock,
      logger: this.#logger,
      pageSize: this.#settings.pageSize,
      readAheadPages: this.#settings.readAheadPages,
      allowEmptyFullRead: this.#settings.allowEmptyFullRead,
    };
  }

  #map(employees: readonly V1Employee[]): SourcePerson[] {
    return employees.map((employee) => {
      const mapped = mapV1Employee(employee, this.#mapping, this.#names);
      this.#reportUnreadable(employee.id, mapped.unreadable);
      return mapped.person;
    });
  }

  #reportUnreadable(sourceId: string, attributes: readonly string[]): void {
    // Keys only: the values may be personal data.
    if (attributes.length > 0)
      this.#logger.warn({ sourceId, attributes }, 'attribute values Roster cannot read were left out');
  }

  /**
   * Verifies a webhook delivery by the static token Personio sends verbatim in `Authorization` (Personio
   * signs nothing) and returns the person it is about. Without a configured `webhookToken` every delivery
   * is refused: an unauthenticated endpoint would let anyone trigger reads.
   */
  parseNotification(
    headers: Readonly<Record<string, string | undefined>>,
    body: unknown,
  ): PersonNotification | null {
    const token = this.#webhookToken;
    if (token === undefined) {
      this.#logger.warn({}, 'webhook delivery refused: the connection has no webhookToken secret');
      return null;
    }
    const presented = headers.authorization ?? headers.Authorization;
    if (
      presented === undefined ||
      !(sameSecret(presented, token) || sameSecret(presented, `Bearer ${token}`))
    ) {
      return null;
    }
    const delivery = parseWebhookDelivery(body);
    if (!delivery.ok || delivery.value.personId === null) return null;
    return {
      event: delivery.value.eventName,
      sourceId: delivery.value.personId,
      occurredAt: delivery.value.occurredAt,
    };
  }
}

function hasUnnamedRefs(person: SourcePerson): boolean {
  const refs = [
    person.department,
    person.team,
    person.office,
    person.legalEntity,
    ...(person.costCenters ?? []),
  ];
  return refs.some((ref) => ref !== null && ref !== undefined && ref.name === undefined);
}

/** Compares secrets in constant time (hashing first makes the lengths equal). */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
