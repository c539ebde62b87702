// The SCIM directory store on SQLite and PostgreSQL: filters compiled to SQL must select exactly
// the resources the in-memory evaluator selects, paging and cursors must be stable, and writes
// must keep uniqueness, memberships and concurrent updates right.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { CompiledQuery } from 'kysely';
import { GROUP_RESOURCE_SCHEMA, USER_RESOURCE_SCHEMA } from '../scim/attribute-resolver.ts';
import { ScimError } from '../scim/errors.ts';
import type { AttributePath, CompareOperator, Filter, FilterValue } from '../scim/filter-ast.ts';
import { evaluateFilter } from '../scim/filter-evaluate.ts';
import { parseFilter } from '../scim/filter-parser.ts';
import { printFilter } from '../scim/filter-printer.ts';
import { URN, type ScimResource } from '../scim/schema.ts';
import { compileFilter } from './scim-filter-sql.ts';
import { ScimRepository, type StoredResource } from './scim-repository.ts';
import { openTestDatabase, type TestDatabase } from './testing/test-database.ts';

const ENTERPRISE = URN.enterpriseUser;
const CONNECTION = 'acme';
const LOCATION = 'http://roster.test/scim/v2/acme/Users/';

const GIVEN = ['Anna', 'anna', 'Björn', 'Zoë', 'Øyvind', 'Li', 'MÜLLER', 'müller'];
const FAMILY = ['Smith', "O'Malley", 'Łukasz', 'smith', '李', 'Ng'];
const DOMAINS = ['example.com', 'Example.org', 'acme.io'];
const DEPARTMENTS = ['Sales', 'sales', 'R&D', 'People_Ops', '100%'];
const TYPES = ['work', 'home', 'Work', 'other'];

/** A random but valid stored User; values are drawn from small pools so filters often match. */
const userArbitrary = fc
  .record({
    local: fc.constantFrom('ann', 'bob', 'Ann', 'c_d', 'e%f', 'zoë'),
    n: fc.integer({ min: 0, max: 1_000_000 }),
    given: fc.option(fc.constantFrom(...GIVEN), { nil: undefined }),
    family: fc.option(fc.constantFrom(...FAMILY), { nil: undefined }),
    title: fc.option(fc.constantFrom('Engineer', 'engineer', 'CEO', ''), { nil: undefined }),
    active: fc.option(fc.boolean(), { nil: undefined }),
    externalId: fc.option(fc.constantFrom('abc', 'ABC', 'x-1'), { nil: undefined }),
    emails: fc.array(
      fc.record({
        value: fc
          .tuple(fc.constantFrom('a', 'B', 'c.d'), fc.constantFrom(...DOMAINS))
          .map(([l, d]) => `${l}@${d}`),
        type: fc.option(fc.constantFrom(...TYPES), { nil: undefined }),
        primary: fc.option(fc.boolean(), { nil: undefined }),
      }),
      { maxLength: 3 },
    ),
    department: fc.option(fc.constantFrom(...DEPARTMENTS), { nil: undefined }),
    employeeNumber: fc.option(fc.constantFrom('001', '1', '42'), { nil: undefined }),
  })
  .map((u): ScimResource => {
    const resource: ScimResource = { schemas: [URN.user], userName: `${u.local}${u.n}@example.com` };
    if (u.given || u.family)
      resource['name'] = {
        ...(u.given ? { givenName: u.given } : {}),
        ...(u.family ? { familyName: u.family } : {}),
      };
    if (u.title) resource['title'] = u.title;
    if (u.active !== undefined) resource['active'] = u.active;
    if (u.externalId) resource['externalId'] = u.externalId;
    if (u.emails.length > 0)
      resource['emails'] = u.emails.map((e) => ({
        value: e.value,
        ...(e.type ? { type: e.type } : {}),
        ...(e.primary !== undefined ? { primary: e.primary } : {}),
      }));
    if (u.department || u.employeeNumber) {
      resource['schemas'] = [URN.user, ENTERPRISE];
      resource[ENTERPRISE] = {
        ...(u.department ? { department: u.department } : {}),
        ...(u.employeeNumber ? { employeeNumber: u.employeeNumber } : {}),
      };
    }
    return resource;
  });

const path = (attribute: string, subAttribute?: string, uri?: string): AttributePath => ({
  ...(uri ? { uri } : {}),
  attribute,
  ...(subAttribute ? { subAttribute } : {}),
});

const stringOps: CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

const stringLeaf = (p: AttributePath, values: string[]) =>
  fc.record({
    kind: fc.constant('compare' as const),
    path: fc.constant(p),
    op: fc.constantFrom(...stringOps),
    value: fc.constantFrom<FilterValue>(...values),
  });

