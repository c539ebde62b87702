// Checks a parsed expression before any person is seen: known functions and arities, literal
// arguments that can never work, person fields on the allow-list, SelectUniqueValue only on top.
import type { Expression, ExpressionError, ExpressionResult } from './expression-ast.ts';
import type { FunctionSpec } from './expression-functions.ts';
import { FUNCTION_NAMES, findFunction, literalCheckAt } from './expression-functions.ts';
import type { ExpressionParseOptions } from './expression-parser.ts';
import { parseExpression } from './expression-parser.ts';
import { printReference } from './expression-printer.ts';
import type { PersonFieldRef } from './person-fields.ts';
import { resolvePersonField } from './person-fields.ts';
import { suggestName } from './name-suggestion.ts';

/** A checked node: references resolved to person fields, calls to their function. */
export type CompiledNode =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'field'; readonly ref: PersonFieldRef }
  | { readonly kind: 'call'; readonly spec: FunctionSpec; readonly args: readonly CompiledNode[] };

/**
 * An expression ready to evaluate. `expression` is the tree with function names in their canonical
 * spelling; `references` lists the person fields it reads (`[workEmail]`), for error messages and
 * for telling which source fields a mapping depends on.
 */
export interface CompiledExpression {
  readonly text: string;
  readonly expression: Expression;
  readonly root: CompiledNode;
  readonly references: readonly string[];
  /** The fields behind `references`, in the same order. */
  readonly fields: readonly PersonFieldRef[];
  /** Whether the top is SelectUniqueValue, whose evaluation must be awaited. */
  readonly isUniqueSelection: boolean;
}

class CheckFailure extends Error {
  readonly at: number;
  constructor(message: string, at: number) {
    super(message);
    this.at = at;
  }
}

function arity(spec: FunctionSpec): string {
  if (spec.maxArgs === Infinity) return `${spec.minArgs} or more arguments`;
  if (spec.minArgs === spec.maxArgs) return `${spec.minArgs} argument${spec.minArgs === 1 ? '' : 's'}`;
  return `${spec.minArgs} to ${spec.maxArgs} arguments`;
}

function compileNode(
  node: Expression,
  isTop: boolean,
  references: Map<string, PersonFieldRef>,
): { tree: Expression; compiled: CompiledNode } {
  switch (node.kind) {
    case 'literal':
      return { tree: node, compiled: { kind: 'literal', value: node.value } };
    case 'reference': {
      const resolved = resolvePersonField(node.path);
      if (!resolved.ok) throw new CheckFailure(`${printReference(node.path)}: ${resolved.error}`, node.at);
      const ref = resolved.value;
      const canonical = [ref.field, ...(ref.part === undefined ? [] : [ref.part])];
      references.set(printReference(canonical), ref);
      return { tree: node, compiled: { kind: 'field', ref } };
    }
    case 'call': {
      const spec = findFunction(node.name);
      if (!spec) {
        const hint = suggestName(node.name, FUNCTION_NAMES);
        throw new CheckFailure(
          `unknown function '${node.name}'${hint ? ` (did you mean ${hint}?)` : ''}; functions: ${FUNCTION_NAMES.join(', ')}`,
          node.at,
        );
      }
      const count = node.args.length;
      if (count < spec.minArgs || count > spec.maxArgs) {
        throw new CheckFailure(`${spec.name}() takes ${arity(spec)}, got ${count}`, node.at);
      }
      if (spec.name === 'Switch' && count % 2 !== 0) {
        throw new CheckFailure(
          `Switch() takes a source, a default and then pairs of key and value, got ${count} arguments (a key without a value?)`,
          node.at,
        );
      }
      if (spec.evaluation === 'unique' && !isTop) {
        throw new CheckFailure(
          'SelectUniqueValue() must be the whole expression, not inside another function',
          node.at,
        );
      }
      const args = node.args.map((arg, index) => {
        if (arg.kind === 'literal' && arg.value !== null) {
          const problem = literalCheckAt(spec, index)?.(arg.value, spec.name, index);
          if (problem !== undefined) throw new CheckFailure(problem, arg.at);
        }
        return compileNode(arg, false, references);
      });
      return {
        tree: { kind: 'call', name: spec.name, args: args.map((a) => a.tree), at: node.at },
        compiled: { kind: 'call', spec, args: args.map((a) => a.compiled) },
      };
    }
  }
}

/** Checks a parsed tree; `text` is kept for messages. Never throws. */
export function compileTree(expression: Expression, text: string): ExpressionResult<CompiledExpression> {
  const references = new Map<string, PersonFieldRef>();
  try {
    const { tree, compiled } = compileNode(expression, true, references);
    return {
      ok: true,
      value: {
        text,
        expression: tree,
        root: compiled,
        references: [...references.keys()],
        fields: [...references.values()],
        isUniqueSelection: compiled.kind === 'call' && compiled.spec.evaluation === 'unique',
      },
    };
  } catch (error) {
    if (error instanceof CheckFailure) {
      const failure: ExpressionError = { message: error.message, position: error.at + 1 };
      return { ok: false, error: failure };
    }
    if (error instanceof RangeError)
      return { ok: false, error: { message: 'the expression is too complex', position: 1 } };
    throw error;
  }
}

/**
 * Parses and checks an expression: syntax, function names (case-insensitive) and arities, literal
 * arguments (formats, time zones, intervals, numbers), person fields on the allow-list, and
 * SelectUniqueValue only as the whole expression. Never throws; errors carry a 1-based position.
 */
export function compileExpression(
  text: string,
  options?: ExpressionParseOptions,
): ExpressionResult<CompiledExpression> {
  const parsed = parseExpression(text, options);
  if (!parsed.ok) return parsed;
  return compileTree(parsed.value, text);
}
