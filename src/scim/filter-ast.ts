// The SCIM filter and PATCH-path syntax tree (RFC 7644 §3.4.2.2, §3.5.2). Pure data: the parser
// builds it, the printer writes it back, the evaluator runs it in memory and the store compiles it to SQL.

/** Comparison operators of RFC 7644 §3.4.2.2, always lower case in the tree. */
export const COMPARE_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type CompareOperator = (typeof COMPARE_OPERATORS)[number];

/** A literal in a filter. Unquoted words that are not true/false/null/numbers parse as strings. */
export type FilterValue = string | number | boolean | null;

/**
 * An attribute path as written: an optional schema URN, an attribute name and an optional
 * sub-attribute. Names keep the case the client wrote; resolution against a schema is
 * case-insensitive (RFC 7643 §2.1) and happens after parsing.
 */
export interface AttributePath {
  /** Schema URN, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`; absent when not qualified. */
  readonly uri?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

/**
 * A filter expression.
 * - `valuePath` holds a filter whose paths are relative to the complex attribute `path`
 *   (`emails[type eq "work" and value co "@x"]`). The lenient client form
 *   `emails[type eq "work"].value eq "x"` parses to the same node with the trailing comparison
 *   joined by `and` inside the brackets: one email that satisfies both.
 */
export type Filter =
  | {
      readonly kind: 'compare';
      readonly path: AttributePath;
      readonly op: CompareOperator;
      readonly value: FilterValue;
    }
  | { readonly kind: 'present'; readonly path: AttributePath }
  | { readonly kind: 'and'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'not'; readonly filter: Filter }
  | { readonly kind: 'valuePath'; readonly path: AttributePath; readonly filter: Filter };

/**
 * A PATCH operation path (RFC 7644 §3.5.2): `attrPath`, or `attrPath[valFilter]` optionally
 * followed by `.subAttr` (`emails[type eq "work"].value`, `members[value eq "x"]`).
 * When `filter` is present, `path.subAttribute` is absent and `subAttribute` names the
 * sub-attribute after the closing bracket.
 */
export interface PatchPath {
  readonly path: AttributePath;
  readonly filter?: Filter;
  readonly subAttribute?: string;
}

/** Result of a parser: expected failures are values, not exceptions. */
export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };
