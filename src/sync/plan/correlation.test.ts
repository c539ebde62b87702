// Correlation: pass order, conflicts instead of guesses, Personio rehires and legal-entity moves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Account, SourcePerson } from '../../connectors/index.ts';
import type { AccountLink, Correlation } from './correlation.ts';
import { correlate, normalizeEmail, profilesByPersonKey, unrewrittenEmail } from './correlation.ts';
import { aPerson, anAccount } from './testing/fixtures.ts';

function matchOf(
  result: Correlation,
  sourceId: string,
): { account: string; reason: string; key: string } | undefined {
  const match = result.matches.find((m) => m.person.sourceId === sourceId);
  return match && { account: match.account.id, reason: match.reason, key: match.personKey };
}

const ids = (items: readonly { id: string }[]): string[] => items.map((i) => i.id);
const sourceIds = (people: readonly SourcePerson[]): string[] => people.map((p) => p.sourceId);

void describe('matching order', () => {
  void test('a link from an earlier run wins over externalId and email', () => {
    const person = aPerson('1');
    const linked = anAccount('a', { email: 'other@acme.test' });
    const lookalike = anAccount('b', { email: 'person1@acme.test', attributes: { externalId: '1' } });
    const result = correlate(
      [person],
      [linked, lookalike],
      [{ personKey: '1', accountId: 'a', sourceId: '1' }],
    );
    assert.deepEqual(matchOf(result, '1'), { account: 'a', reason: 'linked', key: '1' });
    assert.deepEqual(ids(result.unmatchedAccounts), ['b']);
  });

  void test('externalId equal to the source id wins over email, as text or number', () => {
    const result = correlate(
      [aPerson('2'), aPerson('3')],
      [
        anAccount('a', { email: 'person3@acme.test' }),
        anAccount('b', { email: 'x@acme.test', attributes: { externalId: ' 2 ' } }),
        anAccount('c', { email: 'y@acme.test', attributes: { externalId: 3 } }),
      ],
      [],
    );
    assert.deepEqual(matchOf(result, '2'), { account: 'b', reason: 'externalId', key: '2' });
    assert.deepEqual(matchOf(result, '3'), { account: 'c', reason: 'externalId', key: '3' });
    assert.deepEqual(ids(result.unmatchedAccounts), ['a']);
  });

  void test('email matches ignore case and surrounding spaces', () => {
    const person = aPerson('4', { workEmail: '  Jane.Doe@ACME.test ' });
    const result = correlate([person], [anAccount('a', { email: 'jane.doe@acme.test' })], []);
    assert.deepEqual(matchOf(result, '4'), { account: 'a', reason: 'email', key: '4' });
  });

  void test('an email-shaped userName counts as the account’s email', () => {
    const account = anAccount('a', { email: null, userName: 'Jane@Acme.test' });
    const result = correlate([aPerson('5', { workEmail: 'jane@acme.test' })], [account], []);
    assert.equal(matchOf(result, '5')?.reason, 'email');
  });

  void test('a person without email matches only by link or externalId, never by anything else', () => {
    const byExternalId = aPerson('6', { workEmail: null });
    const nothing = aPerson('7', { workEmail: undefined });
    const result = correlate(
      [byExternalId, nothing],
      [anAccount('a', { attributes: { externalId: '6' } }), anAccount('b', { email: null, userName: null })],
      [],
    );
    assert.equal(matchOf(result, '6')?.reason, 'externalId');
    assert.deepEqual(sourceIds(result.unmatchedPeople), ['7']);
    assert.deepEqual(ids(result.unmatchedAccounts), ['b']);
  });

  void test('a link to an account that is gone falls through to the other passes and keeps the person key', () => {
    const result = correlate(
      [aPerson('8')],
      [anAccount('b', { email: 'person8@acme.test' })],
      [{ personKey: 'k8', accountId: 'gone', sourceId: '8' }],
    );
    assert.deepEqual(matchOf(result, '8'), { account: 'b', reason: 'email', key: 'k8' });
  });

  void test('new people are keyed by their source id; unmatched accounts keep the key of their last owner', () => {
    const result = correlate(
      [aPerson('9')],
      [anAccount('left')],
      [{ personKey: 'k-old', accountId: 'left', sourceId: '77' }],
    );
    assert.equal(result.personKeys.get('9'), '9');
    assert.equal(result.accountPersonKeys.get('left'), 'k-old');
    assert.deepEqual(ids(result.unmatchedAccounts), ['left']);
  });
});

