// People for mapping and scoping tests: a fully visible person and helpers to vary one field.
import type { SourcePerson } from '../../../connectors/index.ts';
import { compileExpression } from '../expression-compiler.ts';
import type { CompiledExpression } from '../expression-compiler.ts';
import type { Value } from '../expression-ast.ts';
import { evaluateExpressionSync } from '../expression-evaluator.ts';

/** Everything visible, nothing empty; Personio's spec example, lightly changed. */
export const ALEX: SourcePerson = Object.freeze({
  sourceId: '1234',
  firstName: 'Alexander',
  lastName: 'Bergmann',
  preferredName: 'Alex',
  workEmail: 'alexander.bergmann@acme.example',
  status: 'active',
  hireDate: '2014-11-09',
  terminationDate: null,
  lastWorkingDay: null,
  contractEndDate: null,
  position: 'CTO',
  employmentType: 'internal',
  weeklyWorkingHours: 40,
  department: { id: '281521', name: 'Engineering' },
  team: null,
  office: { id: '131014', name: 'Munich' },
  legalEntity: { id: '7033', name: 'Acme GmbH' },
  supervisorId: '99',
  costCenters: [
    { id: '82957', name: 'R&D', percentage: 60 },
    { id: '82958', name: 'Platform', percentage: 40 },
  ],
  timeZone: 'Europe/Berlin',
  timeZoneSource: 'office',
  createdAt: '2017-05-23T07:49:03Z',
  lastModifiedAt: '2020-11-18T16:33:55Z',
  customAttributes: {
    Nickname: 'Lex',
    Languages: ['English', 'German'],
    Shoe: 44,
    Remote: true,
    Empty: null,
  },
});

/** ALEX with some fields replaced; a field set to `undefined` is removed (not visible). */
export function personWith(changes: Partial<Record<keyof SourcePerson, unknown>>): SourcePerson {
  const person: Record<string, unknown> = { ...ALEX };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete person[key];
    else person[key] = value;
  }
  return person as unknown as SourcePerson;
}

/** Compiles an expression that must compile. */
export function compiled(text: string): CompiledExpression {
  const result = compileExpression(text);
  if (!result.ok) throw new Error(`'${text}' does not compile: ${result.error.message}`);
  return result.value;
}

/** The value of an expression for a person; throws with the reason when evaluation fails. */
export function valueOf(text: string, person: SourcePerson = ALEX): Value {
  const result = evaluateExpressionSync(compiled(text), person);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

/** The evaluation error of an expression for a person; throws when it succeeds. */
export function errorOf(text: string, person: SourcePerson = ALEX): string {
  const result = evaluateExpressionSync(compiled(text), person);
  if (result.ok) throw new Error(`'${text}' gave ${JSON.stringify(result.value)}, expected an error`);
  return result.error;
}

/** The load-time error of an expression; throws when it compiles. */
export function compileErrorOf(text: string): { message: string; position: number } {
  const result = compileExpression(text);
  if (result.ok) throw new Error(`'${text}' compiled, expected an error`);
  return result.error;
}
