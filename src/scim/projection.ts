// Attribute projection (RFC 7644 §3.4.2.5, §3.9): parses `attributes`/`excludedAttributes` and
// shapes a resource by each attribute's `returned` characteristic (RFC 7643 §2.2), so the data
// layer can also skip loading what will not be returned (members, groups).
import {
  isSchemaUrnKey,
  resolveAttributePath,
  resolveKey,
  type ResourceSchema,
} from './attribute-resolver.ts';
import { badRequest } from './errors.ts';
import type { AttributePath } from './filter-ast.ts';
import { parsePatchPath } from './filter-parser.ts';
import { isPlainObject, ownValue, type JsonObject } from './resource-input.ts';
import type { AttributeDefinition, ScimResource } from './schema.ts';

export interface ProjectionOptions {
  /** Replaces the default set: only these plus `returned: always` attributes come back. */
  readonly attributes?: readonly AttributePath[] | undefined;
  /** Removed from the default set; cannot remove `returned: always` attributes. */
  readonly excludedAttributes?: readonly AttributePath[] | undefined;
}

/**
 * Parses an `attributes` or `excludedAttributes` parameter: comma-separated attribute paths,
 * URN-qualified or not, with an optional sub-attribute (`name.givenName`, `emails.value`). An array
 * (from a repeated query parameter or a SearchRequest body) is read item by item.
 *
 * Microsoft's suite sends value paths (`emails[type eq "work"]`); the filter is dropped and the
 * attribute kept (`emails[type eq "work"].value` keeps `emails.value`). Commas inside brackets or
 * quotes do not split. A bare schema URN parses as its last segment; {@link projectResource}
 * reads it as "the whole extension".
 *
 * Syntax errors are 400 invalidValue (RFC 7644 §3.12 has no scimType for parameters; invalidFilter
 * and invalidPath name other parameters). Names that are well-formed but unknown are kept here and
 * ignored by projection, as a misspelt attribute is ignored in a body.
 */
export function parseAttributeList(text: string | readonly string[] | undefined): AttributePath[] {
  if (text === undefined) return [];
  const items = typeof text === 'string' ? [text] : text;
  const paths: AttributePath[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      throw badRequest('invalidValue', 'attribute lists hold attribute names as strings');
    }
    for (const part of splitTopLevel(item)) {
      const trimmed = part.trim();
      if (trimmed === '') continue;
      const parsed = parsePatchPath(trimmed);
      if (!parsed.ok) throw badRequest('invalidValue', `invalid attribute name: ${parsed.error}`);
      const { path, filter, subAttribute } = parsed.value;
      if (filter === undefined) {
        paths.push(path);
      } else {
        paths.push({
          ...(path.uri !== undefined ? { uri: path.uri } : {}),
          attribute: path.attribute,
          ...(subAttribute !== undefined ? { subAttribute } : {}),
        });
      }
    }
  }
  return paths;
}

/** Splits at commas that are outside `[…]` and outside double-quoted strings. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Per attribute: the whole of it, or some of its sub-attributes (by canonical name). */
type Selection = 'whole' | Set<string>;

interface Plan {
  readonly requested?: Map<string, Selection>;
  readonly excluded: Map<string, Selection>;
}

const keyOf = (schemaUri: string, attribute: AttributeDefinition): string =>
  `${schemaUri.toLowerCase()}|${attribute.name}`;

function select(map: Map<string, Selection>, key: string, sub?: string): void {
  const current = map.get(key);
  if (current === 'whole') return;
  if (sub === undefined) map.set(key, 'whole');
  else if (current === undefined) map.set(key, new Set([sub]));
  else current.add(sub);
}

function selectionsOf(
  schema: ResourceSchema,
  paths: readonly AttributePath[] | undefined,
): Map<string, Selection> {
  const map = new Map<string, Selection>();
  for (const path of paths ?? []) {
    const resolved = resolveAttributePath(schema, path);
    if (resolved !== undefined) {
      select(map, keyOf(resolved.schemaUri, resolved.attribute), resolved.subAttribute?.name);
      continue;
    }
    // A bare schema URN (`urn:…:enterprise:2.0:User`) selects every attribute of that schema.
    if (path.uri === undefined || path.subAttribute !== undefined) continue;
    const whole = `${path.uri}:${path.attribute}`.toLowerCase();
    const owner = [schema.core, ...schema.extensions].find((s) => s.id.toLowerCase() === whole);
    for (const attribute of owner?.attributes ?? []) select(map, keyOf(owner!.id, attribute), undefined);
  }
  return map;
}

function planOf(schema: ResourceSchema, options: ProjectionOptions): Plan {
  const requested =
    options.attributes !== undefined && options.attributes.length > 0
      ? selectionsOf(schema, options.attributes)
      : undefined;
  return {
    ...(requested !== undefined ? { requested } : {}),
    excluded: selectionsOf(schema, options.excludedAttributes),
  };
}

/**
 * Which sub-attributes of `attribute` to keep, or `false` to drop the attribute, or `true` for
 * the attribute as a whole (still without `never` and `request` sub-attributes not named).
 */
