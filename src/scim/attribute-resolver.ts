// Resolves attribute names, as clients write them in filters, PATCH paths, sortBy and body keys,
// to the schema definitions they mean (RFC 7643 §2.1, RFC 7644 §3.10). Lookups go through Maps
// built from the schema, never through object properties, so `__proto__` or `toString` resolve to nothing.
import type { AttributePath } from './filter-ast.ts';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from './schema.ts';
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_TYPE,
  GROUP_SCHEMA,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
} from './schemas-core.ts';

/** A resource type with its schemas: the core schema and every extension it may carry. */
export interface ResourceSchema {
  readonly resourceType: ResourceTypeDefinition;
  readonly core: SchemaDefinition;
  readonly extensions: readonly SchemaDefinition[];
}

export const USER_RESOURCE_SCHEMA: ResourceSchema = Object.freeze({
  resourceType: USER_RESOURCE_TYPE,
  core: USER_SCHEMA,
  extensions: Object.freeze([ENTERPRISE_USER_SCHEMA]),
});

export const GROUP_RESOURCE_SCHEMA: ResourceSchema = Object.freeze({
  resourceType: GROUP_RESOURCE_TYPE,
  core: GROUP_SCHEMA,
  extensions: Object.freeze([]),
});

/**
 * What an attribute path names. `attribute` is always the top-level definition (its `name` is the
 * canonical spelling to read from a resource); `subAttribute` is set when the path names one.
 * Extension attributes live in the resource under `resource[schemaUri]`.
 */
export interface ResolvedAttribute {
  /** URN of the schema that defines the attribute; the core URN for the common attributes. */
  readonly schemaUri: string;
  readonly isExtension: boolean;
  readonly attribute: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
}

/** A request-body key that is a schema URN itself (`"urn:…:enterprise:2.0:User": { … }`). */
export interface SchemaUrnKey {
  readonly kind: 'schemaUrn';
  readonly schema: SchemaDefinition;
  readonly isExtension: boolean;
}

interface SchemaIndex {
  /** Lower-case schema id → schema, core first. */
  readonly schemas: ReadonlyMap<string, { readonly schema: SchemaDefinition; readonly isExtension: boolean }>;
  /** Lower-case name → core or common attribute. */
  readonly core: ReadonlyMap<string, AttributeDefinition>;
  /** Lower-case schema id → (lower-case name → attribute). */
  readonly byExtension: ReadonlyMap<string, ReadonlyMap<string, AttributeDefinition>>;
  /** Lower-case name → the extension attributes of that name, for short forms. */
  readonly extensionShort: ReadonlyMap<
    string,
    readonly { readonly schemaUri: string; readonly attribute: AttributeDefinition }[]
  >;
}

const indexes = new WeakMap<ResourceSchema, SchemaIndex>();
const subIndexes = new WeakMap<AttributeDefinition, ReadonlyMap<string, AttributeDefinition>>();

function byLowerName(attributes: readonly AttributeDefinition[]): Map<string, AttributeDefinition> {
  const map = new Map<string, AttributeDefinition>();
  for (const a of attributes) map.set(a.name.toLowerCase(), a);
  return map;
}

function indexOf(schema: ResourceSchema): SchemaIndex {
  let index = indexes.get(schema);
  if (index) return index;
  const schemas = new Map<string, { schema: SchemaDefinition; isExtension: boolean }>();
  schemas.set(schema.core.id.toLowerCase(), { schema: schema.core, isExtension: false });
  // Common attributes first so that a core attribute of the same name would win.
  const core = byLowerName([...COMMON_ATTRIBUTES, ...schema.core.attributes]);
  const byExtension = new Map<string, ReadonlyMap<string, AttributeDefinition>>();
  const extensionShort = new Map<string, { schemaUri: string; attribute: AttributeDefinition }[]>();
  for (const extension of schema.extensions) {
    schemas.set(extension.id.toLowerCase(), { schema: extension, isExtension: true });
    byExtension.set(extension.id.toLowerCase(), byLowerName(extension.attributes));
    for (const attribute of extension.attributes) {
      const key = attribute.name.toLowerCase();
      const list = extensionShort.get(key) ?? [];
      list.push({ schemaUri: extension.id, attribute });
      extensionShort.set(key, list);
    }
  }
  index = { schemas, core, byExtension, extensionShort };
  indexes.set(schema, index);
  return index;
}

/** The sub-attribute `name` of a complex attribute, case-insensitively; undefined for anything else. */
export function resolveSubAttribute(
  parent: AttributeDefinition,
  name: string,
): AttributeDefinition | undefined {
  if (!parent.subAttributes) return undefined;
  let map = subIndexes.get(parent);
  if (!map) {
    map = byLowerName(parent.subAttributes);
    subIndexes.set(parent, map);
  }
  return map.get(name.toLowerCase());
}

/**
 * Resolves an attribute path against a resource's schemas, or answers undefined for anything the
 * schemas do not define (including `__proto__`, `constructor`, `toString`).
 *
 * - Names and schema URNs compare case-insensitively (RFC 7643 §2.1).
 * - A path qualified with the core URN resolves the core and the common attributes
 *   (`urn:…:core:2.0:User:userName` ≡ `userName`, `urn:…:core:2.0:User:id` ≡ `id`).
 * - A path qualified with an extension URN resolves only that extension's attributes.
 * - An unqualified name resolves the common and core attributes first. Failing that it resolves an
 *   extension attribute when exactly one extension defines that name: RFC 7644 §3.10 says clients
 *   "SHOULD" qualify extension attributes, not "MUST", and HR-facing clients write `employeeNumber`.
 *   Two extensions defining the same name make the short form ambiguous, so it resolves to nothing.
 * - A sub-attribute resolves only under a complex attribute; an unknown one fails the whole path.
 */
