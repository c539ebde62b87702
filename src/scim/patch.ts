// The PATCH engine (RFC 7644 §3.5.2): reads the PatchOp envelope, applies add/replace/remove to a
// working copy of a resource, all or nothing, and splits Group membership changes out so that they
// cost O(changed members) against the membership table.
import {
  isSchemaUrnKey,
  resolveAttributePath,
  resolveKey,
  resolveSubAttribute,
  schemaIdsOf,
  type ResolvedAttribute,
  type ResourceSchema,
} from './attribute-resolver.ts';
import { badRequest, ScimError } from './errors.ts';
import type { Filter, PatchPath } from './filter-ast.ts';
import { evaluateFilter, validateFilter } from './filter-evaluate.ts';
import { parsePatchPath } from './filter-parser.ts';
import {
  assertRequiredSubAttributes,
  containerOf,
  isDeepEqual,
  isPlainObject,
  labelOf,
  normalizeAttributeValue,
  normalizeMembers,
  normalizeSubAttributeValue,
  ownValue,
  recomputeSchemas,
  resolveBodyEntries,
  withSchemasFirst,
  type JsonObject,
  type Member,
} from './resource-input.ts';
import { URN, type AttributeDefinition, type ScimResource } from './schema.ts';

export const PATCH_OPS = ['add', 'remove', 'replace'] as const;
export type PatchOp = (typeof PATCH_OPS)[number];

/** One operation of a PatchOp request, its `op` lower-cased and its `path` parsed. */
export interface PatchOperation {
  readonly op: PatchOp;
  /** Absent for a no-path `add` or `replace`, whose value is an object of attributes. */
  readonly path?: PatchPath;
  /** The path as the client wrote it; a bare schema URN is recognised from it. */
  readonly pathText?: string;
  /** The value as sent; `undefined` when the operation had none. */
  readonly value?: unknown;
}

/** Upper bound of operations in one PATCH request; more is answered 400 before anything is applied. */
export const MAX_PATCH_OPERATIONS = 1000;

/**
 * Reads a PatchOp request body (RFC 7644 §3.5.2). Keys (`Operations`, `op`, `path`, `value`) and
 * `op` values compare case-insensitively: Entra sends `Add`, `Replace`, `Remove` by default.
 *
 * `schemas` may be missing (the operations say what the body is, and refusing would help no one);
 * when present it must list the PatchOp URN, so a body meant for another endpoint is not misread.
 * An empty or whitespace-only `path` counts as no path.
 *
 * @throws ScimError 400 invalidSyntax (shape, unknown op), invalidValue (more than
 *   `maxOperations`; add or replace without value), invalidPath (unparsable path), noTarget
 *   (remove without path).
 */
export function parsePatchRequest(
  body: unknown,
  options: { readonly maxOperations?: number } = {},
): PatchOperation[] {
  const maxOperations = options.maxOperations ?? MAX_PATCH_OPERATIONS;
  if (!isPlainObject(body)) {
    throw badRequest('invalidSyntax', 'A PATCH body must be a JSON object with "Operations"');
  }
  const schemas = caseInsensitive(body, 'schemas');
  const operations = caseInsensitive(body, 'Operations');
  if (schemas !== undefined) {
    const patchOp = URN.patchOp.toLowerCase();
    if (
      !Array.isArray(schemas) ||
      !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === patchOp)
    ) {
      throw badRequest('invalidSyntax', `"schemas" must list "${URN.patchOp}"`);
    }
  }
  if (!Array.isArray(operations) || operations.length === 0) {
    throw badRequest('invalidSyntax', '"Operations" must be a non-empty array');
  }
  if (operations.length > maxOperations) {
    throw badRequest(
      'invalidValue',
      `A PATCH request may hold at most ${maxOperations} operations; send several requests`,
    );
  }
  return operations.map((raw, index) => parseOperation(raw, index));
}