function decide(
  plan: Plan,
  schemaUri: string,
  attribute: AttributeDefinition,
): boolean | ((sub: AttributeDefinition) => boolean) {
  if (attribute.returned === 'never') return false;
  const key = keyOf(schemaUri, attribute);
  const byDefault = (sub: AttributeDefinition) => sub.returned === 'always' || sub.returned === 'default';
  if (attribute.returned === 'always') return true;
  if (plan.requested !== undefined) {
    const wanted = plan.requested.get(key);
    if (wanted === undefined) return false;
    if (wanted === 'whole') return true;
    return (sub) => sub.returned === 'always' || wanted.has(sub.name);
  }
  if (attribute.returned === 'request') return false;
  const excluded = plan.excluded.get(key);
  if (excluded === 'whole') return false;
  if (excluded === undefined) return true;
  return (sub) => sub.returned === 'always' || (byDefault(sub) && !excluded.has(sub.name));
}

function projectValue(
  attribute: AttributeDefinition,
  value: unknown,
  decision: true | ((sub: AttributeDefinition) => boolean),
): unknown {
  if (attribute.type !== 'complex' || attribute.subAttributes === undefined) return value;
  const keep =
    decision === true
      ? (sub: AttributeDefinition) => sub.returned === 'always' || sub.returned === 'default'
      : decision;
  const projectOne = (element: unknown): JsonObject | undefined => {
    if (!isPlainObject(element)) return undefined;
    const out: JsonObject = {};
    for (const sub of attribute.subAttributes ?? []) {
      const subValue = ownValue(element, sub.name);
      if (subValue !== undefined && subValue !== null && sub.returned !== 'never' && keep(sub)) {
        out[sub.name] = subValue;
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  if (Array.isArray(value)) {
    const elements = value.map(projectOne).filter((e) => e !== undefined);
    return elements.length > 0 ? elements : undefined;
  }
  return projectOne(value);
}

function projectContainer(
  container: JsonObject,
  attributes: ReadonlyMap<string, AttributeDefinition>,
  schemaUri: string,
  plan: Plan,
): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(container)) {
    const attribute = attributes.get(key);
    const value = container[key];
    if (attribute === undefined || value === undefined || value === null) continue;
    const decision = decide(plan, schemaUri, attribute);
    if (decision === false) continue;
    const projected = projectValue(attribute, value, decision);
    if (projected !== undefined && !(Array.isArray(projected) && projected.length === 0)) {
      out[attribute.name] = projected;
    }
  }
  return out;
}

const byName = (attributes: readonly AttributeDefinition[]) =>
  new Map(attributes.map((a) => [a.name, a] as const));
const coreIndexes = new WeakMap<ResourceSchema, ReadonlyMap<string, AttributeDefinition>>();

function coreAttributesOf(schema: ResourceSchema): ReadonlyMap<string, AttributeDefinition> {
  let index = coreIndexes.get(schema);
  if (index === undefined) {
    // The common attributes (id, externalId, meta) resolve through the core schema's URN.
    const common = ['id', 'externalId', 'meta'].flatMap((name) => {
      const resolved = resolveAttributePath(schema, { attribute: name });
      return resolved !== undefined && !resolved.isExtension ? [resolved.attribute] : [];
    });
    index = byName([...common, ...schema.core.attributes]);
    coreIndexes.set(schema, index);
  }
  return index;
}

/**
 * Shapes a resource for a response (RFC 7643 §2.2 `returned`, RFC 7644 §3.4.2.5):
 * - `always` (`id`, and `schemas`) is returned even when excluded or not listed;
 * - `never` (`password`) is never returned, at any level;
 * - `default` is returned unless excluded, or unless an `attributes` list leaves it out;
 * - `request` is returned only when named in `attributes`.
 * A sub-attribute path (`name.givenName`, `emails.value`) selects or excludes just that part of
 * a complex value. Keys the schema does not define are dropped; empty results are omitted.
 * With both lists given, `attributes` wins (RFC 7644 §3.9 lets a client send only one).
 */
export function projectResource(
  resource: ScimResource,
  schema: ResourceSchema,
  options: ProjectionOptions,
): ScimResource {
  const plan = planOf(schema, options);
  const out: JsonObject = {};
  const schemas = ownValue(resource, 'schemas');
  if (schemas !== undefined) out.schemas = schemas;
  Object.assign(out, projectContainer(resource, coreAttributesOf(schema), schema.core.id, plan));
  for (const extension of schema.extensions) {
    const container = ownValue(resource, extension.id);
    if (!isPlainObject(container)) continue;
    const projected = projectContainer(container, byName(extension.attributes), extension.id, plan);
    if (Object.keys(projected).length > 0) out[extension.id] = projected;
  }
  return out;
}

/**
 * Whether a response under `options` will hold any part of the attribute `name` (plain, dotted or
 * URN-qualified). The data layer asks before loading `members` of a Group or `groups` of a User:
 * Entra reads groups with `excludedAttributes=members`, and loading 10,000 members only to drop
 * them is what times out. Unknown names answer true (load rather than lose data).
 */
export function isAttributeRequested(
  schema: ResourceSchema,
  options: ProjectionOptions,
  name: string,
): boolean {
  const resolved = resolveKey(schema, name);
  if (resolved === undefined || isSchemaUrnKey(resolved)) return true;
  const decision = decide(planOf(schema, options), resolved.schemaUri, resolved.attribute);
  if (typeof decision === 'boolean') {
    return decision && resolved.subAttribute?.returned !== 'never';
  }
  const subs = resolved.attribute.subAttributes ?? [];
  return resolved.subAttribute !== undefined
    ? decision(resolved.subAttribute)
    : subs.some((sub) => sub.returned !== 'never' && decision(sub));
}
