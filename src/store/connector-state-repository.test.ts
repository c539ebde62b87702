// Connector state on SQLite and PostgreSQL: values round-trip as JSON, put upserts many entries at
// once, list filters by a literal, case-sensitive prefix, each connection sees only its own state, and
// removing a connection removes its state.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../core/testing/manual-clock.ts';
import {
  createConnectorStateRepository,
  type ConnectorStateRepository,
} from './connector-state-repository.ts';
import {
  DIALECTS,
  addTestConnections,
  openTestDatabase,
  type TestDatabase,
} from './testing/test-database.ts';

for (const dialect of DIALECTS) {
  void describe(`connector state on ${dialect}`, { timeout: 60_000 }, () => {
    let database: TestDatabase;
    let repository: ConnectorStateRepository;

    before(async () => {
      database = await openTestDatabase(dialect);
      const now = '2026-03-02T09:00:00.000Z';
      await addTestConnections(database.db, ['entra-a', 'entra-b'], 'directory', now);
      repository = createConnectorStateRepository({
        db: database.db,
        clock: createManualClock(new Date(now)),
      });
    });
    after(async () => {
      await database?.close();
    });

    void test('a stored value reads back equal, and a second put replaces it', async () => {
      const state = repository.forConnection('entra-a');
      const value = {
        externalId: '17',
        attributes: { title: 'Ingénieur', tags: ['a', 'b'] },
        active: false,
        n: 1.5,
      };
      await state.put([{ key: 'user:17', value }]);
      assert.deepEqual(await state.get('user:17'), value);
      await state.put([{ key: 'user:17', value: { ...value, active: true } }]);
      assert.deepEqual(await state.get('user:17'), { ...value, active: true });
      assert.equal(await state.get('user:unknown'), undefined);
    });

    void test('put stores hundreds of entries at once and list returns them sorted by key', async () => {
      const state = repository.forConnection('entra-b');
      const entries = Array.from({ length: 450 }, (_, i) => ({
        key: `user:${String(i).padStart(4, '0')}`,
        value: { i },
      }));
      await state.put([...entries].reverse());
      const listed = await state.list('user:');
      assert.equal(listed.length, 450);
      assert.deepEqual(
        listed.map((e) => e.key),
        entries.map((e) => e.key),
      );
    });

    void test('list matches the prefix literally and case-sensitively', async () => {
      const state = repository.forConnection('entra-a');
      await state.put([
        { key: 'cursor', value: 'x' },
        { key: 'User:upper', value: 1 },
        { key: 'user%wild', value: 2 },
        { key: 'user_x', value: 3 },
      ]);
      assert.deepEqual(
        (await state.list('user%')).map((e) => e.key),
        ['user%wild'],
      );
      assert.deepEqual(
        (await state.list('user:')).map((e) => e.key),
        ['user:17'],
      );
      assert.deepEqual(
        (await state.list('User')).map((e) => e.key),
        ['User:upper'],
      );
    });

    void test('a connection never sees another connection’s state', async () => {
      assert.equal(await repository.forConnection('entra-b').get('user:17'), undefined);
      assert.ok((await repository.forConnection('entra-a').list()).every((e) => !e.key.startsWith('user:0')));
    });

    void test('delete removes one key and says whether there was one', async () => {
      const state = repository.forConnection('entra-a');
      assert.equal(await state.delete('cursor'), true);
      assert.equal(await state.delete('cursor'), false);
      assert.equal(await state.get('cursor'), undefined);
    });

    void test('removing the connection removes its state', async () => {
      await database.db.deleteFrom('connections').where('id', '=', 'entra-b').execute();
      assert.deepEqual(await repository.forConnection('entra-b').list(), []);
    });
  });
}