function caseInsensitive(object: JsonObject, name: string): unknown {
  const lower = name.toLowerCase();
  let found: unknown;
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) found = object[key];
  return found;
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isPlainObject(raw)) throw badRequest('invalidSyntax', `${where} must be an object`);
  const opText = caseInsensitive(raw, 'op');
  const op = typeof opText === 'string' ? opText.toLowerCase() : undefined;
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    throw badRequest('invalidSyntax', `${where}.op must be "add", "remove" or "replace"`);
  }
  const pathValue = caseInsensitive(raw, 'path');
  const value = caseInsensitive(raw, 'value');
  if (pathValue !== undefined && pathValue !== null && typeof pathValue !== 'string') {
    throw badRequest('invalidPath', `${where}.path must be a string`);
  }
  const pathText = typeof pathValue === 'string' ? pathValue.trim() : '';
  if (pathText === '') {
    if (op === 'remove') {
      throw badRequest('noTarget', `${where}: a remove operation needs a "path"`);
    }
    if (value === undefined) throw badRequest('invalidValue', `${where}: ${op} needs a "value"`);
    return { op, value };
  }
  const parsed = parsePatchPath(pathText);
  if (!parsed.ok) throw badRequest('invalidPath', `${where}.path: ${parsed.error}`);
  if (op !== 'remove' && value === undefined) {
    throw badRequest('invalidValue', `${where}: ${op} needs a "value"`);
  }
  return {
    op,
    path: parsed.value,
    pathText,
    ...(value !== undefined ? { value } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// applyPatch

export interface ApplyPatchOptions {
  /**
   * `add` or `replace` on a value path that matches nothing creates the element from the filter's
   * `eq` clauses (Entra's `replace emails[type eq "work"].value` for a user without a work e-mail).
   * RFC 7644 §3.5.2.3 says 400 noTarget; `false` gives that strict answer. Default `true`.
   */
  readonly valuePathUpsert?: boolean;
}

export interface PatchResult {
  readonly resource: ScimResource;
  /** False when the operations left the resource as it was (re-adding a present value, say). */
  readonly changed: boolean;
}

interface Target extends ResolvedAttribute {
  readonly filter?: Filter;
  readonly label: string;
}

interface Context {
  readonly schema: ResourceSchema;
  readonly upsert: boolean;
}

/**
 * Applies PATCH operations in order (RFC 7644 §3.5.2), each seeing the previous one's result.
 *
 * Pure and atomic: the input is never modified; the first failing operation throws and nothing
 * of the request applies. The result has `schemas` recomputed (an extension URN appears with its
 * first attribute and goes with its last) and holds no null or empty values.
 *
 * - add: single-valued attributes are set, complex ones merged, multi-valued ones appended, and a
 *   value already present is not appended again (so `changed` stays false). For values that
 *   reference a resource (they have `$ref`, like members and manager) identity is `value`.
 * - replace: like add, except that a multi-valued attribute without a filter gets exactly the
 *   given values, and a value filter replaces the matching elements whole.
 * - remove: unassigns; with a value filter removes the matching elements (none matching is not an
 *   error: an IdP retrying a removal must not fail); with a `value` and no filter removes only the
 *   listed values (Entra's and JumpCloud's member removal), an empty `value` array removing nothing.
 * - No-path add and replace take an object of plain, dotted and URN-qualified keys; unknown keys
 *   are ignored as in a POST. A readOnly attribute inside it (Okta echoes `id` when renaming a
 *   group) is ignored when it equals the stored value, `meta` always; anything else is refused.
 * - A path under a schema URN the resource type does not have is ignored, as in a POST body.
 * - `password` is accepted and dropped: Roster never stores it.
 * - Setting `primary: true` on one value clears it on the others (RFC 7644 §3.5.2).
 * - String booleans are accepted for boolean attributes; a bare string for a complex attribute
 *   with a `value` becomes `{ value }` (Entra's manager).
 *
 * @throws ScimError 400 with the operation's position in the detail: invalidPath (unknown
 *   attribute), mutability (readOnly target, immutable change, removing a required attribute),
 *   invalidValue (wrong type, several primaries, required value cleared), noTarget (value filter
 *   with no match when upserts are off or the filter cannot describe the new element).
 */
export function applyPatch(
  resource: ScimResource,
  operations: readonly PatchOperation[],
  schema: ResourceSchema,
  options: ApplyPatchOptions = {},
): PatchResult {
  const context: Context = { schema, upsert: options.valuePathUpsert ?? true };
  const before: JsonObject = structuredClone(resource);
  recomputeSchemas(before, schema);
  const working = structuredClone(before);
  operations.forEach((operation, index) => {
    inOperation(index, operation, () => applyOperation(working, operation, context));
  });
  recomputeSchemas(working, schema);
  return { resource: withSchemasFirst(working), changed: !isDeepEqual(before, working) };
}

/** Prefixes errors with the failing operation's position; never its value or path (they may hold personal data). */
function inOperation<T>(index: number, operation: PatchOperation, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ScimError) {
      throw new ScimError(
        error.status,
        `Operation ${index + 1} (${operation.op}): ${error.message}`,
        error.scimType,
        { cause: error },
      );
    }
    throw error;
  }
}

