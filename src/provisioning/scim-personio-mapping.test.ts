// The SCIM → Personio mapping: path parsing (property-tested), reading values the way Okta and Entra
// send them, the effective mapping, authority, what a write may send, and English refusals.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { provisioningSettingsSchema } from '../connectors/personio/settings.ts';
import {
  ENTERPRISE_USER,
  changedAttributes,
  describeRefusal,
  desiredAttributes,
  effectiveMapping,
  emailOf,
  isHrOwned,
  parseScimPath,
  printScimPath,
  readScimPath,
  scimUserFromEmployee,
  toWritableValues,
} from './scim-personio-mapping.ts';

const settings = (input: Record<string, unknown> = {}) => provisioningSettingsSchema.parse(input);
const path = (text: string) => {
  const parsed = parseScimPath(text);
  assert.ok(parsed, text);
  return parsed;
};

void describe('SCIM mapping paths', () => {
  const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,10}$/);
  const urn = fc.constantFrom(null, ENTERPRISE_USER, 'urn:example:ext:1.0:User');
  const type = fc.option(fc.stringMatching(/^[a-z][a-z0-9 ]{0,9}$/), { nil: null });

  void test('printing a parsed path gives the path back, and parsing the print gives the same path', () => {
    fc.assert(
      fc.property(urn, name, type, fc.option(name, { nil: null }), (u, attribute, t, sub) => {
        const original = { urn: u, attribute, type: t, sub };
        const printed = printScimPath(original);
        assert.deepEqual(parseScimPath(printed), original);
      }),
    );
  });

  void test('no input makes the parser throw, and it accepts exactly what the settings schema accepts', () => {
    const pathLike = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .tuple(urn, name, type, fc.option(name, { nil: null }), fc.string({ maxLength: 3 }))
        .map(([u, a, t, sub, noise]) => printScimPath({ urn: u, attribute: a, type: t, sub }) + noise),
    );
    fc.assert(
      fc.property(pathLike, (text) => {
        const parsed = parseScimPath(text);
        const accepted = provisioningSettingsSchema.safeParse({ mapping: { position: text } }).success;
        assert.equal(parsed !== null, accepted, text);
      }),
    );
  });

  void test('the settings schema refuses a path the mapping cannot read', () => {
    assert.equal(
      provisioningSettingsSchema.safeParse({ mapping: { position: 'emails[value co "x"]' } }).success,
      false,
    );
    assert.equal(provisioningSettingsSchema.safeParse({ mapping: { position: 'title' } }).success, true);
  });
});

void describe('reading SCIM users', () => {
  const okta = {
    userName: 'ada@example.com',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ primary: true, value: 'ada@example.com', type: 'work' }],
    title: 'Engineer',
    [ENTERPRISE_USER]: { department: 'R&D', manager: { value: 'm-1' } },
    addresses: [{ type: 'work', formatted: 'Berlin' }],
    active: true,
  };

  void test('the default mapping reads names, work email, title, department, office and manager', () => {
    const mapping = effectiveMapping(settings(), {});
    assert.deepEqual(desiredAttributes(okta, mapping), {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      position: 'Engineer',
      department: 'R&D',
      office: 'Berlin',
      supervisorId: 'm-1',
    });
  });

  void test('employeeNumber is mapped only when the connection names its custom attribute', () => {
    assert.equal(effectiveMapping(settings(), {}).has('employeeNumber'), false);
    assert.equal(effectiveMapping(settings(), { employeeNumber: 'dynamic_1' }).has('employeeNumber'), true);
  });

  void test('a mapping can move a path and switch a default off', () => {
    const mapping = effectiveMapping(settings({ mapping: { office: null, position: 'nickName' } }), {});
    assert.equal(mapping.has('office'), false);
    assert.equal(readScimPath({ nickName: 'Countess' }, mapping.get('position') ?? path('x')), 'Countess');
  });

  void test('a work email falls back to the primary one, then to a userName that is an address', () => {
    const mapping = effectiveMapping(settings(), {});
    assert.equal(
      emailOf({ userName: 'x', emails: [{ value: 'p@example.com', primary: true }] }, mapping),
      'p@example.com',
    );
    assert.equal(emailOf({ userName: 'u@example.com', emails: [] }, mapping), 'u@example.com');
    assert.equal(emailOf({ userName: 'not-an-address' }, mapping), null);
    assert.equal(
      emailOf(
        {
          userName: 'x',
          emails: [
            { value: 'home@example.com', type: 'home' },
            { value: 'w@example.com', type: 'Work' },
          ],
        },
        mapping,
      ),
      'w@example.com',
    );
  });

  void test('only the attributes whose desired value changed are reported', () => {
    assert.deepEqual(changedAttributes({ a: '1', b: null, c: 'x' }, { a: '1', b: 'y', d: null }), ['b', 'c']);
  });
});

