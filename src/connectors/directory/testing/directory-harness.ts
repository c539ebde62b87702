// Test harness: Roster's SCIM repository on SQLite or PostgreSQL, two fresh directory connections (so
// tests can show one never sees the other) with seeded users and groups, and a directory connector
// opened on the first connection the way the host opens it. Harnesses may share one database: fresh
// connections isolate them as well as fresh databases would, at a fraction of the cost.
import { ScimRepository } from '../../../store/scim-repository.ts';
import { addTestConnections, openTestDatabase } from '../../../store/testing/test-database.ts';
import type { TestDatabase } from '../../../store/testing/test-database.ts';
import type { Dialect } from '../../../store/index.ts';
import type { ConnectorHandle } from '../../contract.ts';
import { openConnector } from '../../registry.ts';
import { createTestContext } from '../../testing/test-context.ts';
import type { TestContext } from '../../testing/test-context.ts';
import { withDirectoryRepository } from '../directory-repository.ts';
import type { DirectorySettingsInput } from '../settings.ts';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** A migrated database and a repository on it, for several harnesses. */
export interface DirectoryDatabase {
  readonly database: TestDatabase;
  readonly repository: ScimRepository;
  close(): Promise<void>;
}

export async function openDirectoryDatabase(dialect: Dialect): Promise<DirectoryDatabase> {
  const database = await openTestDatabase(dialect);
  return {
    database,
    repository: new ScimRepository(database.db, database.dialect),
    close: () => database.close(),
  };
}

let harnessNumber = 0;

export interface DirectoryHarnessOptions {
  /** The database to seed; default: a fresh one of `dialect`, closed with the harness. */
  readonly shared?: DirectoryDatabase;
  readonly dialect?: Dialect;
  readonly users?: number;
  readonly groups?: number;
  readonly settings?: DirectorySettingsInput;
}

export interface DirectoryHarness {
  readonly connectionId: string;
  /** A second connection in the same database, with one user named like the first seeded user. */
  readonly otherConnectionId: string;
  readonly database: TestDatabase;
  readonly repository: ScimRepository;
  readonly test: TestContext;
  readonly settings: DirectorySettingsInput;
  readonly handle: ConnectorHandle;
  readonly userIds: string[];
  readonly groupIds: string[];
  /** Another handle on the same connection, as another process would open it. */
  open(settings?: DirectorySettingsInput): ConnectorHandle;
  /** Ids of every user of the connection, read from the repository directly. */
  listUserIds(connectionId?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A seeded user body as an IdP would have written it through SCIM. */
export function seededUser(n: number): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    userName: `seeded.user${n}@example.com`,
    displayName: `Seeded User ${n}`,
    name: { givenName: 'Seeded', familyName: `User ${n}` },
    emails: [{ type: 'work', value: `seeded.user${n}@example.com`, primary: true }],
    active: true,
    [ENTERPRISE]: { department: n % 2 === 0 ? 'Engineering' : 'Sales' },
  };
}

export async function startDirectoryHarness(
  options: DirectoryHarnessOptions = {},
): Promise<DirectoryHarness> {
  const owned =
    options.shared === undefined ? await openDirectoryDatabase(options.dialect ?? 'sqlite') : undefined;
  const shared = options.shared ?? owned;
  if (shared === undefined) throw new Error('unreachable: a database is either shared or owned');
  const { database, repository } = shared;
  harnessNumber += 1;
  const connectionId = `directory-${process.pid}-${harnessNumber}`;
  const otherConnectionId = `${connectionId}-other`;
  try {
    await addTestConnections(database.db, [connectionId, otherConnectionId]);
    const userIds: string[] = [];
    for (let n = 1; n <= (options.users ?? 7); n++) {
      userIds.push((await repository.create(connectionId, 'User', seededUser(n))).id);
    }
    // The other connection holds a user of the same name: connections never see each other.
    await repository.create(otherConnectionId, 'User', seededUser(1));
    const groupIds: string[] = [];
    for (let n = 1; n <= (options.groups ?? 3); n++) {
      const members = userIds.filter((_, i) => i % n === 0).map((value) => ({ value }));
      const group = await repository.create(
        connectionId,
        'Group',
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Group ${n}` },
        members,
      );
      groupIds.push(group.id);
    }
    const test = createTestContext({ connectionId });
    const context = withDirectoryRepository(test.context, repository);
    const baseSettings = options.settings ?? {};
    const open = (settings: DirectorySettingsInput = baseSettings): ConnectorHandle =>
      openConnector('directory', settings, {}, context);
    const handle = open();
    return {
      connectionId,
      otherConnectionId,
      database,
      repository,
      test,
      settings: baseSettings,
      handle,
      userIds,
      groupIds,
      open,
      listUserIds: async (id = connectionId) => {
        const rows = await database.db
          .selectFrom('scim_resources')
          .select('id')
          .where('connection_id', '=', id)
          .where('resource_type', '=', 'User')
          .execute();
        return rows.map((r) => r.id);
      },
      close: async () => {
        await handle.close();
        await owned?.close();
      },
    };
  } catch (error) {
    await owned?.close();
    throw error;
  }
}
