// Target attribute paths of a mapping: SCIM User paths (`name.givenName`, `emails[type eq "work"].value`,
// `urn:…:enterprise:2.0:User:department`) parsed with the SCIM path parser and resolved against the schema.
import { resolveAttributePath, USER_RESOURCE_SCHEMA } from '../../scim/attribute-resolver.ts';
import type { AttributePath, Filter } from '../../scim/filter-ast.ts';
import { parsePatchPath } from '../../scim/filter-parser.ts';
import { printAttributePath, printPatchPath } from '../../scim/filter-printer.ts';
import type { AttributeDefinition, AttributeType } from '../../scim/schema.ts';
import { URN } from '../../scim/schema.ts';
import { COMMON_ATTRIBUTES, ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../../scim/schemas-core.ts';
import { suggestName } from './name-suggestion.ts';

/** A sub-attribute value that selects an element of a multi-valued attribute (`type eq "work"`). */
export type ElementMatch = readonly (readonly [subAttribute: string, value: string | number | boolean])[];

/**
 * Where a mapped value goes. `text` is the canonical spelling (schema case, extension attributes
 * under their full URN), the key the engine and error messages use.
 * - `attribute`: a single-valued attribute or a sub-attribute of a single-valued complex one.
 * - `element`: a sub-attribute of the element of a multi-valued attribute that `match` selects;
 *   the element is created with the match's values (`{ type: "work", value: … }`).
 * - `reference`: the enterprise `manager`. The expression gives the supervisor's *source* id; the
 *   engine resolves it to the id of the supervisor's account in the target (see `resolveReferences`).
 */
export type TargetPath =
  | {
      readonly kind: 'attribute';
      readonly text: string;
      readonly schemaUri: string;
      readonly isExtension: boolean;
      readonly attribute: string;
      readonly subAttribute?: string;
      readonly type: AttributeType;
    }
  | {
      readonly kind: 'element';
      readonly text: string;
      readonly attribute: string;
      readonly match: ElementMatch;
      readonly subAttribute: string;
      readonly type: AttributeType;
    }
  | {
      readonly kind: 'reference';
      readonly text: string;
      readonly schemaUri: string;
      readonly attribute: string;
    };

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** Every writable path written plainly, for "did you mean" hints. */
const KNOWN_PATHS: readonly string[] = [
  ...USER_SCHEMA.attributes.flatMap((a) =>
    a.multiValued ? [] : a.subAttributes ? a.subAttributes.map((s) => `${a.name}.${s.name}`) : [a.name],
  ),
  'externalId',
  ...ENTERPRISE_USER_SCHEMA.attributes.map((a) => a.name),
];

function isWritable(definition: AttributeDefinition): boolean {
  return definition.mutability === 'readWrite' || definition.mutability === 'immutable';
}

/** `type eq "work" and primary eq true` → [['type', 'work'], ['primary', true]]; anything else is an error. */
function readMatch(
  filter: Filter,
  parent: AttributeDefinition,
  out: [string, string | number | boolean][],
): string | undefined {
  if (filter.kind === 'and')
    return readMatch(filter.left, parent, out) ?? readMatch(filter.right, parent, out);
  if (
    filter.kind !== 'compare' ||
    filter.op !== 'eq' ||
    filter.path.uri !== undefined ||
    filter.path.subAttribute !== undefined
  ) {
    return `a target's [filter] may only join 'sub-attribute eq value' with 'and', such as ${parent.name}[type eq "work"]`;
  }
  const sub = parent.subAttributes?.find((s) => s.name.toLowerCase() === filter.path.attribute.toLowerCase());
  if (!sub) return `'${parent.name}' has no sub-attribute '${filter.path.attribute}'`;
  if (filter.value === null)
    return `'${parent.name}[${sub.name} eq null]' selects nothing a mapping can create`;
  if (out.some(([name]) => name === sub.name))
    return `'${sub.name}' appears twice in the filter of '${parent.name}'`;
  out.push([sub.name, filter.value]);
  return undefined;
}

function unknownTarget(text: string): Outcome<TargetPath> {
  const hint = suggestName(text, KNOWN_PATHS);
  return {
    ok: false,
    error: `'${text}' is not an attribute of the SCIM User schema or its enterprise extension${hint ? ` (did you mean '${hint}'?)` : ''}`,
  };
}

/**
 * Resolves a target path. Accepts what a SCIM PATCH path accepts (RFC 7644 §3.5.2), names in any case,
 * extension attributes with or without their URN, and refuses what a mapping cannot write: read-only
 * and write-only attributes, whole complex attributes (`name`), multi-valued attributes without a
 * value path (`emails`), and value paths whose filter is more than `sub eq value` joined by `and`.
 */
export function resolveTargetPath(text: string): Outcome<TargetPath> {
  const parsed = parsePatchPath(text);
  if (!parsed.ok) return { ok: false, error: `'${text}' is not a SCIM attribute path: ${parsed.error}` };
  const { path, filter, subAttribute: afterFilter } = parsed.value;
  const resolved = resolveAttributePath(USER_RESOURCE_SCHEMA, path);
  if (!resolved) return unknownTarget(text);
  const { attribute, schemaUri, isExtension } = resolved;
  const sub =
    resolved.subAttribute ??
    (afterFilter === undefined ? undefined : resolveSubAttributeOf(attribute, afterFilter));
  if (afterFilter !== undefined && !sub)
    return { ok: false, error: `'${attribute.name}' has no sub-attribute '${afterFilter}'` };

  if (schemaUri === URN.enterpriseUser && attribute.name === 'manager') {
    if (filter !== undefined || (sub !== undefined && sub.name !== 'value')) {
      return {
        ok: false,
        error: `map the manager as '${URN.enterpriseUser}:manager', whose expression gives the supervisor's source id`,
      };
    }
    return {
      ok: true,
      value: { kind: 'reference', text: `${URN.enterpriseUser}:manager`, schemaUri, attribute: 'manager' },
    };
  }
  if (attribute.name === 'password')
    return { ok: false, error: "'password' is never mapped from an HR source" };
  const leaf = sub ?? attribute;
  if (!isWritable(attribute) || !isWritable(leaf)) {
    return { ok: false, error: `'${text}' is read-only in SCIM; the target sets it` };
  }
  if (attribute.multiValued) {
    if (filter === undefined || sub === undefined) {
      const example = `${attribute.name}[type eq "work"].${attribute.subAttributes?.[0]?.name ?? 'value'}`;
      return {
        ok: false,
        error: `'${attribute.name}' holds several values; map one of them with a value path such as ${example}`,
      };
    }
    const match: [string, string | number | boolean][] = [];
    const problem = readMatch(filter, attribute, match);
    if (problem !== undefined) return { ok: false, error: problem };
    if (match.some(([name]) => name === sub.name)) {
      return { ok: false, error: `'${text}' sets '${sub.name}' both in the filter and as the target` };
    }
    // Schema order, so `[primary eq true and type eq "work"]` and its mirror name the same element.
    const position = (name: string): number =>
      attribute.subAttributes?.findIndex((s) => s.name === name) ?? 0;
    match.sort(([a], [b]) => position(a) - position(b));
    const canonicalFilter = match
      .map(([name, value]): Filter => ({ kind: 'compare', path: { attribute: name }, op: 'eq', value }))
      .reduce((left, right): Filter => ({ kind: 'and', left, right }));
    const canonical = printPatchPath({
      path: { attribute: attribute.name },
      filter: canonicalFilter,
      subAttribute: sub.name,
    });
    return {
      ok: true,
      value: {
        kind: 'element',
        text: canonical,
        attribute: attribute.name,
        match,
        subAttribute: sub.name,
        type: sub.type,
      },
    };
  }
  if (filter !== undefined)
    return {
      ok: false,
      error: `'${attribute.name}' holds one value; a [filter] is only for multi-valued attributes`,
    };
  if (attribute.type === 'complex' && sub === undefined) {
    const example = `${attribute.name}.${attribute.subAttributes?.[0]?.name ?? 'value'}`;
    return { ok: false, error: `'${attribute.name}' is complex; map its sub-attributes, such as ${example}` };
  }
  const canonicalPath: AttributePath = {
    ...(isExtension ? { uri: schemaUri } : {}),
    attribute: attribute.name,
    ...(sub ? { subAttribute: sub.name } : {}),
  };
  return {
    ok: true,
    value: {
      kind: 'attribute',
      text: printAttributePath(canonicalPath),
      schemaUri,
      isExtension,
      attribute: attribute.name,
      ...(sub ? { subAttribute: sub.name } : {}),
      type: leaf.type,
    },
  };
}

function resolveSubAttributeOf(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  return parent.subAttributes?.find((s) => s.name.toLowerCase() === name.toLowerCase());
}

/** Attribute definitions in the order a canonical resource lists them: common, core, then extension. */
export const RESOURCE_ATTRIBUTE_ORDER: readonly AttributeDefinition[] = [
  ...COMMON_ATTRIBUTES,
  ...USER_SCHEMA.attributes,
];
export const EXTENSION_ATTRIBUTE_ORDER: readonly AttributeDefinition[] = ENTERPRISE_USER_SCHEMA.attributes;
