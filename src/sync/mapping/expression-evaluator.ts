// Evaluates a checked expression over one person. Everything is synchronous and cheap except a
// top-level SelectUniqueValue, whose candidates are computed synchronously and then checked, one by
// one, with the target's injected isFree predicate.
import type { SourcePerson } from '../../connectors/index.ts';
import type { Value } from './expression-ast.ts';
import type { CompiledExpression, CompiledNode } from './expression-compiler.ts';
import {
  EvaluationFailure,
  MAX_LIST_LENGTH,
  MAX_TEXT_LENGTH,
  conditionOf,
  describeValue,
  isEmpty,
  isList,
  textOf,
  valuesEqual,
} from './expression-functions.ts';
import { readPersonField } from './person-fields.ts';

/**
 * Whether `value` is free for the target attribute (`userName`, `emails[type eq "work"].value`) in
 * the target connection. The engine answers from the target's accounts, counting the value held by
 * this person's own account as free and values handed out earlier in the same run as taken.
 */
export type IsFree = (attribute: string, value: string) => boolean | Promise<boolean>;

export interface EvaluationContext {
  /** The target attribute being computed; passed to `isFree`. */
  readonly attribute: string;
  /** Needed only by SelectUniqueValue. */
  readonly isFree?: IsFree;
}

/** The outcome of evaluating an expression for one person; `error` says why, without the prefix naming both. */
export type EvaluationResult =
  { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly error: string };

function evaluateNode(node: CompiledNode, person: SourcePerson): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'field':
      return readPersonField(person, node.ref);
    case 'call':
      break;
  }
  const { spec, args } = node;
  const at = (index: number): Value => {
    const arg = args[index];
    return arg === undefined ? undefined : evaluateNode(arg, person);
  };
  switch (spec.name) {
    case 'Coalesce': {
      let sawVisible = false;
      for (let i = 0; i < args.length; i++) {
        const value = at(i);
        if (!isEmpty(value)) return value;
        if (value !== undefined) sawVisible = true;
      }
      return sawVisible ? null : undefined;
    }
    case 'IIF': {
      const condition = at(0);
      if (condition === undefined) return undefined;
      return conditionOf(condition, 'IIF', 0) ? at(1) : at(2);
    }
    case 'Switch': {
      const source = at(0);
      if (source === undefined) return undefined;
      if (isList(source)) textOf(source, 'Switch', 0);
      for (let i = 2; i + 1 < args.length; i += 2) {
        if (valuesEqual(source, at(i))) return at(i + 1);
      }
      return at(1);
    }
    case 'SelectUniqueValue':
      throw new EvaluationFailure(
        'SelectUniqueValue() needs the target to say which values are free; it can only be evaluated as a whole mapping',
      );
  }
  if (!spec.apply) throw new EvaluationFailure(`${spec.name}() cannot be evaluated here`);
  const result = spec.apply(args.map((arg) => evaluateNode(arg, person)));
  if (typeof result === 'string' && result.length > MAX_TEXT_LENGTH) {
    throw new EvaluationFailure(`${spec.name}() gave text longer than ${MAX_TEXT_LENGTH} characters`);
  }
  if (isList(result) && result.length > MAX_LIST_LENGTH) {
    throw new EvaluationFailure(`${spec.name}() gave more than ${MAX_LIST_LENGTH} values`);
  }
  return result;
}

function settle(run: () => Value): EvaluationResult {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof EvaluationFailure) return { ok: false, error: error.message };
    if (error instanceof RangeError)
      return { ok: false, error: `the expression could not be evaluated: ${error.message}` };
    throw error;
  }
}

/**
 * Evaluates an expression that does not use SelectUniqueValue, synchronously. Failures are values
 * (a bad argument, an unreadable date); the function throws only on a programming error.
 */
export function evaluateExpressionSync(
  expression: CompiledExpression,
  person: SourcePerson,
): EvaluationResult {
  return settle(() => evaluateNode(expression.root, person));
}

/**
 * Evaluates any expression. Without SelectUniqueValue this is {@link evaluateExpressionSync}. With it,
 * each candidate is computed synchronously in order; empty ones are skipped and the first non-empty
 * one `isFree` accepts wins. All candidates taken is an error listing them; all empty gives no value.
 * Rejects only when `isFree` rejects (the target could not be asked), so the engine can retry by the
 * error's kind instead of skipping the person.
 */
export async function evaluateExpression(
  expression: CompiledExpression,
  person: SourcePerson,
  context: EvaluationContext,
): Promise<EvaluationResult> {
  const root = expression.root;
  if (!expression.isUniqueSelection || root.kind !== 'call')
    return evaluateExpressionSync(expression, person);
  const { isFree } = context;
  if (!isFree) {
    return {
      ok: false,
      error: 'SelectUniqueValue() needs the target to say which values are free, and none was given',
    };
  }
  const taken: string[] = [];
  let sawVisible = false;
  for (const [index, candidate] of root.args.entries()) {
    const computed = settle(() => evaluateNode(candidate, person));
    if (!computed.ok) return computed;
    const value = computed.value;
    if (isEmpty(value)) {
      if (value !== undefined) sawVisible = true;
      continue;
    }
    sawVisible = true;
    const text = settle(() => textOf(value, 'SelectUniqueValue', index));
    if (!text.ok) return text;
    const candidateText = text.value as string;
    if (await isFree(context.attribute, candidateText)) return { ok: true, value: candidateText };
    taken.push(candidateText);
  }
  if (taken.length > 0) {
    return {
      ok: false,
      error: `SelectUniqueValue() found every candidate taken: ${taken.map((t) => describeValue(t)).join(', ')}`,
    };
  }
  return { ok: true, value: sawVisible ? null : undefined };
}