function applyOperation(working: JsonObject, operation: PatchOperation, context: Context): void {
  const { op, path, value } = operation;
  if (path === undefined) {
    if (op === 'remove') throw badRequest('noTarget', 'a remove operation needs a "path"');
    applyNoPath(working, op, value, context);
    return;
  }
  // Some clients write a whole extension as the path: `"path": "urn:…:enterprise:2.0:User"`.
  const whole = operation.pathText === undefined ? undefined : resolveKey(context.schema, operation.pathText);
  if (whole !== undefined && isSchemaUrnKey(whole)) {
    if (!whole.isExtension) throw badRequest('invalidPath', 'a path cannot name the core schema');
    if (op === 'remove') delete working[whole.schema.id];
    else applyNoPath(working, op, { [whole.schema.id]: value }, context);
    return;
  }
  const target = resolveTarget(context.schema, path);
  if (target === undefined) return;
  if (op === 'remove') applyRemove(working, target, value, context);
  else applySet(working, target, op, value, context);
}

function resolveTarget(schema: ResourceSchema, patchPath: PatchPath): Target | undefined {
  const resolved = resolveAttributePath(schema, patchPath.path);
  if (resolved === undefined && patchPath.path.attribute.toLowerCase() === 'schemas') {
    // RFC 7643 §3: `schemas` follows the attributes present; clients never write it directly.
    throw badRequest('mutability', '"schemas" is maintained by the server');
  }
  if (resolved === undefined) {
    const uri = patchPath.path.uri?.toLowerCase();
    if (uri !== undefined && !schemaIdsOf(schema).some((id) => id.toLowerCase() === uri)) {
      return undefined;
    }
    const name = [patchPath.path.attribute, patchPath.path.subAttribute].filter(Boolean).join('.');
    throw badRequest('invalidPath', `"${name}" is not an attribute of ${schema.resourceType.name}`);
  }
  if (patchPath.filter === undefined) return { ...resolved, label: labelOf(resolved, resolved.subAttribute) };
  const { attribute } = resolved;
  if (attribute.type !== 'complex') {
    throw badRequest('invalidPath', `"${labelOf(resolved)}" is not complex and cannot take a value filter`);
  }
  const filter = validateValueFilter(schema, resolved, patchPath.filter);
  let subAttribute: AttributeDefinition | undefined;
  if (patchPath.subAttribute !== undefined) {
    subAttribute = resolveSubAttribute(attribute, patchPath.subAttribute);
    if (subAttribute === undefined) {
      throw badRequest(
        'invalidPath',
        `"${patchPath.subAttribute}" is not a sub-attribute of "${labelOf(resolved)}"`,
      );
    }
  }
  return {
    schemaUri: resolved.schemaUri,
    isExtension: resolved.isExtension,
    attribute,
    ...(subAttribute !== undefined ? { subAttribute } : {}),
    filter,
    label: labelOf(resolved, subAttribute),
  };
}

/**
 * Checks the filter inside `attr[…]` as the filter evaluator will read it (names relative to
 * `attr`, operators fitting the types) and returns it with its literals coerced (`primary eq
 * "True"`). A filter that cannot be meaningful is 400 invalidFilter, never a silent no-match.
 */
function validateValueFilter(schema: ResourceSchema, resolved: ResolvedAttribute, filter: Filter): Filter {
  const checked = validateFilter({ kind: 'valuePath', path: pathOf(resolved), filter }, schema);
  if (!checked.ok) throw badRequest('invalidFilter', checked.error);
  return checked.value.kind === 'valuePath' ? checked.value.filter : filter;
}

const pathOf = (target: Pick<ResolvedAttribute, 'schemaUri' | 'isExtension' | 'attribute'>) =>
  target.isExtension
    ? { uri: target.schemaUri, attribute: target.attribute.name }
    : { attribute: target.attribute.name };

function assertNotReadOnly(target: Target): void {
  if (target.attribute.mutability === 'readOnly' || target.subAttribute?.mutability === 'readOnly') {
    throw badRequest('mutability', `Attribute "${target.label}" is readOnly`);
  }
}

function assertMayChange(
  definition: AttributeDefinition,
  label: string,
  before: unknown,
  after: unknown,
): void {
  // RFC 7643 §2.2: immutable values may be set once (add when unassigned), never changed.
  if (definition.mutability === 'immutable' && before !== undefined && !isDeepEqual(before, after)) {
    throw badRequest('mutability', `Attribute "${label}" is immutable`);
  }
}

const isWriteOnly = (target: Target): boolean =>
  target.attribute.mutability === 'writeOnly' || target.subAttribute?.mutability === 'writeOnly';

/** Values that point at another resource (members, manager, groups) are identified by `value`. */
const isReference = (attribute: AttributeDefinition): boolean =>
  resolveSubAttribute(attribute, '$ref') !== undefined &&
  resolveSubAttribute(attribute, 'value') !== undefined;

// Details derived from a reference's `value`; a new `value` makes the old ones wrong.
const REFERENT_DETAILS = ['$ref', 'display', 'displayName'] as const;