const leafArbitrary: fc.Arbitrary<Filter> = fc.oneof(
  stringLeaf(path('userName'), ['ANN1@example.com', 'ann', 'EXAMPLE.COM', 'c_d', 'e%f', '%', '_', 'zoë']),
  stringLeaf(path('name', 'givenName'), [...GIVEN, 'ann', 'ü']),
  stringLeaf(path('name', 'familyName'), [...FAMILY, "o'"]),
  stringLeaf(path('title'), ['engineer', 'Engineer', 'C']),
  stringLeaf(path('externalId'), ['abc', 'ABC', 'x']),
  stringLeaf(path('emails'), ['example.com', 'A@', 'acme']),
  stringLeaf(path('emails', 'value'), ['b@example.org', 'example', '.io']),
  stringLeaf(path('emails', 'type'), TYPES),
  stringLeaf(path('department', undefined, ENTERPRISE), [...DEPARTMENTS, '%', '_']),
  stringLeaf(path('employeeNumber', undefined, ENTERPRISE), ['1', '001', '4']),
  fc.record({
    kind: fc.constant('compare' as const),
    path: fc.constant(path('active')),
    op: fc.constantFrom<CompareOperator>('eq', 'ne'),
    value: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('compare' as const),
    path: fc.constant(path('emails', 'primary')),
    op: fc.constantFrom<CompareOperator>('eq', 'ne'),
    value: fc.boolean(),
  }),
  fc
    .constantFrom<AttributePath>(
      path('title'),
      path('name'),
      path('name', 'givenName'),
      path('emails'),
      path('emails', 'type'),
      path('externalId'),
      path('active'),
      path('department', undefined, ENTERPRISE),
    )
    .map((p): Filter => ({ kind: 'present', path: p })),
);

const valuePathArbitrary: fc.Arbitrary<Filter> = fc
  .tuple(
    fc.constantFrom(...TYPES),
    fc.constantFrom<CompareOperator>('co', 'ew', 'sw', 'eq'),
    fc.constantFrom('example.com', 'acme', 'B@'),
    fc.boolean(),
  )
  .map(([type, op, value, withNot]): Filter => {
    const typeTest: Filter = { kind: 'compare', path: path('type'), op: 'eq', value: type };
    const valueTest: Filter = { kind: 'compare', path: path('value'), op, value };
    return {
      kind: 'valuePath',
      path: path('emails'),
      filter: {
        kind: 'and',
        left: typeTest,
        right: withNot ? { kind: 'not', filter: valueTest } : valueTest,
      },
    };
  });

const filterArbitrary: fc.Arbitrary<Filter> = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArbitrary,
    valuePathArbitrary,
    fc.record({ kind: fc.constant('and' as const), left: tie('filter'), right: tie('filter') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('filter'), right: tie('filter') }),
    fc.record({ kind: fc.constant('not' as const), filter: tie('filter') }),
  ),
})).filter;

