// Input normalisation for POST and PUT bodies (RFC 7643 §2, RFC 7644 §3.3, §3.5.1), and the value
// checks the PATCH engine shares: case-insensitive keys, string booleans, null/""/[] as unassigned,
// readOnly input ignored, Group members validated and handed back on their own.
import {
  isSchemaUrnKey,
  resolveKey,
  resolveSubAttribute,
  type ResolvedAttribute,
  type ResourceSchema,
} from './attribute-resolver.ts';
import { badRequest } from './errors.ts';
import type { AttributeDefinition, SchemaDefinition, ScimResource } from './schema.ts';

/** A JSON object as parsed from a request body. Only own properties are ever read. */
export type JsonObject = Record<string, unknown>;

/** A Group member as Roster stores it: `$ref` is derived on output, never taken from input. */
export interface Member {
  readonly value: string;
  readonly type?: MemberType;
  readonly display?: string;
}

export const MEMBER_TYPES = ['User', 'Group'] as const;
export type MemberType = (typeof MEMBER_TYPES)[number];

/** One key of a body (or of a no-path PATCH value) resolved against the resource's schemas. */
export interface BodyEntry {
  readonly target: ResolvedAttribute;
  readonly value: unknown;
}

export const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads an own property only: `constructor`, `toString` and `__proto__` never come from a prototype. */
export const ownValue = (object: JsonObject, key: string): unknown =>
  Object.hasOwn(object, key) ? object[key] : undefined;

/** Deep equality of JSON values (object key order ignored, array order significant). */
export function isDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => isDeepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && isDeepEqual(a[k], b[k]))
    );
  }
  return false;
}

/** `emails.value`, `urn:…:enterprise:2.0:User:manager.value`: how errors name an attribute. */
export function labelOf(
  target: Pick<ResolvedAttribute, 'schemaUri' | 'isExtension' | 'attribute'>,
  subAttribute?: AttributeDefinition,
): string {
  const base = target.isExtension ? `${target.schemaUri}:${target.attribute.name}` : target.attribute.name;
  return subAttribute ? `${base}.${subAttribute.name}` : base;
}