function dropStaleReferentDetails(
  attribute: AttributeDefinition,
  element: JsonObject,
  before: unknown,
  given: ReadonlySet<string>,
): void {
  if (!isReference(attribute) || isDeepEqual(before, ownValue(element, 'value'))) return;
  for (const name of REFERENT_DETAILS) if (!given.has(name)) delete element[name];
}

const elementDefinition = (attribute: AttributeDefinition): AttributeDefinition => ({
  ...attribute,
  multiValued: false,
});

/** `existing` already holds every sub-attribute value of `candidate` (or, for references, its `value`). */
function covers(attribute: AttributeDefinition, existing: unknown, candidate: unknown): boolean {
  if (!isPlainObject(existing) || !isPlainObject(candidate)) return isDeepEqual(existing, candidate);
  if (isReference(attribute) && ownValue(candidate, 'value') !== undefined) {
    return isDeepEqual(ownValue(existing, 'value'), ownValue(candidate, 'value'));
  }
  return Object.keys(candidate).every((k) => isDeepEqual(ownValue(existing, k), candidate[k]));
}

/** RFC 7644 §3.5.2: a value set primary makes the others non-primary (we omit `primary: false`). */
function settlePrimary(elements: readonly unknown[], written: readonly unknown[], label: string): void {
  const asserted = written.filter((e) => isPlainObject(e) && ownValue(e, 'primary') === true);
  if (asserted.length > 1) {
    throw badRequest('invalidValue', `Attribute "${label}" has more than one primary value`);
  }
  const [primary] = asserted;
  if (primary === undefined) return;
  for (const element of elements) {
    if (element !== primary && isPlainObject(element) && element.primary === true) {
      delete element.primary;
    }
  }
}

function store(container: JsonObject, name: string, value: unknown): void {
  const empty =
    value === undefined ||
    (Array.isArray(value) && value.length === 0) ||
    (isPlainObject(value) && Object.keys(value).length === 0);
  if (empty) delete container[name];
  else container[name] = value;
}

const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

// --- add and replace ---------------------------------------------------------------------------

function applyNoPath(working: JsonObject, op: 'add' | 'replace', value: unknown, context: Context): void {
  if (!isPlainObject(value)) {
    throw badRequest('invalidValue', `an ${op} without "path" needs an object "value"`);
  }
  for (const entry of resolveBodyEntries(value, context.schema)) {
    const target: Target = { ...entry.target, label: labelOf(entry.target, entry.target.subAttribute) };
    if (target.attribute.mutability === 'readOnly' || target.subAttribute?.mutability === 'readOnly') {
      if (isEcho(working, target, entry.value)) continue;
      throw badRequest('mutability', `Attribute "${target.label}" is readOnly`);
    }
    applySet(working, target, op, entry.value, context);
  }
}

/** A readOnly value a client sent back unchanged (Okta's `id` on group rename, any `meta`). */
function isEcho(working: JsonObject, target: Target, value: unknown): boolean {
  if (!target.isExtension && target.attribute.name === 'meta') return true;
  const container = containerOf(working, target, false);
  let current = container === undefined ? undefined : ownValue(container, target.attribute.name);
  if (target.subAttribute !== undefined) {
    current = isPlainObject(current) ? ownValue(current, target.subAttribute.name) : undefined;
  }
  const unassigned = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  return isDeepEqual(current, value) || (unassigned(current) && unassigned(value));
}

function applySet(
  working: JsonObject,
  target: Target,
  op: 'add' | 'replace',
  value: unknown,
  context: Context,
): void {
  assertNotReadOnly(target);
  if (isWriteOnly(target)) return;
  const container = containerOf(working, target, true)!;
  const { attribute, subAttribute } = target;
  if (target.filter !== undefined) {
    setFiltered(container, target, target.filter, op, value, context);
  } else if (subAttribute !== undefined) {
    setSubAttributeEverywhere(container, target, subAttribute, value);
  } else if (attribute.multiValued) {
    setMultiValued(container, target, op, value);
  } else if (attribute.type === 'complex') {
    const current = ownValue(container, attribute.name);
    const merged = mergeComplex(attribute, isPlainObject(current) ? current : undefined, value, target.label);
    assertMayChange(attribute, target.label, current, merged);
    if (merged === undefined && attribute.required) {
      throw badRequest('invalidValue', `Attribute "${target.label}" is required`);
    }
    store(container, attribute.name, merged);
  } else {
    const next = normalizeAttributeValue(attribute, value, target.label);
    assertMayChange(attribute, target.label, ownValue(container, attribute.name), next);
    if (next === undefined && attribute.required) {
      throw badRequest('invalidValue', `Attribute "${target.label}" is required`);
    }
    store(container, attribute.name, next);
  }
}

/**
 * Merges a complex value into the current one (RFC 7644 §3.5.2.1/§3.5.2.3: sub-attributes not
 * given are left unchanged). `null` or `""` for the whole value unassigns it; for one
 * sub-attribute, unassigns that sub-attribute. Returns a new object, or undefined when empty.
 */
