// The expression parser: literals, references, calls, and errors with their positions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Expression } from './expression-ast.ts';
import { parseExpression } from './expression-parser.ts';
import { printExpression } from './expression-printer.ts';

function parsed(text: string): Expression {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`${text}: ${result.error.message} at ${result.error.position}`);
  return result.value;
}

function failure(text: string): { message: string; position: number } {
  const result = parseExpression(text);
  if (result.ok) throw new Error(`${text} parsed`);
  return result.error;
}

void describe('parseExpression: literals', () => {
  void test('reads double-quoted strings with JSON escapes', () => {
    assert.deepEqual(parsed('"a \\"b\\" \\\\ \\n \\u00e4"'), {
      kind: 'literal',
      value: 'a "b" \\ \n ä',
      at: 0,
    });
  });

  void test('reads JSON numbers, negative ones included', () => {
    assert.deepEqual(parsed('-12.5e2'), { kind: 'literal', value: -1250, at: 0 });
    assert.deepEqual(parsed('0'), { kind: 'literal', value: 0, at: 0 });
  });

  void test('reads true, false and null in any case', () => {
    assert.deepEqual(parsed('TRUE'), { kind: 'literal', value: true, at: 0 });
    assert.deepEqual(parsed('False'), { kind: 'literal', value: false, at: 0 });
    assert.deepEqual(parsed(' null '), { kind: 'literal', value: null, at: 1 });
  });
});

void describe('parseExpression: references', () => {
  void test('reads a field, a dotted part and a custom attribute', () => {
    assert.deepEqual(parsed('[firstName]'), { kind: 'reference', path: ['firstName'], at: 0 });
    assert.deepEqual(parsed('[department.name]'), { kind: 'reference', path: ['department', 'name'], at: 0 });
    assert.deepEqual(parsed('[customAttributes.T-Shirt]'), {
      kind: 'reference',
      path: ['customAttributes', 'T-Shirt'],
      at: 0,
    });
  });

  void test('reads quoted segments for names with spaces or dots', () => {
    assert.deepEqual(parsed('[customAttributes."T-Shirt size (EU)"]'), {
      kind: 'reference',
      path: ['customAttributes', 'T-Shirt size (EU)'],
      at: 0,
    });
  });

  void test('allows whitespace inside the brackets', () => {
    assert.deepEqual(parsed('[ department . id ]'), { kind: 'reference', path: ['department', 'id'], at: 0 });
  });

  void test('refuses an empty reference and an empty quoted segment', () => {
    assert.match(failure('[]').message, /empty reference/);
    assert.match(failure('[customAttributes.""]').message, /must not be empty/);
  });

  void test('refuses a reference that is not closed', () => {
    const error = failure('Join(" ", [firstName)');
    assert.match(error.message, /expected '\.' or '\]'/);
    assert.equal(error.position, 21);
  });
});

void describe('parseExpression: calls', () => {
  void test('reads nested calls with their positions', () => {
    assert.deepEqual(parsed('Join(" ", ToLower([firstName]), [lastName])'), {
      kind: 'call',
      name: 'Join',
      at: 0,
      args: [
        { kind: 'literal', value: ' ', at: 5 },
        { kind: 'call', name: 'ToLower', at: 10, args: [{ kind: 'reference', path: ['firstName'], at: 18 }] },
        { kind: 'reference', path: ['lastName'], at: 32 },
      ],
    });
  });

  void test('reads a call without arguments and keeps the name as written', () => {
    assert.deepEqual(parsed('coalesce ( )'), { kind: 'call', name: 'coalesce', args: [], at: 0 });
  });

  void test('tolerates whitespace and line breaks between tokens', () => {
    assert.equal(
      printExpression(parsed('Join(\n  " ",\n  [firstName] ,\t[lastName]\n)')),
      'Join(" ", [firstName], [lastName])',
    );
  });
});

void describe('parseExpression: errors', () => {
  void test('names an unclosed call and where it was opened', () => {
    const error = failure('Join(" ", [firstName]');
    assert.match(error.message, /expected '\)' to close the '\(' of Join at character 5/);
    assert.equal(error.position, 22);
  });

  void test('names an unterminated string at its opening quote', () => {
    assert.deepEqual(failure('Append([firstName], "@acme.example)'), {
      message: 'unterminated string',
      position: 21,
    });
  });

  void test('explains that text is double-quoted', () => {
    assert.match(failure("'x'").message, /double quotes/);
  });

  void test('explains how to write a bare word', () => {
    const error = failure('Join(" ", firstName)');
    assert.match(error.message, /\[firstName\]/);
    assert.equal(error.position, 11);
  });

  void test('points Entra-style operators at Equals and Join', () => {
    assert.match(failure('[country]="USA"').message, /Equals\(a, b\)/);
    assert.match(failure('[firstName] & [lastName]').message, /Join/);
  });

  void test('refuses text after a complete expression', () => {
    const error = failure('[firstName] [lastName]');
    assert.match(error.message, /after the end of the expression/);
    assert.equal(error.position, 13);
  });

  void test('refuses invalid escapes and raw control characters in strings', () => {
    assert.match(failure('"a\\qb"').message, /invalid escape/);
    assert.match(failure('"a\nb"').message, /control characters/);
    assert.match(failure('"\\u12"').message, /four hex digits/);
  });

  void test('refuses empty text, non-text and text over the length cap', () => {
    assert.equal(failure('   ').message, 'the expression is empty');
    assert.equal(parseExpression(42 as unknown as string).ok, false);
    assert.match(failure(`"${'x'.repeat(5000)}"`).message, /longer than 4096/);
    assert.equal(parseExpression(`"${'x'.repeat(5000)}"`, { maxLength: 10_000 }).ok, true);
  });

  void test('refuses calls nested deeper than the cap', () => {
    const deep = `${'ToLower('.repeat(40)}"x"${')'.repeat(40)}`;
    assert.match(failure(deep).message, /nest deeper than 32/);
    assert.equal(parseExpression(deep, { maxDepth: 64 }).ok, true);
  });

  void test('survives nesting far beyond any cap without throwing', () => {
    const hostile = `${'a('.repeat(100_000)}`;
    assert.equal(parseExpression(hostile, { maxLength: 1_000_000, maxDepth: 1e9 }).ok, false);
  });

  void test('refuses numbers glued to words and out of range', () => {
    assert.match(failure('12abc').message, /after the number/);
    assert.match(failure('1e999').message, /out of range/);
  });
});
