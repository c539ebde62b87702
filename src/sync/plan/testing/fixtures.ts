// Builders for people and accounts in plan tests, with every field a test does not care about filled.
import type { Account, SourcePerson } from '../../../connectors/index.ts';

type Writable<T> = { -readonly [K in keyof T]: T[K] };
/** Overrides; `undefined` removes a field, which for a source person means "not visible". */
type Overrides<T> = { -readonly [K in keyof T]?: T[K] | undefined };

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A person in Europe/Berlin, active since 2020, with a work email derived from the id. */
export function aPerson(sourceId: string, overrides: Overrides<SourcePerson> = {}): SourcePerson {
  return withoutUndefined({
    sourceId,
    firstName: `First${sourceId}`,
    lastName: `Last${sourceId}`,
    workEmail: `person${sourceId}@acme.test`,
    status: 'active',
    hireDate: '2020-01-01',
    terminationDate: null,
    lastWorkingDay: null,
    contractEndDate: null,
    position: 'Engineer',
    legalEntity: { id: '1', name: 'Acme GmbH' },
    supervisorId: null,
    timeZone: 'Europe/Berlin',
    timeZoneSource: 'office',
    customAttributes: {},
    ...overrides,
  } as SourcePerson);
}

/** An active account with email = userName. */
export function anAccount(id: string, overrides: Partial<Writable<Account>> = {}): Account {
  const email = overrides.email === undefined ? `${id}@acme.test` : overrides.email;
  return {
    id,
    userName: email,
    email,
    displayName: null,
    isActive: true,
    attributes: {},
    ...overrides,
  };
}