void describe('authority and writable values', () => {
  void test('HR owns names, department, office and supervisor by default; position belongs to the IdP', () => {
    const s = settings();
    for (const attribute of ['firstName', 'lastName', 'department', 'office', 'supervisorId'])
      assert.equal(isHrOwned(attribute, s), true, attribute);
    assert.equal(isHrOwned('position', s), false);
    assert.equal(isHrOwned('supervisorId', settings({ authority: { supervisorId: 'idp' } })), false);
    assert.equal(isHrOwned('position', settings({ authority: { position: 'hr' } })), true);
  });

  void test('an unset value clears position, unsets a supervisor and leaves names alone', () => {
    assert.deepEqual(
      toWritableValues({ position: null, supervisorId: null, firstName: null, department: 'R&D' }, {}),
      { position: '', supervisorId: null, department: 'R&D' },
    );
  });
});

void describe("explaining Personio's refusals", () => {
  const mapping = effectiveMapping(settings(), {});

  void test('a supervisor refusal names the SCIM manager path', () => {
    const refusal = describeRefusal('Supervisor with ID 9 not found', mapping, new Set());
    assert.equal(refusal.attribute, 'supervisorId');
    assert.match(refusal.detail, /manager\.value/);
    assert.match(refusal.detail, /Supervisor with ID 9 not found/);
  });

  void test('a refused create default names the setting, not a SCIM attribute', () => {
    const refusal = describeRefusal(
      'The hire date does not match the format Y-m-d.',
      mapping,
      new Set(['hireDate']),
    );
    assert.match(refusal.detail, /provisioning\.createDefaults\.hireDate/);
  });
});

void describe('the SCIM view of an employee', () => {
  void test('an employee becomes an active work-email user with title, department, office and manager', () => {
    const user = scimUserFromEmployee(
      {
        id: '7',
        userName: 'e@example.com',
        email: 'e@example.com',
        displayName: 'Eve Example',
        isActive: true,
        attributes: {
          firstName: 'Eve',
          lastName: 'Example',
          position: 'Lead',
          department: 'Ops',
          office: 'Oslo',
        },
      },
      'manager-id',
    );
    assert.ok(user);
    assert.equal(user['userName'], 'e@example.com');
    assert.equal(user['title'], 'Lead');
    assert.deepEqual(user[ENTERPRISE_USER], { department: 'Ops', manager: { value: 'manager-id' } });
    assert.deepEqual(user['addresses'], [{ type: 'work', formatted: 'Oslo' }]);
    assert.equal(user['active'], true);
  });

  void test('an employee without email is not listed; an inactive one is listed inactive', () => {
    const base = { id: '1', userName: null, displayName: null, attributes: {} };
    assert.equal(scimUserFromEmployee({ ...base, email: null, isActive: true }, null), null);
    assert.equal(
      scimUserFromEmployee({ ...base, email: 'x@example.com', isActive: false }, null)?.['active'],
      false,
    );
  });
});