void describe('conflicts instead of guesses', () => {
  void test('two current people with the same email are a conflict, and neither gets that account or a new one', () => {
    const result = correlate(
      [aPerson('10', { workEmail: 'dup@acme.test' }), aPerson('11', { workEmail: 'DUP@acme.test' })],
      [anAccount('a', { email: 'dup@acme.test' })],
      [],
    );
    assert.equal(result.conflicts.length, 1);
    assert.deepEqual(result.conflicts[0]?.kind, 'duplicatePersonEmail');
    assert.deepEqual(result.conflicts[0]?.people, ['10', '11']);
    assert.deepEqual(result.conflicts[0]?.accounts, ['a']);
    assert.deepEqual(result.matches, []);
    assert.deepEqual(result.unmatchedPeople, []);
    assert.deepEqual(result.unmatchedAccounts, [], 'a disputed account is not one that left scope');
  });

  void test('an email that fits two accounts is a conflict', () => {
    const result = correlate(
      [aPerson('12', { workEmail: 'jane@acme.test' })],
      [
        anAccount('a', { email: 'jane@acme.test' }),
        anAccount('b', { email: 'x@acme.test', userName: 'JANE@acme.test' }),
      ],
      [],
    );
    assert.deepEqual(
      result.conflicts.map((c) => [c.kind, c.people, c.accounts]),
      [['duplicateAccountEmail', ['12'], ['a', 'b']]],
    );
    assert.deepEqual(result.unmatchedPeople, []);
    assert.deepEqual(result.unmatchedAccounts, []);
  });

  void test('two accounts carrying the person’s id as externalId are a conflict', () => {
    const result = correlate(
      [aPerson('13')],
      [
        anAccount('a', { attributes: { externalId: '13' } }),
        anAccount('b', { attributes: { externalId: '13' } }),
      ],
      [],
    );
    assert.deepEqual(
      result.conflicts.map((c) => c.kind),
      ['duplicateExternalId'],
    );
    assert.deepEqual(result.unmatchedPeople, []);
  });

  void test('a person linked to two present accounts is a conflict', () => {
    const links: AccountLink[] = [
      { personKey: '14', accountId: 'a', sourceId: '14' },
      { personKey: '14', accountId: 'b', sourceId: '14' },
    ];
    const result = correlate([aPerson('14')], [anAccount('a'), anAccount('b')], links);
    assert.deepEqual(
      result.conflicts.map((c) => [c.kind, c.accounts]),
      [['personWithTwoAccounts', ['a', 'b']]],
    );
    assert.deepEqual(result.unmatchedAccounts, []);
  });

  void test('one account linked to two different people is a conflict', () => {
    const links: AccountLink[] = [
      { personKey: '15', accountId: 'a', sourceId: '15' },
      { personKey: '16', accountId: 'a', sourceId: '16' },
    ];
    const result = correlate([aPerson('15'), aPerson('16')], [anAccount('a')], links);
    assert.deepEqual(
      result.conflicts.map((c) => [c.kind, c.people]),
      [['accountClaimedTwice', ['15', '16']]],
    );
    assert.deepEqual(result.unmatchedPeople, []);
  });

  void test('a newcomer whose email is still on a current colleague’s account is a conflict, the colleague keeps it', () => {
    // Q's email changed in the source; the target still has the old one, which P now has.
    const q = aPerson('17', { workEmail: 'new.q@acme.test' });
    const p = aPerson('18', { workEmail: 'old.q@acme.test' });
    const result = correlate(
      [q, p],
      [anAccount('a', { email: 'old.q@acme.test' })],
      [{ personKey: '17', accountId: 'a', sourceId: '17' }],
    );
    assert.deepEqual(
      result.conflicts.map((c) => [c.kind, c.people, c.accounts]),
      [['emailHeldByOtherPerson', ['17', '18'], ['a']]],
    );
    assert.equal(matchOf(result, '17')?.account, 'a');
    assert.deepEqual(result.unmatchedPeople, []);
  });

  void test('a newcomer with the email of a current, linked profile is never merged with it', () => {
    const q = aPerson('19', { workEmail: 'shared@acme.test' });
    const p = aPerson('20', { workEmail: 'shared@acme.test', hireDate: '2026-01-01' });
    const result = correlate(
      [q, p],
      [anAccount('a', { email: 'shared@acme.test' })],
      [{ personKey: '19', accountId: 'a', sourceId: '19' }],
    );
    assert.deepEqual(
      result.conflicts.map((c) => [c.kind, c.people]),
      [['duplicatePersonEmail', ['19', '20']]],
    );
    assert.equal(matchOf(result, '19')?.account, 'a');
  });
});

