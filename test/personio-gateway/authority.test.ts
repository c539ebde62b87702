// Authority and claiming on PostgreSQL: a connection that refuses IdP writes to HR-owned attributes,
// an imported employee claimed by the IdP's first write (Okta after an import match, Entra after its
// lookup), Bulk creates written through, and unclaimed users following Personio at the next import.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectListResponse, expectScimError, expectStatus } from '../support/scim-harness.ts';
import {
  CONNECTION_ID,
  startGatewayHarness,
  type EmulatorEmployee,
  type GatewayHarness,
} from './gateway-harness.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

void describe('authority and claiming (PostgreSQL, HR-owned writes refused)', { timeout: 120_000 }, () => {
  let h: GatewayHarness;
  let employee: EmulatorEmployee;
  let userId = '';

  before(async () => {
    h = await startGatewayHarness({ dialect: 'postgres', provisioning: { onHrOwnedWrite: 'refuse' } });
    const all = await h.employees();
    const found = all.find((e) => e.email && e.status === 'active' && e.department);
    assert.ok(found?.email);
    employee = found;
    const lookup = await h.request('GET', `/Users?filter=userName eq "${found.email}"`);
    userId = expectListResponse(lookup)[0]?.id;
    assert.ok(userId);
  });
  after(() => h.close());

  void test("the IdP's first write to an imported employee claims it and opens grant_login", async () => {
    const response = await h.request('PATCH', `/Users/${userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'title', value: 'Head of Claims' }],
    });
    expectStatus(response, 200);
    assert.equal((await h.employeeByEmail(employee.email ?? ''))?.position, 'Head of Claims');
    const link = await h.gateway.store.link(h.gateway.store.db, CONNECTION_ID, userId);
    assert.deepEqual([link?.state, link?.claimedBy], ['linked', h.tokenId]);
    assert.ok((await h.openTasks()).some((t) => t.kind === 'grant_login' && t.accountId === userId));
  });

  void test('a write to an HR-owned attribute is refused with 400 mutability and changes nothing', async () => {
    const response = await h.request('PATCH', `/Users/${userId}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Somewhere Else' },
        { op: 'replace', path: 'title', value: 'Not Applied Either' },
      ],
    });
    expectScimError(response, 400, 'mutability');
    assert.match(response.body.detail, /department/);
    assert.match(response.body.detail, /owned by Personio \(HR\)/);
    const read = await h.request('GET', `/Users/${userId}`);
    assert.equal(read.body.title, 'Head of Claims', 'the whole PATCH was refused');
    const now = await h.employeeByEmail(employee.email ?? '');
    assert.equal(now?.department, employee.department);
    assert.equal(now?.position, 'Head of Claims');
  });

  void test('Bulk creates are written through, one employee each', async () => {
    const response = await h.request('POST', '/Bulk', {
      schemas: [BULK],
      Operations: ['bulk.one', 'bulk.two'].map((local) => ({
        method: 'POST',
        path: '/Users',
        bulkId: local,
        data: {
          schemas: [USER],
          userName: `${local}@nordlicht.example`,
          name: { givenName: 'Bulk', familyName: local },
          emails: [{ type: 'work', value: `${local}@nordlicht.example`, primary: true }],
        },
      })),
    });
    expectStatus(response, 200);
    assert.deepEqual(
      response.body.Operations.map((o: { status: string }) => o.status),
      ['201', '201'],
    );
    for (const local of ['bulk.one', 'bulk.two'])
      assert.ok(await h.employeeByEmail(`${local}@nordlicht.example`));
  });

  void test('an unclaimed employee follows Personio at the next import; a claimed one keeps what the IdP asked', async () => {
    const other = (await h.employees()).find((e) => e.email && e.id !== employee.id && e.status === 'active');
    assert.ok(other?.email);
    await h.changeEmployee(other.id, { position: 'Promoted in Personio' });
    await h.changeEmployee(employee.id, { position: 'Changed by HR' });
    await h.gateway.importEmployees(CONNECTION_ID);
    const unclaimed = expectListResponse(
      await h.request('GET', `/Users?filter=userName eq "${other.email}"`),
    )[0];
    assert.equal(unclaimed?.title, 'Promoted in Personio');
    const claimed = await h.request('GET', `/Users/${userId}`);
    assert.equal(claimed.body.title, 'Head of Claims');
  });
});
