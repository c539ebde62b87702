// totalResults is computed three ways (from the page's own rows, from the trigger-kept count, or by
// counting the matches); whichever way a list takes, a client must see the true number of matches.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { USER_RESOURCE_SCHEMA } from '../scim/attribute-resolver.ts';
import { parseFilter } from '../scim/filter-parser.ts';
import { URN } from '../scim/schema.ts';
import { ScimRepository, type ListQuery } from './scim-repository.ts';
import {
  DIALECTS,
  addTestConnections,
  openTestDatabase,
  type TestDatabase,
} from './testing/test-database.ts';

const LOCATION = 'http://roster.test/scim/v2/acme/Users/';
const CONNECTIONS = ['acme', 'other'] as const;
const DEPARTMENTS = ['Sales', 'People', 'R&D'] as const;

/** Each step creates or deletes a user of one connection, or lists with one paging shape. */
const stepArbitrary = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      connection: fc.constantFrom(...CONNECTIONS),
      department: fc.constantFrom(...DEPARTMENTS),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('list' as const),
      connection: fc.constantFrom(...CONNECTIONS),
      department: fc.option(fc.constantFrom(...DEPARTMENTS), { nil: undefined }),
      startIndex: fc.integer({ min: 1, max: 5 }),
      count: fc.integer({ min: 0, max: 4 }),
      cursorPages: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    }),
  },
);

for (const dialect of DIALECTS) {
  void describe(`list totals (${dialect})`, () => {
    let database: TestDatabase;
    let repository: ScimRepository;

    before(async () => {
      database = await openTestDatabase(dialect);
      repository = new ScimRepository(database.db, database.dialect);
    });
    after(() => database.close());

    const addConnections = (): Promise<void> => addTestConnections(database.db, CONNECTIONS);

    void test('every paging shape reports the true number of matches as users come and go', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArbitrary, { minLength: 10, maxLength: 40, size: 'medium' }),
          async (steps) => {
            await database.db.deleteFrom('connections').execute();
            await addConnections();
            const users: { id: string; connection: string; department: string }[] = [];
            let n = 0;
            for (const step of steps) {
              if (step.kind === 'create') {
                const stored = await repository.create(step.connection, 'User', {
                  schemas: [URN.user, URN.enterpriseUser],
                  userName: `u${n++}@example.com`,
                  [URN.enterpriseUser]: { department: step.department },
                });
                users.push({ id: stored.id, connection: step.connection, department: step.department });
              } else if (step.kind === 'delete') {
                if (users.length === 0) continue;
                const [gone] = users.splice(step.pick % users.length, 1);
                if (gone) assert.equal(await repository.delete(gone.connection, 'User', gone.id), true);
              } else {
                const expected = users.filter(
                  (u) =>
                    u.connection === step.connection &&
                    (step.department === undefined || u.department === step.department),
                ).length;
                const filter =
                  step.department === undefined
                    ? undefined
                    : parseFilter(
                        `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "${step.department}"`,
                      );
                if (filter !== undefined && !filter.ok) throw new Error(filter.error);
                const base: ListQuery = {
                  filter: filter?.value,
                  startIndex: step.startIndex,
                  count: step.count,
                };
                if (step.cursorPages === undefined) {
                  const page = await repository.list(
                    step.connection,
                    'User',
                    USER_RESOURCE_SCHEMA,
                    base,
                    LOCATION,
                  );
                  assert.equal(page.totalResults, expected, `index page ${JSON.stringify(step)}`);
                  assert.equal(
                    page.resources.length,
                    Math.max(0, Math.min(step.count, expected - step.startIndex + 1)),
                  );
                } else {
                  // Walk a few cursor pages: every one reports the same total.
                  let cursor = '';
                  for (let i = 0; i <= step.cursorPages; i++) {
                    const page = await repository.list(
                      step.connection,
                      'User',
                      USER_RESOURCE_SCHEMA,
                      { ...base, count: Math.max(1, step.count), cursor },
                      LOCATION,
                    );
                    assert.equal(page.totalResults, expected, `cursor page ${i} ${JSON.stringify(step)}`);
                    if (page.nextCursor === undefined) break;
                    cursor = page.nextCursor;
                  }
                }
              }
            }
          },
        ),
        { numRuns: dialect === 'sqlite' ? 40 : 15, seed: 11 },
      );
    });

    void test("a connection's cascading delete takes its count with it", async () => {
      await database.db.deleteFrom('connections').execute();
      await addConnections();
      for (let i = 0; i < 3; i++)
        await repository.create('acme', 'User', { schemas: [URN.user], userName: `gone${i}@example.com` });
      await database.db.deleteFrom('connections').where('id', '=', 'acme').execute();
      await addTestConnections(database.db, ['acme']);
      const page = await repository.list(
        'acme',
        'User',
        USER_RESOURCE_SCHEMA,
        { startIndex: 1, count: 0 },
        LOCATION,
      );
      assert.equal(page.totalResults, 0);
    });
  });
}