void describe('rehires and legal-entity moves', () => {
  // Personio rehire: new profile 200 with the old email; old profile 100 inactive, its email rewritten.
  const old = aPerson('100', {
    status: 'inactive',
    hireDate: '2019-05-01',
    terminationDate: '2025-12-31',
    workEmail: 'jane_k3j9q@acme.test',
  });
  const rehired = aPerson('200', {
    status: 'onboarding',
    hireDate: '2026-04-01',
    workEmail: 'jane@acme.test',
  });
  const account = anAccount('a', {
    email: 'jane@acme.test',
    attributes: { externalId: '100' },
    isActive: false,
  });

  void test('a rehire with the email Personio rewrote on the old profile reuses the account under the same key', () => {
    const result = correlate(
      [old, rehired],
      [account],
      [{ personKey: 'k-jane', accountId: 'a', sourceId: '100' }],
    );
    assert.deepEqual(
      result.matches.map((m) => [m.person.sourceId, m.account.id, m.reason, m.personKey, m.previousSourceId]),
      [['200', 'a', 'rehire', 'k-jane', '100']],
    );
    assert.deepEqual(
      result.superseded.map((s) => [s.person.sourceId, s.bySourceId, s.personKey]),
      [['100', '200', 'k-jane']],
    );
    assert.equal(result.personKeys.get('200'), 'k-jane');
    assert.equal(result.personKeys.get('100'), 'k-jane');
    assert.deepEqual(result.unmatchedPeople, []);
    assert.deepEqual(result.conflicts, []);
  });

  void test('on a first sync the old profile’s externalId leads to the account and the rehire takes it over', () => {
    const result = correlate([old, rehired], [account], []);
    assert.deepEqual(
      result.matches.map((m) => [m.person.sourceId, m.reason, m.personKey]),
      [['200', 'rehire', '100']],
    );
  });

  void test('a rehire whose old profile is no longer listed is found through the earlier link', () => {
    const result = correlate(
      [rehired],
      [account],
      [{ personKey: 'k-jane', accountId: 'a', sourceId: '100' }],
    );
    assert.deepEqual(
      result.matches.map((m) => [m.reason, m.personKey, m.previousSourceId]),
      [['rehire', 'k-jane', '100']],
    );
  });

  void test('an account still carrying the rewritten address of the old profile is reused', () => {
    const pushed = anAccount('a', { email: 'jane_k3j9q@acme.test' });
    const result = correlate([rehired], [pushed], [{ personKey: '100', accountId: 'a', sourceId: '100' }]);
    assert.deepEqual(
      result.matches.map((m) => [m.person.sourceId, m.reason]),
      [['200', 'rehire']],
    );
  });

  void test('a move between legal entities, overlapping by a day, is an entityMove', () => {
    const before = aPerson('300', {
      workEmail: 'max@acme.test',
      terminationDate: '2026-04-01',
      legalEntity: { id: '1', name: 'Acme GmbH' },
    });
    const after = aPerson('301', {
      status: 'onboarding',
      workEmail: 'max@acme.test',
      hireDate: '2026-04-01',
      legalEntity: { id: '2', name: 'Acme Ltd' },
    });
    const result = correlate(
      [after, before],
      [anAccount('m', { email: 'max@acme.test' })],
      [{ personKey: '300', accountId: 'm', sourceId: '300' }],
    );
    assert.deepEqual(
      result.matches.map((m) => [m.person.sourceId, m.reason, m.personKey]),
      [['301', 'entityMove', '300']],
    );
    assert.deepEqual(result.conflicts, []);
  });

  void test('an address that only looks rewritten is not a rehire while its owner is still employed', () => {
    // "john_smith@" has the shape of a rewritten "john@"; John Smith is still here.
    const smith = aPerson('400', { workEmail: 'john_smith@acme.test' });
    const john = aPerson('401', { workEmail: 'john@acme.test', hireDate: '2026-03-01' });
    const result = correlate(
      [smith, john],
      [anAccount('s', { email: 'john_smith@acme.test' })],
      [{ personKey: '400', accountId: 's', sourceId: '400' }],
    );
    assert.equal(matchOf(result, '400')?.account, 's');
    assert.deepEqual(sourceIds(result.unmatchedPeople), ['401']);
    assert.deepEqual(result.conflicts, []);
  });

  void test('two unmatched profiles with one email are one human when the older one has ended', () => {
    const first = aPerson('500', { workEmail: 'ana@acme.test', status: 'inactive', hireDate: '2018-01-01' });
    const second = aPerson('501', {
      workEmail: 'ana@acme.test',
      status: 'onboarding',
      hireDate: '2026-04-01',
    });
    const result = correlate([first, second], [anAccount('x', { email: 'ana@acme.test' })], []);
    assert.deepEqual(
      result.matches.map((m) => [m.person.sourceId, m.reason]),
      [['501', 'email']],
    );
    assert.deepEqual(
      result.superseded.map((s) => [s.person.sourceId, s.bySourceId, s.personKey]),
      [['500', '501', '501']],
    );
  });

  void test('after the takeover is recorded, both profiles are linked and the one the externalId names keeps the account', () => {
    const taken = anAccount('a', { email: 'jane@acme.test', attributes: { externalId: '200' } });
    const links: AccountLink[] = [
      { personKey: 'k-jane', accountId: 'a', sourceId: '100' },
      { personKey: 'k-jane', accountId: 'a', sourceId: '200' },
    ];
    const result = correlate([old, rehired], [taken], links);
    assert.deepEqual(
      result.matches.map((m) => [m.person.sourceId, m.reason]),
      [['200', 'linked']],
    );
    assert.deepEqual(
      result.superseded.map((s) => s.person.sourceId),
      ['100'],
    );
  });

  void test('with rehire detection off, a former owner’s account is matched by plain email and a rewritten address means nothing', () => {
    const viaLink = correlate(
      [rehired],
      [account],
      [{ personKey: 'k-jane', accountId: 'a', sourceId: '100' }],
      {
        detectRehires: false,
      },
    );
    assert.deepEqual(
      viaLink.matches.map((m) => [m.reason, m.personKey]),
      [['email', '200']],
    );
    const viaHolder = correlate(
      [old, rehired],
      [account],
      [{ personKey: 'k-jane', accountId: 'a', sourceId: '100' }],
      {
        detectRehires: false,
      },
    );
    assert.deepEqual(
      viaHolder.conflicts.map((c) => c.kind),
      ['emailHeldByOtherPerson'],
    );
  });

  void test('profiles are grouped by person key with the matched one as primary', () => {
    const result = correlate(
      [old, rehired, aPerson('9')],
      [account],
      [{ personKey: 'k-jane', accountId: 'a', sourceId: '100' }],
    );
    const groups = profilesByPersonKey(result);
    assert.deepEqual([...groups.keys()], ['9', 'k-jane']);
    assert.equal(groups.get('k-jane')?.primary.sourceId, '200');
    assert.deepEqual(
      groups.get('k-jane')?.profiles.map((p) => p.sourceId),
      ['100', '200'],
    );
  });
});

