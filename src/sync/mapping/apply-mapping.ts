// Applies a mapping to one person: the desired SCIM User as canonical JSON, what each target attribute
// came to (set, empty, not visible), the person references the engine resolves, or every error at once.
import type { SourcePerson } from '../../connectors/index.ts';
import type { AttributeDefinition } from '../../scim/schema.ts';
import type { ScimResource } from '../../scim/schema.ts';
import { URN } from '../../scim/schema.ts';
import type { Value } from './expression-ast.ts';
import type { IsFree } from './expression-evaluator.ts';
import { evaluateExpression } from './expression-evaluator.ts';
import { isEmpty } from './expression-functions.ts';
import type { ApplyOn, MappedAttribute, Mapping } from './mapping-file.ts';
import { readPersonField } from './person-fields.ts';
import type { ElementMatch } from './target-path.ts';
import { EXTENSION_ATTRIBUTE_ORDER, RESOURCE_ATTRIBUTE_ORDER } from './target-path.ts';
import type { ScimValue } from './target-value.ts';
import { convertTargetValue } from './target-value.ts';

export interface MappingContext {
  /** The target's uniqueness check for SelectUniqueValue; see {@link IsFree}. */
  readonly isFree?: IsFree;
  /**
   * What the account is being computed for. `create` (the default) evaluates every target; `update`
   * skips targets with `applyOn: create`, so a chosen userName is neither recomputed nor re-checked.
   */
  readonly purpose?: 'create' | 'update';
}

/**
 * What a target came to:
 * - `set`: a value; it is in `resource`.
 * - `empty`: the source says there is none (null, "", no items) and no default applies; the engine
 *   clears the attribute in the target. Not in `resource` (RFC 7643 §2.5: null is unassigned).
 * - `unknown`: the value depends on a field the source did not show; the engine leaves the target's
 *   attribute as it is. Not in `resource`.
 */
export const TARGET_VALUE_STATES = ['set', 'empty', 'unknown'] as const;
export type TargetValueState = (typeof TARGET_VALUE_STATES)[number];

export interface TargetValue {
  /** Canonical target path, e.g. `emails[type eq "work"].value`. */
  readonly target: string;
  readonly state: TargetValueState;
  /** The converted value when `set`; for a reference, the supervisor's source id. */
  readonly value?: ScimValue;
  readonly applyOn: ApplyOn;
  /** Whether the value is a person's source id for the engine to resolve (the manager). */
  readonly isReference: boolean;
}

/** The manager as the mapping sees it: the supervisor's source id, for the engine to resolve. */
export interface PersonReference {
  readonly target: string;
  readonly sourceId: string;
}

/** A failed target for a person. `message` is the whole sentence; `reason` the part after the colon. */
export interface MappingError {
  readonly target: string;
  readonly personId: string;
  readonly reason: string;
  readonly message: string;
}

export type MappingOutcome =
  | {
      readonly ok: true;
      /**
       * The desired User as canonical SCIM JSON: `schemas` first (the enterprise URN only when an
       * enterprise attribute is set), attributes in schema order, extension attributes under their
       * URN, multi-valued attributes as arrays of the elements value paths built. Holds `set` values
       * only; the manager is added by {@link resolveReferences}.
       */
      readonly resource: ScimResource;
      readonly values: readonly TargetValue[];
      readonly references: readonly PersonReference[];
      /** Things that did not stop the mapping but deserve a look, e.g. a person who supervises themself. */
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly errors: readonly MappingError[] };

function mappingError(target: string, personId: string, reason: string): MappingError {
  return {
    target,
    personId,
    reason,
    message: `mapping for '${target}' failed for person ${personId}: ${reason}`,
  };
}

/** Why a required attribute came out empty, naming the fields the expression reads and their state. */
function emptyReason(attribute: MappedAttribute, person: SourcePerson): string {
  const { references, fields } = attribute.expression;
  const states = fields.map((field, index) => {
    const value = readPersonField(person, field);
    const how = value === undefined ? 'not visible' : isEmpty(value) ? 'empty' : 'present';
    return `${references[index] ?? field.field} is ${how}`;
  });
  return `${attribute.target.text} is required and the expression gave no value${states.length > 0 ? ` (${states.join(', ')})` : ''}`;
}

interface ElementDraft {
  readonly attribute: string;
  readonly match: ElementMatch;
  readonly values: Map<string, ScimValue>;
}

