// Builders for people and accounts in plan tests, with every field a test does not care about filled.
import type { Account, SourcePerson } from '../../../connectors/index.ts';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A person in Europe/Berlin, active since 2020, with a work email derived from the id. */
export function aPerson(sourceId: string, overrides: Partial<Writable<SourcePerson>> = {}): SourcePerson {
  return {
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
  };
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