function mergeComplex(
  attribute: AttributeDefinition,
  current: JsonObject | undefined,
  value: unknown,
  label: string,
): JsonObject | undefined {
  const normalised = normalizeAttributeValue(elementDefinition(attribute), value, label);
  // null, "" and [] unassign the whole value (RFC 7643 §2.5); {} changes nothing.
  if (normalised === undefined && !isPlainObject(value)) return undefined;
  const merged: JsonObject = { ...current };
  const given = new Set<string>();
  const raw = isPlainObject(value) ? value : { value };
  for (const key of Object.keys(raw)) {
    const sub = resolveSubAttribute(attribute, key);
    if (sub === undefined || sub.mutability === 'readOnly') continue;
    given.add(sub.name);
    const next = isPlainObject(normalised) ? ownValue(normalised, sub.name) : undefined;
    assertMayChange(sub, `${label}.${sub.name}`, ownValue(merged, sub.name), next);
    if (next === undefined) delete merged[sub.name];
    else merged[sub.name] = next;
  }
  dropStaleReferentDetails(attribute, merged, current && ownValue(current, 'value'), given);
  if (Object.keys(merged).length === 0) return undefined;
  assertRequiredSubAttributes(attribute, merged, label);
  return merged;
}

function setMultiValued(container: JsonObject, target: Target, op: 'add' | 'replace', value: unknown): void {
  const { attribute, label } = target;
  const current = ownValue(container, attribute.name);
  const given = normalizeAttributeValue(attribute, value, label) as unknown[] | undefined;
  let next: unknown[];
  if (op === 'replace') {
    next = given ?? [];
  } else {
    next = [...arrayOf(current)];
    for (const candidate of given ?? []) {
      if (!next.some((existing) => covers(attribute, existing, candidate))) next.push(candidate);
    }
  }
  settlePrimary(next, given ?? [], label);
  assertRequiredSubAttributes(attribute, next, label);
  const result = next.length === 0 ? undefined : next;
  assertMayChange(attribute, label, current, result);
  if (result === undefined && attribute.required) {
    throw badRequest('invalidValue', `Attribute "${label}" is required`);
  }
  store(container, attribute.name, result);
}

/** Sets one sub-attribute on an element; returns whether the element changed. */
function setSubOn(
  attribute: AttributeDefinition,
  element: JsonObject,
  sub: AttributeDefinition,
  value: unknown,
  label: string,
): void {
  const next = normalizeSubAttributeValue(sub, value, label);
  const before = ownValue(element, sub.name);
  assertMayChange(sub, label, before, next);
  if (next === undefined) delete element[sub.name];
  else element[sub.name] = next;
  if (sub.name === 'value') dropStaleReferentDetails(attribute, element, before, new Set(['value']));
}

/** `name.givenName`, or `emails.type` (which, without a filter, means every element). */
function setSubAttributeEverywhere(
  container: JsonObject,
  target: Target,
  sub: AttributeDefinition,
  value: unknown,
): void {
  const { attribute, label } = target;
  const current = ownValue(container, attribute.name);
  if (!attribute.multiValued) {
    const element: JsonObject = isPlainObject(current) ? { ...current } : {};
    setSubOn(attribute, element, sub, value, label);
    if (Object.keys(element).length > 0) assertRequiredSubAttributes(attribute, element, labelOf(target));
    store(container, attribute.name, element);
    return;
  }
  const elements = arrayOf(current).filter(isPlainObject);
  if (elements.length === 0) elements.push({});
  for (const element of elements) setSubOn(attribute, element, sub, value, label);
  const kept = elements.filter((e) => Object.keys(e).length > 0);
  settlePrimary(kept, kept, labelOf(target));
  assertRequiredSubAttributes(attribute, kept, labelOf(target));
  store(container, attribute.name, kept);
}