void describe('robustness', () => {
  void test('supervisor cycles and self-supervision play no part in correlation', () => {
    const people = [
      aPerson('1', { supervisorId: '2' }),
      aPerson('2', { supervisorId: '1' }),
      aPerson('3', { supervisorId: '3' }),
    ];
    const result = correlate(people, [anAccount('a', { email: 'person1@acme.test' })], []);
    assert.equal(result.matches.length, 1);
    assert.deepEqual(sourceIds(result.unmatchedPeople), ['2', '3']);
  });

  void test('a person listed twice (a listing that changed while paged) counts once, the newer record winning', () => {
    const stale = aPerson('1', { workEmail: 'old@acme.test', lastModifiedAt: '2026-03-01T00:00:00Z' });
    const fresh = aPerson('1', { workEmail: 'new@acme.test', lastModifiedAt: '2026-03-02T00:00:00Z' });
    const result = correlate([fresh, stale], [anAccount('a', { email: 'new@acme.test' })], []);
    assert.equal(result.people.length, 1);
    assert.equal(matchOf(result, '1')?.account, 'a');
  });

  void test('emails are normalised and rewritten addresses recognised', () => {
    assert.equal(normalizeEmail('  A@B.test '), 'a@b.test');
    assert.equal(normalizeEmail('not an email'), null);
    assert.equal(normalizeEmail(null), null);
    assert.equal(unrewrittenEmail('jane_k3j9q@acme.test'), 'jane@acme.test');
    assert.equal(unrewrittenEmail('jane_k3j9@acme.test'), null);
    assert.equal(unrewrittenEmail('jane@acme.test'), null);
  });

  void test('the result does not depend on the order of people, accounts or links', () => {
    const people = [
      aPerson('1'),
      aPerson('2', { workEmail: 'dup@acme.test' }),
      aPerson('3', { workEmail: 'dup@acme.test' }),
      aPerson('100', { status: 'inactive', workEmail: 'jane_k3j9q@acme.test', hireDate: '2019-01-01' }),
      aPerson('200', { workEmail: 'jane@acme.test', hireDate: '2026-01-01' }),
      aPerson('5', { workEmail: null }),
      aPerson('6'),
    ];
    const accounts: Account[] = [
      anAccount('a', { email: 'person1@acme.test' }),
      anAccount('b', { email: 'dup@acme.test' }),
      anAccount('c', { email: 'jane@acme.test' }),
      anAccount('d', { attributes: { externalId: '6' } }),
      anAccount('e'),
    ];
    const links: AccountLink[] = [
      { personKey: '100', accountId: 'c', sourceId: '100' },
      { personKey: 'e', accountId: 'e', sourceId: '99' },
    ];
    const snapshot = (r: Correlation): unknown => ({
      ...r,
      personKeys: [...r.personKeys],
      accountPersonKeys: [...r.accountPersonKeys],
    });
    const expected = snapshot(correlate(people, accounts, links));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(people, { minLength: people.length }),
        fc.shuffledSubarray(accounts, { minLength: accounts.length }),
        fc.shuffledSubarray(links, { minLength: links.length }),
        (p, a, l) => assert.deepEqual(snapshot(correlate(p, a, l)), expected),
      ),
      { numRuns: 100 },
    );
  });
});
