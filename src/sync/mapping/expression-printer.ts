// Writes expression trees back as text in one canonical form: JSON strings and numbers, lower-case
// true/false/null, `, ` between arguments. parseExpression(printExpression(e)) equals e up to offsets.
import type { Expression, Literal } from './expression-ast.ts';
import { IDENTIFIER } from './expression-parser.ts';

export function printLiteral(value: Literal): string {
  if (typeof value === 'string') return JSON.stringify(value);
  // String(-0) is "0"; keep the sign so the tree survives a round trip.
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return String(value);
}

/** A reference segment: bare when it is a name, else a JSON string. */
function printSegment(segment: string): string {
  return IDENTIFIER.test(segment) ? segment : JSON.stringify(segment);
}

/** `[a.b]` for a reference path. */
export function printReference(path: readonly string[]): string {
  return `[${path.map(printSegment).join('.')}]`;
}

/**
 * Canonical text of an expression. Numbers must be finite and function names must be names
 * (the parser never yields anything else); a hand-built tree that breaks this prints text that
 * does not parse back.
 */
export function printExpression(expression: Expression): string {
  switch (expression.kind) {
    case 'literal':
      return printLiteral(expression.value);
    case 'reference':
      return printReference(expression.path);
    case 'call':
      return `${expression.name}(${expression.args.map(printExpression).join(', ')})`;
  }
}
