// SelectUniqueValue against a target that says which values are taken, synchronously or not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpression } from './expression-evaluator.ts';
import { ALEX, compiled, personWith } from './testing/people.ts';

const USERNAME = 'ToLower(NormalizeDiacritics(Join(".", [firstName], [lastName])))';
const UNIQUE = `SelectUniqueValue(
  Append(${USERNAME}, "@acme.example"),
  Append(ToLower(NormalizeDiacritics(Join(".", Left([firstName], 1), [lastName]))), "@acme.example"),
  Append(ToLower(NormalizeDiacritics(Join(".", [firstName], [lastName], [sourceId]))), "@acme.example")
)`;

function takenIn(taken: readonly string[]) {
  const asked: [string, string][] = [];
  const isFree = (attribute: string, value: string): boolean => {
    asked.push([attribute, value]);
    return !taken.includes(value);
  };
  return { asked, isFree };
}

void describe('SelectUniqueValue', () => {
  void test('picks the first candidate the target says is free', async () => {
    const { asked, isFree } = takenIn([]);
    const result = await evaluateExpression(compiled(UNIQUE), ALEX, { attribute: 'userName', isFree });
    assert.deepEqual(result, { ok: true, value: 'alexander.bergmann@acme.example' });
    assert.deepEqual(asked, [['userName', 'alexander.bergmann@acme.example']]);
  });

  void test('skips taken candidates in order', async () => {
    const { asked, isFree } = takenIn(['alexander.bergmann@acme.example', 'a.bergmann@acme.example']);
    const result = await evaluateExpression(compiled(UNIQUE), ALEX, { attribute: 'userName', isFree });
    assert.deepEqual(result, { ok: true, value: 'alexander.bergmann.1234@acme.example' });
    assert.deepEqual(
      asked.map(([, value]) => value),
      ['alexander.bergmann@acme.example', 'a.bergmann@acme.example', 'alexander.bergmann.1234@acme.example'],
    );
  });

  void test('awaits an asynchronous check', async () => {
    const isFree = async (_: string, value: string): Promise<boolean> => {
      await new Promise((resolve) => setImmediate(resolve));
      return value.startsWith('a.');
    };
    const result = await evaluateExpression(compiled(UNIQUE), ALEX, { attribute: 'userName', isFree });
    assert.deepEqual(result, { ok: true, value: 'a.bergmann@acme.example' });
  });

  void test('lists every candidate when all are taken', async () => {
    const { isFree } = takenIn([
      'alexander.bergmann@acme.example',
      'a.bergmann@acme.example',
      'alexander.bergmann.1234@acme.example',
    ]);
    const result = await evaluateExpression(compiled(UNIQUE), ALEX, { attribute: 'userName', isFree });
    assert.deepEqual(result, {
      ok: false,
      error:
        'SelectUniqueValue() found every candidate taken: "alexander.bergmann@acme.example", "a.bergmann@acme.example", "alexander.bergmann.1234@acme.example"',
    });
  });

  void test('skips empty candidates without asking the target, and gives no value when all are empty', async () => {
    const { asked, isFree } = takenIn([]);
    const expression = compiled('SelectUniqueValue([preferredName], [firstName], "fallback")');
    const nobody = personWith({ preferredName: null, firstName: '' });
    assert.deepEqual(await evaluateExpression(expression, nobody, { attribute: 'nickName', isFree }), {
      ok: true,
      value: 'fallback',
    });
    assert.deepEqual(asked, [['nickName', 'fallback']]);
    const none = compiled('SelectUniqueValue([preferredName], [firstName])');
    assert.deepEqual(await evaluateExpression(none, nobody, { attribute: 'nickName', isFree }), {
      ok: true,
      value: null,
    });
    const hidden = personWith({ preferredName: undefined, firstName: undefined });
    assert.deepEqual(await evaluateExpression(none, hidden, { attribute: 'nickName', isFree }), {
      ok: true,
      value: undefined,
    });
  });

  void test('reports a failing candidate, a list candidate and a missing check as errors', async () => {
    const { isFree } = takenIn([]);
    const failing = await evaluateExpression(compiled('SelectUniqueValue(Left("x", [firstName]))'), ALEX, {
      attribute: 'userName',
      isFree,
    });
    assert.deepEqual(failing, {
      ok: false,
      error: 'Left() needs a number as its second argument, got "Alexander"',
    });
    const list = await evaluateExpression(compiled('SelectUniqueValue([costCenters])'), ALEX, {
      attribute: 'userName',
      isFree,
    });
    assert.equal(list.ok, false);
    const unchecked = await evaluateExpression(compiled(UNIQUE), ALEX, { attribute: 'userName' });
    assert.deepEqual(unchecked, {
      ok: false,
      error: 'SelectUniqueValue() needs the target to say which values are free, and none was given',
    });
  });

  void test('rejects when the target cannot be asked, so the engine retries rather than skipping the person', async () => {
    const isFree = (): Promise<boolean> => Promise.reject(new Error('target unavailable'));
    await assert.rejects(
      evaluateExpression(compiled(UNIQUE), ALEX, { attribute: 'userName', isFree }),
      /target unavailable/,
    );
  });
});

void describe('evaluateExpression without SelectUniqueValue', () => {
  void test('never asks the target', async () => {
    const { asked, isFree } = takenIn([]);
    const result = await evaluateExpression(compiled(USERNAME), ALEX, { attribute: 'userName', isFree });
    assert.deepEqual(result, { ok: true, value: 'alexander.bergmann' });
    assert.deepEqual(asked, []);
  });
});