function withMeta(stored: StoredResource): ScimResource {
  return {
    ...stored.data,
    id: stored.id,
    meta: {
      resourceType: stored.resourceType,
      created: stored.created,
      lastModified: stored.lastModified,
      location: `${LOCATION}${stored.id}`,
      version: `W/"${stored.version}"`,
    },
  };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  void describe(`SCIM directory store on ${dialect}`, () => {
    let database: TestDatabase;
    let repository: ScimRepository;
    let seeded: StoredResource[] = [];

    before(async () => {
      database = await openTestDatabase(dialect);
      repository = new ScimRepository(database.db, database.dialect);
      await database.db
        .insertInto('connections')
        .values(
          ['acme', 'other'].map((id) => ({
            id,
            app: 'directory',
            display_name: id,
            settings: '{}',
            secrets: null,
            created_at: new Date().toISOString(),
            updated_at: new Date().toISOString(),
          })),
        )
        .execute();
      const users = fc.sample(userArbitrary, { numRuns: 150, seed: 7 });
      const seen = new Set<string>();
      for (const user of users) {
        const key = String(user['userName']).toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        seeded.push(await repository.create(CONNECTION, 'User', user));
      }
      // A user in another connection must never appear in this connection's results.
      await repository.create('other', 'User', {
        schemas: [URN.user],
        userName: 'ann1@example.com',
        title: 'Engineer',
      });
    });

    after(async () => {
      await database.close();
    });

    void test('every filter selects in SQL exactly the users the in-memory evaluator selects', async () => {
      await fc.assert(
        fc.asyncProperty(filterArbitrary, async (filter) => {
          const expected = seeded
            .filter((s) => evaluateFilter(filter, withMeta(s), USER_RESOURCE_SCHEMA))
            .map((s) => s.id)
            .sort();
          const result = await repository.list(
            CONNECTION,
            'User',
            USER_RESOURCE_SCHEMA,
            { filter, startIndex: 1, count: 1000 },
            LOCATION,
          );
          const actual = result.resources.map((r) => r.id).sort();
          assert.deepEqual(actual, expected, `filter: ${printFilter(filter)}`);
          assert.equal(result.totalResults, expected.length);
        }),
        { numRuns: 300, seed: 42 },
      );
    });

    void test('the lenient value-path filter matches only a user with one email that is both work and that address', async () => {
      const both = await repository.create(CONNECTION, 'User', {
        schemas: [URN.user],
        userName: 'both@example.com',
        emails: [{ type: 'work', value: 'target@corp.test' }],
      });
      await repository.create(CONNECTION, 'User', {
        schemas: [URN.user],
        userName: 'split@example.com',
        emails: [
          { type: 'work', value: 'other@corp.test' },
          { type: 'home', value: 'target@corp.test' },
        ],
      });
      const parsed = parseFilter('emails[type eq "work"].value eq "TARGET@corp.test"');
      assert.ok(parsed.ok);
      const result = await repository.list(
        CONNECTION,
        'User',
        USER_RESOURCE_SCHEMA,
        { filter: parsed.value, startIndex: 1, count: 10 },
        LOCATION,
      );
      assert.deepEqual(
        result.resources.map((r) => r.id),
        [both.id],
      );
      seeded = [...seeded, both];
      await repository.delete(CONNECTION, 'User', both.id);
      seeded = seeded.filter((s) => s.id !== both.id);
      const split = await repository.list(
        CONNECTION,
        'User',
        USER_RESOURCE_SCHEMA,
        {
          filter: { kind: 'compare', path: path('userName'), op: 'eq', value: 'split@example.com' },
          startIndex: 1,
          count: 1,
        },
        LOCATION,
      );
      for (const r of split.resources) await repository.delete(CONNECTION, 'User', r.id);
    });

    // On PostgreSQL a table this small may be read through either index, so only SQLite's plan is
    // asserted; what matters on both is that the compiled predicate is a bare column comparison.
    void test('a userName lookup is answered from the unique index, not by scanning every user', async () => {
      const where = compileFilter(
        { kind: 'compare', path: path('userName'), op: 'eq', value: 'Someone@Example.com' },
        { dialect: database.dialect, schema: USER_RESOURCE_SCHEMA, alias: 'r', locationPrefix: LOCATION },
      );
      const query = database.db
        .selectFrom('scim_resources as r')
        .select('r.id')
        .where('r.connection_id', '=', CONNECTION)
        .where('r.resource_type', '=', 'User')
        .where(where as never)
        .compile();
      assert.match(query.sql, /"r"\."user_name_key" = \$?\??\d*/);
      assert.doesNotMatch(query.sql, /coalesce\("r"\."user_name_key"/);
      if (dialect !== 'sqlite') return;
      const plan = await database.db.executeQuery(
        CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]),
      );
      const text = JSON.stringify(plan.rows);
      assert.match(text, /scim_resources_user_name_key/, text);
    });

    void test('index pages walk every user once in a stable order', async () => {
      const seen: string[] = [];
      for (let start = 1; ; start += 7) {
        const page = await repository.list(
          CONNECTION,
          'User',
          USER_RESOURCE_SCHEMA,
          { startIndex: start, count: 7 },
          LOCATION,
        );
        assert.equal(page.totalResults, seeded.length);
        if (page.resources.length === 0) break;
        seen.push(...page.resources.map((r) => r.id));
      }
      assert.deepEqual(
        seen,
        seeded.map((s) => s.id),
      );
    });

    void test('cursor pages sorted by a JSON attribute walk every user once, in order, ending without nextCursor', async () => {
      for (const sortOrder of ['ascending', 'descending'] as const) {
        const ids: string[] = [];
        let cursor = '';
        for (let pages = 0; pages < 100; pages++) {
          const page = await repository.list(
            CONNECTION,
            'User',
            USER_RESOURCE_SCHEMA,
            { sortBy: path('name', 'familyName'), sortOrder, startIndex: 1, count: 9, cursor },
            LOCATION,
          );
          ids.push(...page.resources.map((r) => r.id));
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        assert.equal(new Set(ids).size, seeded.length);
        const index = await repository.list(
          CONNECTION,
          'User',
          USER_RESOURCE_SCHEMA,
          { sortBy: path('name', 'familyName'), sortOrder, startIndex: 1, count: 1000 },
          LOCATION,
        );
        assert.deepEqual(
          ids,
          index.resources.map((r) => r.id),
        );
      }
    });

    void test('a cursor from another query is refused as invalidCursor', async () => {
      const first = await repository.list(
        CONNECTION,
        'User',
        USER_RESOURCE_SCHEMA,
        { startIndex: 1, count: 2, cursor: '' },
        LOCATION,
      );
      assert.ok(first.nextCursor);
      const filter: Filter = { kind: 'present', path: path('title') };
      await assert.rejects(
        repository.list(
          CONNECTION,
          'User',
          USER_RESOURCE_SCHEMA,
          { filter, startIndex: 1, count: 2, cursor: first.nextCursor },
          LOCATION,
        ),
        (error: unknown) => error instanceof ScimError && error.scimType === 'invalidCursor',
      );
      await assert.rejects(
        repository.list(
          CONNECTION,
          'User',
          USER_RESOURCE_SCHEMA,
          { startIndex: 1, count: 2, cursor: 'garbage!' },
          LOCATION,
        ),
        (error: unknown) => error instanceof ScimError && error.scimType === 'invalidCursor',
      );
    });

    void test('userName is unique per connection regardless of case, and free in another connection', async () => {
      await repository.create(CONNECTION, 'User', {
        schemas: [URN.user],
        userName: 'Unique.Person@Example.com',
      });
      await assert.rejects(
        repository.create(CONNECTION, 'User', { schemas: [URN.user], userName: 'unique.person@example.COM' }),
        (error: unknown) =>
          error instanceof ScimError && error.status === 409 && error.scimType === 'uniqueness',
      );
      await repository.create('other', 'User', {
        schemas: [URN.user],
        userName: 'unique.person@example.com',
      });
    });

    void test('parallel updates to one user lose no change', async () => {
      const user = await repository.create(CONNECTION, 'User', {
        schemas: [URN.user],
        userName: 'counter@example.com',
      });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          repository.update(CONNECTION, 'User', user.id, (current) => ({
            data: {
              ...current.data,
              [`nickName`]: `${(current.data['nickName'] as string | undefined) ?? ''}${i},`,
            },
          })),
        ),
      );
      const final = await repository.get(CONNECTION, 'User', user.id);
      const parts = String(final?.data['nickName']).split(',').filter(Boolean);
      assert.equal(parts.length, 20);
      assert.equal(final?.version, 21);
    });

    void test('memberships: add is idempotent, remove is exact, delete cleans both sides, members filter in SQL', async () => {
      const [a, b, c] = await Promise.all(
        ['m-a', 'm-b', 'm-c'].map((n) =>
          repository.create(CONNECTION, 'User', { schemas: [URN.user], userName: `${n}@example.com` }),
        ),
      );
      assert.ok(a && b && c);
      const group = await repository.create(
        CONNECTION,
        'Group',
        { schemas: [URN.group], displayName: 'Team' },
        [{ value: a.id }, { value: b.id }],
      );
      const again = await repository.update(CONNECTION, 'Group', group.id, (g) => ({
        data: g.data,
        members: [{ kind: 'add', members: [{ value: a.id }] }],
      }));
      assert.equal(again.changed, false, 're-adding a present member changes nothing');
      await repository.update(CONNECTION, 'Group', group.id, (g) => ({
        data: g.data,
        members: [
          { kind: 'remove', memberIds: [b.id] },
          { kind: 'add', members: [{ value: c.id }] },
        ],
      }));
      const members = await repository.listMembers(CONNECTION, group.id);
      assert.deepEqual(members.map((m) => m.value).sort(), [a.id, c.id].sort());
      const byMember = await repository.list(
        CONNECTION,
        'Group',
        GROUP_RESOURCE_SCHEMA,
        {
          filter: { kind: 'compare', path: path('members', 'value'), op: 'eq', value: c.id },
          startIndex: 1,
          count: 10,
        },
        LOCATION,
      );
      assert.deepEqual(
        byMember.resources.map((r) => r.id),
        [group.id],
      );
      await repository.delete(CONNECTION, 'User', c.id);
      assert.deepEqual(
        (await repository.listMembers(CONNECTION, group.id)).map((m) => m.value),
        [a.id],
      );
      await assert.rejects(
        repository.update(CONNECTION, 'Group', group.id, (g) => ({
          data: g.data,
          members: [{ kind: 'add', members: [{ value: 'no-such-user' }] }],
        })),
        (error: unknown) => error instanceof ScimError && error.status === 400,
      );
      const groups = await repository.listGroupsOf(CONNECTION, [a.id]);
      assert.deepEqual(groups.get(a.id), [{ value: group.id, display: 'Team' }]);
    });
  });
}