function setFiltered(
  container: JsonObject,
  target: Target,
  filter: Filter,
  op: 'add' | 'replace',
  value: unknown,
  context: Context,
): void {
  const { attribute, subAttribute } = target;
  const attributeLabel = labelOf(target);
  const current = ownValue(container, attribute.name);
  const elements: unknown[] = attribute.multiValued
    ? [...arrayOf(current)]
    : isPlainObject(current)
      ? [current]
      : [];
  const matching = elements
    .map((element, index) => ({ element, index }))
    .filter(({ element }) => isPlainObject(element) && matches(target, filter, element, context.schema));
  const written: unknown[] = [];
  if (matching.length === 0) {
    if (!context.upsert) {
      throw badRequest('noTarget', `no value of "${attributeLabel}" matches the filter`);
    }
    const seed = seedFromFilter(filter, attribute, attributeLabel);
    if (seed === undefined) {
      throw badRequest(
        'noTarget',
        `no value of "${attributeLabel}" matches the filter, and only "eq" clauses joined by "and" say which value to create`,
      );
    }
    let created: JsonObject | undefined;
    if (subAttribute !== undefined) {
      const next = normalizeSubAttributeValue(subAttribute, value, target.label);
      created = next === undefined ? undefined : { ...seed, [subAttribute.name]: next };
    } else {
      const next = normalizeAttributeValue(elementDefinition(attribute), value, target.label);
      created = isPlainObject(next) ? { ...seed, ...next } : undefined;
    }
    if (created === undefined) return;
    elements.push(created);
    written.push(created);
  } else {
    for (const { element, index } of matching) {
      const copy: JsonObject = { ...(element as JsonObject) };
      let next: JsonObject | undefined;
      if (subAttribute !== undefined) {
        setSubOn(attribute, copy, subAttribute, value, target.label);
        next = copy;
      } else if (op === 'add') {
        next = mergeComplex(attribute, copy, value, target.label);
      } else {
        // RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced".
        next = normalizeAttributeValue(elementDefinition(attribute), value, target.label) as
          JsonObject | undefined;
        for (const sub of attribute.subAttributes ?? []) {
          assertMayChange(
            sub,
            `${attributeLabel}.${sub.name}`,
            ownValue(copy, sub.name),
            next && ownValue(next, sub.name),
          );
        }
      }
      elements[index] = next !== undefined && Object.keys(next).length > 0 ? next : undefined;
      if (next !== undefined) written.push(next);
    }
  }
  const kept = elements.filter((e) => e !== undefined);
  settlePrimary(kept, written, attributeLabel);
  assertRequiredSubAttributes(attribute, kept, attributeLabel);
  if (attribute.multiValued) store(container, attribute.name, kept);
  else store(container, attribute.name, kept[0]);
}

/** Whether one element satisfies the value filter, evaluated with the attribute's own caseExact rules. */
function matches(target: Target, filter: Filter, element: JsonObject, schema: ResourceSchema): boolean {
  const name = target.attribute.name;
  const holder = target.attribute.multiValued ? { [name]: [element] } : { [name]: element };
  const probe: JsonObject = target.isExtension ? { [target.schemaUri]: holder } : holder;
  return evaluateFilter({ kind: 'valuePath', path: pathOf(target), filter }, probe, schema);
}

/**
 * The element a value filter describes, for upserts: `type eq "work"` gives `{type: "work"}`,
 * `type eq "work" and primary eq true` both. Any other operator, `or` or `not` describes no single
 * element, so there is nothing to create.
 */
