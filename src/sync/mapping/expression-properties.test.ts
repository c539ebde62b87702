// Properties of the expression language: no input makes the parser or the checker throw, and
// printing a tree then parsing it gives the tree back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Expression } from './expression-ast.ts';
import { compileExpression } from './expression-compiler.ts';
import { evaluateExpressionSync } from './expression-evaluator.ts';
import { FUNCTION_NAMES } from './expression-functions.ts';
import { parseExpression } from './expression-parser.ts';
import { printExpression } from './expression-printer.ts';
import { ALEX } from './testing/people.ts';

/** The tree without offsets, which printing does not keep. */
function shape(expression: Expression): unknown {
  switch (expression.kind) {
    case 'literal':
      return { literal: expression.value };
    case 'reference':
      return { reference: expression.path };
    case 'call':
      return { call: expression.name, args: expression.args.map(shape) };
  }
}

const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/),
  fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }),
);

const { expression } = fc.letrec<{ expression: Expression }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .oneof(
        fc.string({ unit: 'binary' }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
      )
      .map((value): Expression => ({ kind: 'literal', value, at: 0 })),
    fc
      .array(segment, { minLength: 1, maxLength: 3 })
      .map((path): Expression => ({ kind: 'reference', path, at: 0 })),
    fc
      .tuple(
        fc.oneof(fc.constantFrom(...FUNCTION_NAMES), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/)),
        fc.array(tie('expression'), { maxLength: 4 }),
      )
      .map(([name, args]): Expression => ({ kind: 'call', name, args, at: 0 })),
  ),
}));

/** Text that looks like expressions: mostly the language's own characters, so the parser goes deep. */
const expressionish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'Join(',
        'Left(',
        '[',
        ']',
        '(',
        ')',
        ',',
        '"',
        '\\',
        '.',
        ' ',
        'null',
        'true',
        '-1',
        '1e5',
        '[a.b]',
        '"x"',
        'é',
        '\n',
      ),
      fc.string({ maxLength: 3, unit: 'binary' }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

void describe('expression parser properties', () => {
  void test('parsing never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), expressionish), (text) => {
        const result = parseExpression(text);
        if (!result.ok) {
          assert.ok(result.error.position >= 1 && result.error.position <= text.length + 1);
          assert.notEqual(result.error.message, '');
        }
      }),
      { numRuns: 2000 },
    );
  });

  void test('compiling and evaluating never throw, whatever the text', () => {
    fc.assert(
      fc.property(expressionish, (text) => {
        const result = compileExpression(text);
        if (result.ok && !result.value.isUniqueSelection) evaluateExpressionSync(result.value, ALEX);
      }),
      { numRuns: 2000 },
    );
  });

  void test('printing then parsing gives the same tree', () => {
    fc.assert(
      fc.property(expression, (tree) => {
        const text = printExpression(tree);
        const result = parseExpression(text, { maxLength: 1_000_000, maxDepth: 256 });
        assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error.message}`);
        assert.deepEqual(shape(result.value), shape(tree));
        assert.equal(printExpression(result.value), text);
      }),
      { numRuns: 1000 },
    );
  });

  void test('printing is stable for whatever text parses', () => {
    fc.assert(
      fc.property(expressionish, (text) => {
        const first = parseExpression(text);
        if (!first.ok) return;
        const printed = printExpression(first.value);
        const second = parseExpression(printed, { maxLength: 1_000_000 });
        assert.ok(second.ok);
        assert.deepEqual(shape(second.value), shape(first.value));
      }),
      { numRuns: 2000 },
    );
  });
});
