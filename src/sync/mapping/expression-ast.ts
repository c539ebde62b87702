// The syntax tree of mapping expressions and the values they compute. Pure data: the parser builds
// the tree, the printer writes it back, the checker resolves names and the evaluator runs it.

/** A literal as written: a double-quoted string, a JSON number, `true`, `false` or `null`. */
export type Literal = string | number | boolean | null;

/**
 * An expression. `at` is the 0-based offset in the text where the node starts, kept so that a
 * checker or evaluator can point at the node; trees built by hand may use any offset.
 * - `reference`: `[firstName]`, `[department.name]`, `[customAttributes."T-Shirt size"]`; `path`
 *   holds the segments as written (at least one, none empty).
 * - `call`: `Join(" ", [firstName], [lastName])`; `name` as written until the checker replaces it
 *   with the function's canonical spelling.
 */
export type Expression =
  | { readonly kind: 'literal'; readonly value: Literal; readonly at: number }
  | { readonly kind: 'reference'; readonly path: readonly string[]; readonly at: number }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly args: readonly Expression[];
      readonly at: number;
    };

/** A syntax or check error: what is wrong and where (1-based character position in the text). */
export interface ExpressionError {
  readonly message: string;
  readonly position: number;
}

/** Expected failures are values: parsers and checkers never throw. */
export type ExpressionResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ExpressionError };

/** An item of a list value; lists never hold null (empty entries are dropped where lists are made). */
export type ListItem = string | number | boolean;

/**
 * What an expression computes. `undefined` is a value of its own: *not visible* (the source did not
 * show the field, so nothing may be blanked because of it), unlike `null` (the source says empty).
 * Dates are text: calendar dates `YYYY-MM-DD`, instants ISO-8601 with `Z` or an offset.
 */
export type Value = string | number | boolean | null | undefined | readonly ListItem[];