function seedFromFilter(
  filter: Filter,
  attribute: AttributeDefinition,
  label: string,
): JsonObject | undefined {
  if (filter.kind === 'and') {
    const left = seedFromFilter(filter.left, attribute, label);
    const right = seedFromFilter(filter.right, attribute, label);
    if (left === undefined || right === undefined) return undefined;
    for (const key of Object.keys(right)) {
      if (Object.hasOwn(left, key) && !isDeepEqual(left[key], right[key])) return undefined;
    }
    return { ...left, ...right };
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq') return undefined;
  const sub = resolveSubAttribute(attribute, filter.path.attribute);
  if (sub === undefined || sub.mutability === 'readOnly') return undefined;
  const value = normalizeSubAttributeValue(sub, filter.value, `${label}.${sub.name}`);
  return value === undefined ? undefined : { [sub.name]: value };
}

// --- remove ------------------------------------------------------------------------------------

function applyRemove(working: JsonObject, target: Target, value: unknown, context: Context): void {
  assertNotReadOnly(target);
  if (isWriteOnly(target)) return;
  const container = containerOf(working, target, false);
  if (container === undefined) return;
  const { attribute, subAttribute, label } = target;
  const current = ownValue(container, attribute.name);
  if (target.filter !== undefined) {
    removeFiltered(container, target, target.filter, context);
  } else if (subAttribute !== undefined) {
    removeSubAttributeEverywhere(container, target, subAttribute);
  } else if (
    value !== undefined &&
    value !== null &&
    (attribute.multiValued || attribute.type === 'complex')
  ) {
    removeListed(container, target, value);
  } else {
    if (current === undefined) return;
    if (attribute.required) {
      throw badRequest('mutability', `Attribute "${label}" is required and cannot be removed`);
    }
    assertMayChange(attribute, label, current, undefined);
    delete container[attribute.name];
  }
}

/**
 * Entra's default mode and JumpCloud remove members as `{"op":"Remove","path":"members","value":
 * [{"value":"id"}]}`: read literally (RFC 7644 §3.5.2.2) that empties the attribute; it means
 * "remove these", so the value selects what goes.
 */
function removeListed(container: JsonObject, target: Target, value: unknown): void {
  const { attribute, label } = target;
  if (Array.isArray(value) && value.length === 0) return;
  const current = ownValue(container, attribute.name);
  // A single-valued complex attribute (manager) may be selected by a one-element list too.
  const selectors = normalizeAttributeValue({ ...attribute, multiValued: true }, value, label);
  if (selectors === undefined || current === undefined) return;
  const list = Array.isArray(selectors) ? selectors : [selectors];
  const selected = (element: unknown) => list.some((s) => covers(attribute, element, s));
  if (!attribute.multiValued) {
    if (!selected(current)) return;
    assertMayChange(attribute, label, current, undefined);
    delete container[attribute.name];
    return;
  }
  const kept = arrayOf(current).filter((e) => !selected(e));
  assertMayChange(attribute, label, current, kept.length === 0 ? undefined : kept);
  if (kept.length === 0 && attribute.required) {
    throw badRequest('mutability', `Attribute "${label}" is required and cannot be removed`);
  }
  store(container, attribute.name, kept);
}

function removeSubOn(
  attribute: AttributeDefinition,
  element: JsonObject,
  sub: AttributeDefinition,
  label: string,
): void {
  const before = ownValue(element, sub.name);
  if (before === undefined) return;
  if (sub.required) throw badRequest('mutability', `Attribute "${label}" is required and cannot be removed`);
  assertMayChange(sub, label, before, undefined);
  delete element[sub.name];
  if (sub.name === 'value') dropStaleReferentDetails(attribute, element, before, new Set());
}

function removeSubAttributeEverywhere(container: JsonObject, target: Target, sub: AttributeDefinition): void {
  const { attribute, label } = target;
  const current = ownValue(container, attribute.name);
  if (!attribute.multiValued) {
    if (!isPlainObject(current)) return;
    const element = { ...current };
    removeSubOn(attribute, element, sub, label);
    store(container, attribute.name, element);
    return;
  }
  const elements = arrayOf(current).map((e) => (isPlainObject(e) ? { ...e } : e));
  for (const element of elements) if (isPlainObject(element)) removeSubOn(attribute, element, sub, label);
  store(
    container,
    attribute.name,
    elements.filter((e) => !isPlainObject(e) || Object.keys(e).length > 0),
  );
}

function removeFiltered(container: JsonObject, target: Target, filter: Filter, context: Context): void {
  const { attribute, subAttribute, label } = target;
  const attributeLabel = labelOf(target);
  const current = ownValue(container, attribute.name);
  const elements: unknown[] = attribute.multiValued
    ? arrayOf(current)
    : current === undefined
      ? []
      : [current];
  const isMatch = (e: unknown) => isPlainObject(e) && matches(target, filter, e, context.schema);
  if (!elements.some(isMatch)) return;
  let kept: unknown[];
  if (subAttribute === undefined) {
    assertMayChange(attribute, attributeLabel, current, null);
    kept = elements.filter((e) => !isMatch(e));
  } else {
    kept = elements
      .map((element) => {
        if (!isMatch(element)) return element;
        const copy = { ...(element as JsonObject) };
        removeSubOn(attribute, copy, subAttribute, label);
        return copy;
      })
      .filter((e) => !isPlainObject(e) || Object.keys(e).length > 0);
  }
  if (kept.length === 0 && attribute.required) {
    throw badRequest('mutability', `Attribute "${attributeLabel}" is required and cannot be removed`);
  }
  if (attribute.multiValued) store(container, attribute.name, kept);
  else store(container, attribute.name, kept[0]);
}

// ---------------------------------------------------------------------------------------------
// Group members

/** A membership change the store applies to the membership table directly. */
export type MemberOperation =
  | { readonly kind: 'add'; readonly members: Member[] }
  | { readonly kind: 'remove'; readonly memberIds: string[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'replaceAll'; readonly members: Member[] };

/**
 * Splits the membership changes out of a Group PATCH, so that a request touching 3 members of a
 * 10,000-member group costs 3 row writes: the caller applies `memberOperations` in order against
 * the membership table and `otherOperations` with {@link applyPatch} to the group without members.
 *
 * - `add members [...]` → add (idempotent: present members stay as they are).
 * - `replace members [...]` → replaceAll; `[]` or null empties the group (Okta's "Push now").
 * - `remove members[value eq "a" or value eq "b"]` → remove those ids.
 * - `remove members` with a `value` array (Entra default mode, JumpCloud) → remove only those;
 *   with an empty array → nothing; without a value → removeAll.
 * - A no-path add or replace whose object has a `members` key (Okta) yields a member operation;
 *   its other keys stay a no-path operation in `otherOperations`.
 * - Removing by any filter other than `value eq` (`members[type eq "User"]`) is refused with
 *   400 invalidFilter rather than silently ignored; so is a path to one member's sub-attribute
 *   (400 mutability: member sub-attributes are immutable, RFC 7643 §4.2).
 *
 * A schema without a `members` attribute (Users) returns every operation in `otherOperations`.
 *
 * @throws ScimError 400 as described, invalidValue for entries without a string `value`.
 */
export function splitMemberOperations(
  operations: readonly PatchOperation[],
  schema: ResourceSchema,
): { memberOperations: MemberOperation[]; otherOperations: PatchOperation[] } {
  const memberOperations: MemberOperation[] = [];
  const otherOperations: PatchOperation[] = [];
  const members = resolveAttributePath(schema, { attribute: 'members' });
  if (members === undefined || members.isExtension || members.attribute.type !== 'complex') {
    return { memberOperations, otherOperations: [...operations] };
  }
  operations.forEach((operation, index) => {
    inOperation(index, operation, () => {
      const member = splitOne(operation, schema);
      if (member.memberOperation !== undefined) memberOperations.push(member.memberOperation);
      if (member.rest !== undefined) otherOperations.push(member.rest);
    });
  });
  return { memberOperations, otherOperations };
}

function splitOne(
  operation: PatchOperation,
  schema: ResourceSchema,
): { memberOperation?: MemberOperation; rest?: PatchOperation } {
  const { op, path, value } = operation;
  if (path === undefined) {
    if (op === 'remove' || !isPlainObject(value)) return { rest: operation };
    return splitNoPath(operation, op, value, schema);
  }
  const resolved = resolveAttributePath(schema, path.path);
  if (resolved === undefined || !isMembersAttribute(resolved)) return { rest: operation };
  if (resolved.subAttribute !== undefined || path.subAttribute !== undefined) {
    throw badRequest(
      'mutability',
      'member sub-attributes are immutable (RFC 7643 §4.2); add or remove the member instead',
    );
  }
  if (op === 'remove') {
    if (path.filter !== undefined) {
      const ids = memberIdsOf(path.filter);
      if (ids === undefined) {
        throw badRequest(
          'invalidFilter',
          'members can be removed by id only: members[value eq "id"], optionally joined with "or"',
        );
      }
      return { memberOperation: { kind: 'remove', memberIds: ids } };
    }
    if (value === undefined || value === null) return { memberOperation: { kind: 'removeAll' } };
    const ids = normalizeMembers(value).map((m) => m.value);
    return ids.length === 0 ? {} : { memberOperation: { kind: 'remove', memberIds: ids } };
  }
  if (path.filter !== undefined) {
    throw badRequest('invalidPath', `to ${op} members use the path "members" with an array of {"value": id}`);
  }
  return { memberOperation: memberSet(op, value) };
}

function splitNoPath(
  operation: PatchOperation,
  op: 'add' | 'replace',
  value: JsonObject,
  schema: ResourceSchema,
): { memberOperation?: MemberOperation; rest?: PatchOperation } {
  const rest: JsonObject = {};
  let membersValue: unknown;
  let found = false;
  for (const key of Object.keys(value)) {
    const resolved = resolveKey(schema, key);
    if (resolved !== undefined && !isSchemaUrnKey(resolved) && isMembersAttribute(resolved)) {
      if (resolved.subAttribute !== undefined) {
        throw badRequest('mutability', 'member sub-attributes are immutable (RFC 7643 §4.2)');
      }
      membersValue = value[key];
      found = true;
    } else {
      Object.defineProperty(rest, key, {
        value: value[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  if (!found) return { rest: operation };
  return {
    memberOperation: memberSet(op, membersValue),
    ...(Object.keys(rest).length > 0 ? { rest: { op, value: rest } } : {}),
  };
}

const isMembersAttribute = (resolved: ResolvedAttribute): boolean =>
  !resolved.isExtension && resolved.attribute.name === 'members';

function memberSet(op: 'add' | 'replace', value: unknown): MemberOperation {
  const members = normalizeMembers(value);
  return op === 'add' ? { kind: 'add', members } : { kind: 'replaceAll', members };
}

/** `value eq "a"`, or several joined by `or`: the ids they name; undefined for any other filter. */
function memberIdsOf(filter: Filter): string[] | undefined {
  if (filter.kind === 'or') {
    const left = memberIdsOf(filter.left);
    const right = memberIdsOf(filter.right);
    return left && right ? [...new Set([...left, ...right])] : undefined;
  }
  if (
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    filter.path.uri === undefined &&
    filter.path.subAttribute === undefined &&
    filter.path.attribute.toLowerCase() === 'value' &&
    (typeof filter.value === 'string' || typeof filter.value === 'number') &&
    filter.value !== ''
  ) {
    return [String(filter.value)];
  }
  return undefined;
}