function elementKey(attribute: string, match: ElementMatch): string {
  return JSON.stringify([attribute, [...match].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** Copies `source` with its keys in the order of `definitions`, recursing into complex values. */
function ordered(
  source: Record<string, unknown>,
  definitions: readonly AttributeDefinition[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const definition of definitions) {
    if (!Object.hasOwn(source, definition.name)) continue;
    const value = source[definition.name];
    const subs = definition.subAttributes;
    if (subs && Array.isArray(value))
      out[definition.name] = value.map((v) => ordered(v as Record<string, unknown>, subs));
    else if (subs && value !== null && typeof value === 'object')
      out[definition.name] = ordered(value as Record<string, unknown>, subs);
    else out[definition.name] = value;
  }
  return out;
}

function buildResource(
  values: readonly { attribute: MappedAttribute; value: ScimValue }[],
  elements: readonly ElementDraft[],
): ScimResource {
  const core: Record<string, unknown> = {};
  const extension: Record<string, unknown> = {};
  for (const { attribute, value } of values) {
    const target = attribute.target;
    if (target.kind !== 'attribute') continue;
    const container = target.isExtension ? extension : core;
    if (target.subAttribute === undefined) container[target.attribute] = value;
    else {
      const parent = (container[target.attribute] ??= {}) as Record<string, unknown>;
      parent[target.subAttribute] = value;
    }
  }
  for (const element of elements) {
    // An element needs a value of its own; `primary` or `type` alone describe nothing.
    if (![...element.values.keys()].some((sub) => sub !== 'primary')) continue;
    const list = (core[element.attribute] ??= []) as Record<string, unknown>[];
    list.push({ ...Object.fromEntries(element.match), ...Object.fromEntries(element.values) });
  }
  const hasExtension = Object.keys(extension).length > 0;
  return {
    schemas: hasExtension ? [URN.user, URN.enterpriseUser] : [URN.user],
    ...ordered(core, RESOURCE_ATTRIBUTE_ORDER),
    ...(hasExtension ? { [URN.enterpriseUser]: ordered(extension, EXTENSION_ATTRIBUTE_ORDER) } : {}),
  };
}

/** RFC 7643 §2.4: `primary: true` may mark at most one value of a multi-valued attribute. */
function checkSinglePrimary(
  elements: readonly ElementDraft[],
  mapping: Mapping,
  personId: string,
  errors: MappingError[],
): void {
  const primaries = new Map<string, ElementDraft[]>();
  for (const element of elements) {
    const isKept = [...element.values.keys()].some((sub) => sub !== 'primary');
    const isPrimary =
      element.values.get('primary') === true ||
      element.match.some(([sub, v]) => sub === 'primary' && v === true);
    if (isKept && isPrimary)
      primaries.set(element.attribute, [...(primaries.get(element.attribute) ?? []), element]);
  }
  for (const [attribute, marked] of primaries) {
    if (marked.length < 2) continue;
    const target = mapping.attributes.find(
      (a) => a.target.kind === 'element' && a.target.attribute === attribute,
    );
    errors.push(
      mappingError(
        target?.target.text ?? attribute,
        personId,
        `${marked.length} ${attribute} are marked primary; SCIM allows one (RFC 7643 §2.4)`,
      ),
    );
  }
}

/**
 * Applies a mapping to a person. Every target is evaluated (all errors are collected, not just the
 * first); expressions run synchronously except a top-level SelectUniqueValue, which awaits
 * `context.isFree` once per candidate until one is free.
 *
 * Never rejects for anything about the person or the mapping: those are `MappingError`s naming the
 * target and the person (`mapping for 'userName' failed for person 1234: …`), which the engine
 * reports as a skipped person. It rejects only when `isFree` rejects.
 */
export async function applyMapping(
  mapping: Mapping,
  person: SourcePerson,
  context: MappingContext = {},
): Promise<MappingOutcome> {
  const personId = person.sourceId;
  const errors: MappingError[] = [];
  const values: TargetValue[] = [];
  const setValues: { attribute: MappedAttribute; value: ScimValue }[] = [];
  const references: PersonReference[] = [];
  const warnings: string[] = [];
  const elements = new Map<string, ElementDraft>();
  for (const attribute of mapping.attributes) {
    const target = attribute.target;
    if (context.purpose === 'update' && attribute.applyOn === 'create') continue;
    const evaluationContext = {
      attribute: target.text,
      ...(context.isFree ? { isFree: context.isFree } : {}),
    };
    const evaluated = await evaluateExpression(attribute.expression, person, evaluationContext);
    if (!evaluated.ok) {
      errors.push(mappingError(target.text, personId, evaluated.error));
      continue;
    }
    let value: Value = evaluated.value;
    let state: TargetValueState = value === undefined ? 'unknown' : isEmpty(value) ? 'empty' : 'set';
    if (state === 'empty' && attribute.defaultValue !== undefined) {
      value = attribute.defaultValue;
      state = 'set';
    }
    if (state !== 'set' || value === undefined || value === null) {
      if (attribute.isRequired)
        errors.push(mappingError(target.text, personId, emptyReason(attribute, person)));
      else
        values.push({
          target: target.text,
          state,
          applyOn: attribute.applyOn,
          isReference: target.kind === 'reference',
        });
      continue;
    }
    const converted = convertTargetValue(value, target.kind === 'reference' ? 'string' : target.type);
    if (!converted.ok) {
      errors.push(mappingError(target.text, personId, `${target.text} ${converted.error}`));
      continue;
    }
    const formatProblem = target.kind === 'reference' ? null : checkFormat(target.text, converted.value);
    if (formatProblem !== null) {
      // Edge case 18: a source value that no longer fits the target (a renamed option, a changed
      // attribute type) is left out, so the target keeps its last good value, and reported.
      warnings.push(`${target.text} of person ${personId} ${formatProblem}; the target keeps its value`);
      values.push({ target: target.text, state: 'unknown', applyOn: attribute.applyOn, isReference: false });
      continue;
    }
    if (target.kind === 'reference') {
      const sourceId = String(converted.value);
      if (sourceId === personId) {
        // Edge case 14: self-supervision is a data error in the source; no manager beats a wrong one.
        warnings.push(`person ${personId} is recorded as their own supervisor; ${target.text} is left empty`);
        values.push({ target: target.text, state: 'empty', applyOn: attribute.applyOn, isReference: true });
        continue;
      }
      references.push({ target: target.text, sourceId });
      values.push({
        target: target.text,
        state: 'set',
        value: sourceId,
        applyOn: attribute.applyOn,
        isReference: true,
      });
      continue;
    }
    values.push({
      target: target.text,
      state: 'set',
      value: converted.value,
      applyOn: attribute.applyOn,
      isReference: false,
    });
    if (target.kind === 'element') {
      const key = elementKey(target.attribute, target.match);
      let draft = elements.get(key);
      if (!draft) {
        draft = { attribute: target.attribute, match: target.match, values: new Map() };
        elements.set(key, draft);
      }
      draft.values.set(target.subAttribute, converted.value);
    } else setValues.push({ attribute, value: converted.value });
  }
  checkSinglePrimary([...elements.values()], mapping, personId, errors);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    resource: buildResource(setValues, [...elements.values()]),
    values,
    references,
    warnings,
  };
}

/**
 * SCIM attributes with a defined format (RFC 7643 §4.1.1): `timezone` is an IANA time zone, `locale`
 * and `preferredLanguage` are language tags. Returns what is wrong with a value, or null when it fits
 * or the attribute has no format to check.
 */
function checkFormat(target: string, value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = target.slice(target.lastIndexOf(':') + 1).toLowerCase();
  try {
    if (name === 'timezone') new Intl.DateTimeFormat('en', { timeZone: value });
    else if (name === 'locale' || name === 'preferredlanguage') Intl.getCanonicalLocales(value);
    else return null;
  } catch {
    return name === 'timezone' ? 'is not an IANA time zone' : 'is not a language tag';
  }
  return null;
}

/**
 * Puts resolved references into a resource, returning a new one: for each reference whose source id
 * `accountIdOf` knows, the manager becomes `{ value: <account id> }` (and the enterprise URN joins
 * `schemas`). Unknown ones (the supervisor has no account in the target, is out of scope or inactive)
 * are returned in `unresolved` and leave the manager out: edge case 14 says an empty manager beats
 * one pointing at a disabled account.
 */
export function resolveReferences(
  resource: ScimResource,
  references: readonly PersonReference[],
  accountIdOf: (sourceId: string) => string | undefined,
): { resource: ScimResource; unresolved: readonly PersonReference[] } {
  const unresolved: PersonReference[] = [];
  const out = structuredClone(resource);
  for (const reference of references) {
    const accountId = accountIdOf(reference.sourceId);
    if (accountId === undefined) {
      unresolved.push(reference);
      continue;
    }
    const extension = (out[URN.enterpriseUser] ?? {}) as Record<string, unknown>;
    extension['manager'] = { value: accountId };
    out[URN.enterpriseUser] = ordered(extension, EXTENSION_ATTRIBUTE_ORDER);
    const schemas = Array.isArray(out['schemas']) ? (out['schemas'] as string[]) : [URN.user];
    if (!schemas.includes(URN.enterpriseUser)) out['schemas'] = [...schemas, URN.enterpriseUser];
  }
  return { resource: out, unresolved };
}