/** Every schema of a resource type, core first, each tagged with whether it is an extension. */
export function schemaDefinitionsOf(
  schema: ResourceSchema,
): readonly { readonly definition: SchemaDefinition; readonly isExtension: boolean }[] {
  return [
    { definition: schema.core, isExtension: false },
    ...schema.extensions.map((definition) => ({ definition, isExtension: true })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Values

// xsd:dateTime (RFC 7643 §2.3.5); the zone is optional in xsd. Values are stored as sent, so
// Entra's 7-digit fractions survive (Microsoft: "store values exactly as sent").
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$/;
// RFC 7643 §2.3.6: base64 as in RFC 4648 §4.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Entra sends booleans as strings by default ("False", "True"): RFC 7643 §2.3.2 only knows JSON
// booleans, so these are accepted for boolean attributes only, never turned into strings elsewhere.
const STRING_BOOLEAN = /^(true|false)$/i;

/**
 * Checks one value against its attribute definition and returns it normalised, or `undefined` when
 * the value means "unassigned" (RFC 7643 §2.5: `null`, `""`, `[]`, or a complex value with no
 * sub-attribute left).
 *
 * - A single value for a multi-valued attribute is wrapped into an array (the RFC leaves this
 *   open; the intent is unambiguous), and identical values inside one array collapse into one.
 * - A complex attribute with a `value` sub-attribute given a bare scalar becomes `{ value }`:
 *   Entra sends the enterprise `manager` as the manager's id alone.
 * - Sub-attribute keys are matched case-insensitively (Entra sends `"Primary": true`); unknown and
 *   readOnly sub-attributes (e.g. `manager.displayName`) are dropped.
 * - At most one element of a multi-valued attribute may be `primary` (RFC 7643 §2.4).
 *
 * @throws ScimError 400 invalidValue naming `label` when the type does not fit.
 */
export function normalizeAttributeValue(
  definition: AttributeDefinition,
  value: unknown,
  label: string,
): unknown {
  if (value === null || value === undefined) return undefined;
  if (!definition.multiValued) {
    if (Array.isArray(value)) {
      if (value.length === 0) return undefined;
      throw badRequest('invalidValue', `Attribute "${label}" is single-valued, not an array`);
    }
    return normalizeSingleValue(definition, value, label);
  }
  const items = Array.isArray(value) ? value : [value];
  const result: unknown[] = [];
  for (const item of items) {
    if (Array.isArray(item)) {
      throw badRequest('invalidValue', `Attribute "${label}" cannot hold nested arrays`);
    }
    const normalised = normalizeSingleValue(definition, item, label);
    if (normalised !== undefined && !result.some((r) => isDeepEqual(r, normalised))) {
      result.push(normalised);
    }
  }
  if (result.length === 0) return undefined;
  assertSinglePrimary(result, label);
  return result;
}

/** RFC 7643 §2.4: "the primary attribute value 'true' MUST appear no more than once". */
export function assertSinglePrimary(values: readonly unknown[], label: string): void {
  const primaries = values.filter((v) => isPlainObject(v) && ownValue(v, 'primary') === true);
  if (primaries.length > 1) {
    throw badRequest('invalidValue', `Attribute "${label}" has more than one primary value`);
  }
}

function normalizeSingleValue(definition: AttributeDefinition, value: unknown, label: string): unknown {
  if (value === null || value === '') return undefined;
  if (definition.type === 'complex') return normalizeComplexValue(definition, value, label);
  return normalizeScalar(definition, value, label);
}

function normalizeComplexValue(
  definition: AttributeDefinition,
  value: unknown,
  label: string,
): JsonObject | undefined {
  const valueSub = resolveSubAttribute(definition, 'value');
  let object: unknown = value;
  if (!isPlainObject(object) && !Array.isArray(object) && valueSub !== undefined) {
    object = { value };
  }
  if (!isPlainObject(object)) {
    throw badRequest('invalidValue', `Attribute "${label}" must be an object`);
  }
  const result: JsonObject = {};
  for (const key of Object.keys(object)) {
    const sub = resolveSubAttribute(definition, key);
    if (sub === undefined || sub.mutability === 'readOnly') continue;
    const normalised = normalizeSubAttributeValue(sub, object[key], `${label}.${sub.name}`);
    if (normalised !== undefined) result[sub.name] = normalised;
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

/** A sub-attribute value: like {@link normalizeAttributeValue}, but complex is one level only. */
export function normalizeSubAttributeValue(
  definition: AttributeDefinition,
  value: unknown,
  label: string,
): unknown {
  if (definition.type === 'complex') {
    // RFC 7643 §2.3.8: a complex attribute cannot contain complex sub-attributes.
    throw badRequest('invalidValue', `Attribute "${label}" cannot be set`);
  }
  return normalizeAttributeValue(definition, value, label);
}

function normalizeScalar(definition: AttributeDefinition, value: unknown, label: string): unknown {
  const fail = (what: string): never => {
    throw badRequest('invalidValue', `Attribute "${label}" must be ${what}`);
  };
  switch (definition.type) {
    case 'string':
    case 'reference':
      return typeof value === 'string' ? value : fail('a string');
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && STRING_BOOLEAN.test(value)) {
        return value.toLowerCase() === 'true';
      }
      return fail('a boolean');
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? value : fail('an integer');
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? value : fail('a number');
    case 'dateTime':
      return typeof value === 'string' && DATE_TIME.test(value)
        ? value
        : fail('a dateTime such as 2024-01-31T09:30:00Z');
    case 'binary':
      return typeof value === 'string' && BASE64.test(value) ? value : fail('base64 text');
    case 'complex':
      return normalizeComplexValue(definition, value, label);
  }
}

/**
 * RFC 7643 §2.2 `required` for the sub-attributes of one complex value.
 * @throws ScimError 400 invalidValue
 */
export function assertRequiredSubAttributes(
  definition: AttributeDefinition,
  value: unknown,
  label: string,
): void {
  if (definition.type !== 'complex') return;
  const values = Array.isArray(value) ? value : [value];
  for (const sub of definition.subAttributes ?? []) {
    if (!sub.required || sub.mutability === 'readOnly') continue;
    for (const element of values) {
      if (isPlainObject(element) && ownValue(element, sub.name) === undefined) {
        throw badRequest('invalidValue', `Attribute "${label}.${sub.name}" is required`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Keys

/**
 * Resolves the keys of a body or of a no-path PATCH value: plain (`userName`, case-insensitive),
 * dotted (`name.givenName`), URN-qualified (`urn:…:enterprise:2.0:User:department`) and extension
 * objects keyed by their URN. `schemas` and unknown keys (misspelt attributes, URNs Roster does not
 * know, such as the extra Microsoft Group URN) yield nothing: RFC 7644 §3.3 lets a service provider
 * ignore them, and Microsoft's suite expects a misspelt attribute to be ignored.
 *
 * An extension key with the value `null` yields a `null` entry for each of its writable attributes,
 * so the whole extension becomes unassigned.
 */
export function resolveBodyEntries(body: JsonObject, schema: ResourceSchema): BodyEntry[] {
  const entries: BodyEntry[] = [];
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (key.toLowerCase() === 'schemas') continue;
    const resolved = resolveKey(schema, key);
    if (resolved === undefined) continue;
    if (isSchemaUrnKey(resolved)) {
      entries.push(...resolveContainerEntries(schema, resolved.schema, value));
    } else {
      entries.push({ target: resolved, value });
    }
  }
  return entries;
}

function resolveContainerEntries(
  schema: ResourceSchema,
  container: SchemaDefinition,
  value: unknown,
): BodyEntry[] {
  if (value === null) {
    return container.attributes.flatMap((attribute) => {
      const target = resolveKey(schema, `${container.id}:${attribute.name}`);
      return target !== undefined && !isSchemaUrnKey(target) && attribute.mutability !== 'readOnly'
        ? [{ target, value: null }]
        : [];
    });
  }
  if (!isPlainObject(value)) {
    throw badRequest('invalidValue', `"${container.id}" must be an object`);
  }
  const entries: BodyEntry[] = [];
  for (const key of Object.keys(value)) {
    // Only names of this schema: `{"urn:…:enterprise:2.0:User": {"userName": …}}` is not a User name.
    const target = resolveKey(schema, `${container.id}:${key}`);
    if (target !== undefined && !isSchemaUrnKey(target) && target.schemaUri === container.id) {
      entries.push({ target, value: value[key] });
    }
  }
  return entries;
}

/** The object that holds `target`'s attribute: the resource itself, or its extension object. */
export function containerOf(
  resource: JsonObject,
  target: Pick<ResolvedAttribute, 'schemaUri' | 'isExtension'>,
  create: boolean,
): JsonObject | undefined {
  if (!target.isExtension) return resource;
  const current = ownValue(resource, target.schemaUri);
  if (isPlainObject(current)) return current;
  if (!create) return undefined;
  const created: JsonObject = {};
  resource[target.schemaUri] = created;
  return created;
}

/**
 * `schemas` as RFC 7643 §3 defines it: the core URN plus each extension URN whose object is
 * present. Empty extension objects are removed first, so an extension appears only with a value.
 */
export function recomputeSchemas(resource: JsonObject, schema: ResourceSchema): void {
  const uris = [schema.core.id];
  for (const extension of schema.extensions) {
    const value = ownValue(resource, extension.id);
    if (isPlainObject(value) && Object.keys(value).length > 0) uris.push(extension.id);
    else if (Object.hasOwn(resource, extension.id)) delete resource[extension.id];
  }
  resource.schemas = uris;
}

/** Puts `schemas` first, as every example in the RFCs does. */
export function withSchemasFirst(resource: JsonObject): ScimResource {
  const { schemas, ...rest } = resource;
  return { schemas, ...rest };
}

// ---------------------------------------------------------------------------------------------
// POST and PUT

const isMembersTarget = (target: ResolvedAttribute): boolean =>
  !target.isExtension && target.attribute.name === 'members';

// A PUT that omits `active` keeps the stored state instead of clearing it: Okta's wizard-built apps
// send every update as PUT, and a replace that lost `active` must never suspend or revive a person.
// RFC 7644 §3.5.1 lets the service provider keep or default omitted readWrite attributes.
const KEPT_WHEN_OMITTED = new Set(['active']);

/**
 * RFC 7643 §3: `schemas` names the resource's core schema. A body that lists schemas but not this
 * resource type's core one was meant for another endpoint (a Group sent to /Users): refuse it rather
 * than guess. Extra URNs (Entra adds its own) and a missing `schemas` are tolerated.
 */
function assertCoreSchemaListed(body: JsonObject, schema: ResourceSchema): void {
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'schemas');
  if (key === undefined) return;
  const listed = body[key];
  if (!Array.isArray(listed)) throw badRequest('invalidValue', '"schemas" must be an array of schema URNs');
  const core = schema.core.id.toLowerCase();
  if (!listed.some((urn) => typeof urn === 'string' && urn.toLowerCase() === core))
    throw badRequest(
      'invalidValue',
      `"schemas" must include "${schema.core.id}" for a ${schema.resourceType.name}; this body looks meant for another resource type`,
    );
}

/**
 * Turns a POST (`create`) or PUT (`replace`) body into the resource to store: canonical names,
 * extension values under their URN, `schemas` recomputed, nothing null or empty.
 *
 * - readOnly input is ignored (`id`, `meta`, `groups` on a User, `manager.displayName`).
 * - `password` (writeOnly) is accepted and dropped: Roster's directory never needs it, and what is
 *   never stored can never be returned (RFC 7643 §2.2 `returned: never`).
 * - Group `members` are validated by {@link normalizeMembers} but left out: the membership table
 *   holds them; read them with {@link readMembersInput}.
 * - On `replace`, omitted readWrite attributes are cleared (a PUT replaces), except `active`, which
 *   keeps its stored value; an immutable attribute must equal its stored value, and one that is
 *   omitted keeps it (RFC 7644 §3.5.1).
 * - The result holds client-writable attributes only; the caller adds `id`, `meta` and `groups`.
 *
 * @throws ScimError 400 invalidSyntax (not an object), invalidValue (type, required, several
 *   primaries), mutability (an immutable attribute changed on replace).
 */
export function normalizeResourceInput(
  body: unknown,
  schema: ResourceSchema,
  mode: 'create' | 'replace',
  existing?: ScimResource,
): ScimResource {
  if (!isPlainObject(body)) {
    throw badRequest('invalidSyntax', 'The request body must be a JSON object');
  }
  assertCoreSchemaListed(body, schema);
  const resource: JsonObject = {};
  for (const { target, value } of resolveBodyEntries(body, schema)) {
    const { attribute, subAttribute } = target;
    if (attribute.mutability === 'readOnly' || subAttribute?.mutability === 'readOnly') continue;
    if (attribute.mutability === 'writeOnly' || subAttribute?.mutability === 'writeOnly') continue;
    if (isMembersTarget(target)) {
      normalizeMembers(value);
      continue;
    }
    const container = containerOf(resource, target, true)!;
    const label = labelOf(target, subAttribute);
    if (subAttribute !== undefined) {
      setDottedInput(container, attribute, subAttribute, value, label);
      continue;
    }
    const normalised = normalizeAttributeValue(attribute, value, label);
    const current = ownValue(container, attribute.name);
    if (normalised === undefined) {
      // `{"name": null}` after `"name.givenName": "x"` clears both: the later key wins.
      delete container[attribute.name];
    } else if (isPlainObject(current) && isPlainObject(normalised)) {
      container[attribute.name] = { ...current, ...normalised };
    } else {
      container[attribute.name] = normalised;
    }
  }
  if (mode === 'replace' && existing !== undefined) applyReplaceRules(resource, existing, schema);
  assertRequired(resource, schema);
  recomputeSchemas(resource, schema);
  return withSchemasFirst(resource);
}

function setDottedInput(
  container: JsonObject,
  attribute: AttributeDefinition,
  subAttribute: AttributeDefinition,
  value: unknown,
  label: string,
): void {
  if (attribute.multiValued) {
    throw badRequest(
      'invalidValue',
      `"${label}" names a sub-attribute of a multi-valued attribute; send "${attribute.name}" as an array`,
    );
  }
  const normalised = normalizeSubAttributeValue(subAttribute, value, label);
  const current = ownValue(container, attribute.name);
  const parent: JsonObject = isPlainObject(current) ? current : {};
  if (normalised === undefined) delete parent[subAttribute.name];
  else parent[subAttribute.name] = normalised;
  if (Object.keys(parent).length === 0) delete container[attribute.name];
  else container[attribute.name] = parent;
}

function applyReplaceRules(resource: JsonObject, existing: ScimResource, schema: ResourceSchema): void {
  for (const { definition, isExtension } of schemaDefinitionsOf(schema)) {
    const target = { schemaUri: definition.id, isExtension };
    const before = containerOf(existing, target, false);
    if (before === undefined) continue;
    for (const attribute of definition.attributes) {
      const old = ownValue(before, attribute.name);
      if (old === undefined || attribute.mutability === 'readOnly') continue;
      const label = labelOf({ ...target, attribute });
      const after = containerOf(resource, target, false);
      const now = after === undefined ? undefined : ownValue(after, attribute.name);
      const keep = () => {
        containerOf(resource, target, true)![attribute.name] = structuredClone(old);
      };
      if (attribute.mutability === 'immutable') {
        if (now === undefined) keep();
        else if (!isDeepEqual(now, old)) {
          throw badRequest('mutability', `Attribute "${label}" is immutable`);
        }
      } else if (!isExtension && KEPT_WHEN_OMITTED.has(attribute.name) && now === undefined) {
        keep();
      } else if (
        attribute.type === 'complex' &&
        !attribute.multiValued &&
        isPlainObject(old) &&
        isPlainObject(now)
      ) {
        // Immutable sub-attributes of a single complex value keep their stored value too.
        for (const sub of attribute.subAttributes ?? []) {
          if (sub.mutability !== 'immutable') continue;
          const oldSub = ownValue(old, sub.name);
          const newSub = ownValue(now, sub.name);
          if (oldSub === undefined) continue;
          if (newSub === undefined) now[sub.name] = oldSub;
          else if (!isDeepEqual(oldSub, newSub)) {
            throw badRequest('mutability', `Attribute "${label}.${sub.name}" is immutable`);
          }
        }
      }
    }
  }
}

/**
 * RFC 7643 §2.2 `required`, for every schema present (the core always is), top level and inside
 * complex values.
 * @throws ScimError 400 invalidValue
 */
export function assertRequired(resource: JsonObject, schema: ResourceSchema): void {
  for (const { definition, isExtension } of schemaDefinitionsOf(schema)) {
    const target = { schemaUri: definition.id, isExtension };
    const container = containerOf(resource, target, false);
    if (container === undefined) continue;
    for (const attribute of definition.attributes) {
      if (attribute.mutability === 'readOnly') continue;
      const label = labelOf({ ...target, attribute });
      const value = ownValue(container, attribute.name);
      if (value === undefined) {
        // Group members never reach this object: the membership table holds them.
        if (attribute.required && !(!isExtension && attribute.name === 'members')) {
          throw badRequest('invalidValue', `Attribute "${label}" is required`);
        }
        continue;
      }
      assertRequiredSubAttributes(attribute, value, label);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Group members

/**
 * Normalises a Group `members` value (POST, PUT, PATCH): each entry needs a string `value` (the
 * member's id); `type` is `User` or `Group` (any case); `display` is kept; `$ref` is ignored
 * (Entra sends `"$ref": null`; Roster derives it). `null` or `[]` means no members; a single
 * object is taken as a one-element list; repeated ids collapse into the first.
 *
 * @throws ScimError 400 invalidValue naming the offending entry by position.
 */
export function normalizeMembers(value: unknown): Member[] {
  if (value === null || value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  const members: Member[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const where = `members[${index}]`;
    if (!isPlainObject(item)) {
      throw badRequest('invalidValue', `${where} must be an object with a "value"`);
    }
    let id: unknown;
    let type: unknown;
    let display: unknown;
    for (const key of Object.keys(item)) {
      const lower = key.toLowerCase();
      if (lower === 'value') id = item[key];
      else if (lower === 'type') type = item[key];
      else if (lower === 'display') display = item[key];
    }
    if (typeof id !== 'string' || id === '') {
      throw badRequest('invalidValue', `${where}.value must be a non-empty string (the member id)`);
    }
    const member: { value: string; type?: MemberType; display?: string } = { value: id };
    if (type !== null && type !== undefined && type !== '') {
      const canonical =
        typeof type === 'string'
          ? MEMBER_TYPES.find((t) => t.toLowerCase() === type.toLowerCase())
          : undefined;
      if (canonical === undefined) {
        throw badRequest('invalidValue', `${where}.type must be "User" or "Group"`);
      }
      member.type = canonical;
    }
    if (display !== null && display !== undefined && display !== '') {
      if (typeof display !== 'string') {
        throw badRequest('invalidValue', `${where}.display must be a string`);
      }
      member.display = display;
    }
    if (!seen.has(id)) {
      seen.add(id);
      members.push(member);
    }
  });
  return members;
}

/**
 * The members of a Group POST or PUT body, found case-insensitively (plain or URN-qualified key).
 * `undefined` when the body has no `members` key, so the caller can tell "omitted" from "empty".
 */
export function readMembersInput(body: unknown, schema: ResourceSchema): Member[] | undefined {
  if (!isPlainObject(body)) return undefined;
  let members: Member[] | undefined;
  for (const { target, value } of resolveBodyEntries(body, schema)) {
    if (isMembersTarget(target) && target.subAttribute === undefined) {
      members = normalizeMembers(value);
    }
  }
  return members;
}