export function resolveAttributePath(
  schema: ResourceSchema,
  path: AttributePath,
): ResolvedAttribute | undefined {
  const index = indexOf(schema);
  const name = path.attribute.toLowerCase();
  let schemaUri: string;
  let isExtension: boolean;
  let attribute: AttributeDefinition | undefined;
  if (path.uri !== undefined) {
    const uri = path.uri.toLowerCase();
    const owner = index.schemas.get(uri);
    if (!owner) return undefined;
    schemaUri = owner.schema.id;
    isExtension = owner.isExtension;
    attribute = isExtension ? index.byExtension.get(uri)?.get(name) : index.core.get(name);
  } else {
    attribute = index.core.get(name);
    schemaUri = schema.core.id;
    isExtension = false;
    if (!attribute) {
      const candidates = index.extensionShort.get(name);
      if (candidates?.length !== 1) return undefined;
      const only = candidates[0];
      if (!only) return undefined;
      attribute = only.attribute;
      schemaUri = only.schemaUri;
      isExtension = true;
    }
  }
  if (!attribute) return undefined;
  if (path.subAttribute === undefined) return { schemaUri, isExtension, attribute };
  const subAttribute = resolveSubAttribute(attribute, path.subAttribute);
  if (!subAttribute) return undefined;
  return { schemaUri, isExtension, attribute, subAttribute };
}

/**
 * Splits a URN-qualified name into the schema URN and the rest (`name` or `name.sub`, possibly
 * followed by `[filter]…` in a PATCH path). Text not starting with `urn:` has no URI.
 *
 * URNs contain both `:` and `.` (`…:enterprise:2.0:User:manager.value`), so the split is made at a
 * colon, never at a dot:
 * - With `knownSchemaIds`, the longest id that equals the text or is followed by `:` wins
 *   (case-insensitively). A bare schema URN is told apart this way only: it returns
 *   `{ uri: text, rest: '' }`.
 * - Otherwise (or when no known id matches) the split is syntactic: at the last `:` before the
 *   first `[`. A bare URN then splits into its last segment (`{ uri: 'urn:…:enterprise:2.0', rest:
 *   'User' }`), which no schema resolves; use {@link resolveKey} to recognise it.
 */
export function splitUrnPath(
  text: string,
  knownSchemaIds: readonly string[] = [],
): { uri?: string; rest: string } {
  if (!/^urn:/i.test(text)) return { rest: text };
  const lower = text.toLowerCase();
  let best = -1;
  for (const id of knownSchemaIds) {
    const candidate = id.toLowerCase();
    if (candidate.length <= best) continue;
    if (lower === candidate || lower.startsWith(`${candidate}:`)) best = candidate.length;
  }
  if (best > 0) return { uri: text.slice(0, best), rest: text.slice(best + 1) };
  const bracket = text.indexOf('[');
  const head = bracket === -1 ? text : text.slice(0, bracket);
  const colon = head.lastIndexOf(':');
  // `urn:` alone has no schema part: leave the text whole so that it fails to resolve.
  if (colon <= 3) return { rest: text };
  return { uri: text.slice(0, colon), rest: text.slice(colon + 1) };
}

const KEY_NAME = /^(?:[A-Za-z][\w-]*|\$ref)$/;

/** Schema ids of a resource schema, core first. */
export function schemaIdsOf(schema: ResourceSchema): readonly string[] {
  return [schema.core.id, ...schema.extensions.map((e) => e.id)];
}

/**
 * Resolves a JSON body key, as in a POST/PUT body or a PATCH value without a path: plain
 * (`userName`), dotted (`name.givenName`), URN-qualified (`urn:…:enterprise:2.0:User:department`,
 * `urn:…:enterprise:2.0:User:manager.value`) or a schema URN itself (`urn:…:enterprise:2.0:User`,
 * whose value is an object of that schema's attributes), which answers a {@link SchemaUrnKey}.
 * Unknown keys, keys with a URN no schema of the resource has, and malformed keys answer undefined.
 */
export function resolveKey(
  schema: ResourceSchema,
  key: string,
): ResolvedAttribute | SchemaUrnKey | undefined {
  const index = indexOf(schema);
  const whole = index.schemas.get(key.toLowerCase());
  if (whole) return { kind: 'schemaUrn', schema: whole.schema, isExtension: whole.isExtension };
  const { uri, rest } = splitUrnPath(key, schemaIdsOf(schema));
  const parts = rest.split('.');
  if (parts.length > 2 || !parts.every((p) => KEY_NAME.test(p))) return undefined;
  const [attribute, subAttribute] = parts as [string, string | undefined];
  return resolveAttributePath(schema, {
    ...(uri !== undefined ? { uri } : {}),
    attribute,
    ...(subAttribute !== undefined ? { subAttribute } : {}),
  });
}

/** Narrows what {@link resolveKey} answers. */
export function isSchemaUrnKey(resolved: ResolvedAttribute | SchemaUrnKey): resolved is SchemaUrnKey {
  return 'kind' in resolved;
}
