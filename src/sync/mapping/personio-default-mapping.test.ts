// The built-in Personio mapping on people with and without preferred names, emails, departments,
// supervisors, cost centres, statuses and non-ASCII names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { URN } from '../../scim/schema.ts';
import type { MappingOutcome } from './apply-mapping.ts';
import { applyMapping } from './apply-mapping.ts';
import { builtInMapping, parseMappingObject } from './mapping-file.ts';
import { PERSONIO_DEFAULT_MAPPING_SOURCE } from './personio-default-mapping.ts';
import { ALEX, personWith } from './testing/people.ts';

const DEFAULT = builtInMapping('personio');

function resourceOf(outcome: MappingOutcome): Record<string, unknown> {
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join('\n'));
  return outcome.resource;
}

void describe('the default Personio mapping', () => {
  void test('is a valid mapping file of its own', () => {
    assert.equal(parseMappingObject(PERSONIO_DEFAULT_MAPPING_SOURCE).ok, true);
    assert.equal(builtInMapping('personio'), DEFAULT);
  });

  void test('maps a fully visible person to a SCIM User with the enterprise extension', async () => {
    const outcome = await applyMapping(DEFAULT, ALEX);
    assert.deepEqual(resourceOf(outcome), {
      schemas: [URN.user, URN.enterpriseUser],
      externalId: '1234',
      userName: 'alexander.bergmann@acme.example',
      name: { formatted: 'Alexander Bergmann', familyName: 'Bergmann', givenName: 'Alexander' },
      displayName: 'Alex Bergmann',
      nickName: 'Alex',
      title: 'CTO',
      active: true,
      emails: [{ value: 'alexander.bergmann@acme.example', type: 'work', primary: true }],
      [URN.enterpriseUser]: {
        employeeNumber: '1234',
        costCenter: 'R&D',
        organization: 'Acme GmbH',
        department: 'Engineering',
      },
    });
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.references, [{ target: `${URN.enterpriseUser}:manager`, sourceId: '99' }]);
  });

  void test('uses the legal first name where there is no preferred name', async () => {
    const resource = resourceOf(await applyMapping(DEFAULT, personWith({ preferredName: null })));
    assert.equal(resource['displayName'], 'Alexander Bergmann');
    assert.equal(resource['nickName'], undefined);
    const hidden = await applyMapping(DEFAULT, personWith({ preferredName: undefined }));
    assert.ok(hidden.ok);
    assert.equal(hidden.resource['displayName'], 'Alexander Bergmann');
    assert.equal(hidden.values.find((v) => v.target === 'nickName')?.state, 'unknown');
  });

  void test('fails a person without a work email on userName, with the reason', async () => {
    for (const workEmail of [null, '', undefined]) {
      const outcome = await applyMapping(DEFAULT, personWith({ workEmail }));
      assert.equal(outcome.ok, false);
      if (outcome.ok) continue;
      assert.equal(outcome.errors.length, 1);
      assert.equal(outcome.errors[0]?.target, 'userName');
      assert.equal(
        outcome.errors[0]?.message,
        `mapping for 'userName' failed for person 1234: userName is required and the expression gave no value ([workEmail] is ${workEmail === undefined ? 'not visible' : 'empty'})`,
      );
    }
  });

  void test('leaves the department out for a person without one, and untouched when only its id is known', async () => {
    const none = await applyMapping(DEFAULT, personWith({ department: null }));
    assert.ok(none.ok);
    assert.equal((none.resource[URN.enterpriseUser] as Record<string, unknown>)['department'], undefined);
    assert.equal(none.values.find((v) => v.target.endsWith(':department'))?.state, 'empty');
    const byId = await applyMapping(DEFAULT, personWith({ department: { id: '281521' } }));
    assert.ok(byId.ok);
    assert.equal(byId.values.find((v) => v.target.endsWith(':department'))?.state, 'unknown');
  });

  void test('has no manager reference for a person without a supervisor', async () => {
    const outcome = await applyMapping(DEFAULT, personWith({ supervisorId: null }));
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.references, []);
    assert.equal(outcome.values.find((v) => v.isReference)?.state, 'empty');
  });

  void test('takes the first cost centre, and none when there are none', async () => {
    const none = resourceOf(await applyMapping(DEFAULT, personWith({ costCenters: [] })));
    assert.equal((none[URN.enterpriseUser] as Record<string, unknown>)['costCenter'], undefined);
    const one = resourceOf(
      await applyMapping(
        DEFAULT,
        personWith({ costCenters: [{ id: '5', name: 'Sales', percentage: null }] }),
      ),
    );
    assert.equal((one[URN.enterpriseUser] as Record<string, unknown>)['costCenter'], 'Sales');
  });

  void test('keeps non-ASCII names as they are written', async () => {
    const person = personWith({
      firstName: 'Łukasz',
      lastName: 'Żółć',
      preferredName: null,
      workEmail: 'lukasz.zolc@acme.example',
    });
    const resource = resourceOf(await applyMapping(DEFAULT, person));
    assert.deepEqual(resource['name'], { formatted: 'Łukasz Żółć', familyName: 'Żółć', givenName: 'Łukasz' });
    assert.equal(resource['displayName'], 'Łukasz Żółć');
  });

  void test('derives active from the status and leaves an unknown status alone', async () => {
    const activeOf = async (status: string | undefined) => {
      const outcome = await applyMapping(DEFAULT, personWith({ status }));
      assert.ok(outcome.ok);
      return outcome.values.find((v) => v.target === 'active');
    };
    assert.equal((await activeOf('active'))?.value, true);
    assert.equal((await activeOf('leave'))?.value, true);
    assert.equal((await activeOf('onboarding'))?.value, false);
    assert.equal((await activeOf('inactive'))?.value, false);
    assert.equal((await activeOf('unknown'))?.state, 'empty');
    assert.equal((await activeOf(undefined))?.state, 'unknown');
  });

  void test('maps a person with only an id and a work email', async () => {
    const sparse = personWith({
      firstName: undefined,
      lastName: undefined,
      preferredName: undefined,
      status: undefined,
      position: undefined,
      department: undefined,
      legalEntity: undefined,
      costCenters: undefined,
      supervisorId: undefined,
    });
    assert.deepEqual(resourceOf(await applyMapping(DEFAULT, sparse)), {
      schemas: [URN.user, URN.enterpriseUser],
      externalId: '1234',
      userName: 'alexander.bergmann@acme.example',
      emails: [{ value: 'alexander.bergmann@acme.example', type: 'work', primary: true }],
      [URN.enterpriseUser]: { employeeNumber: '1234' },
    });
  });
});
