// The gateway's tasks are valid whatever an identity provider sends: long or odd user names, group
// and role names still make one-line titles and checklists the task model accepts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkNewTask } from '../tasks/task.ts';
import {
  applyFailedTask,
  changeEmailTask,
  grantLoginTask,
  grantRoleTask,
  revokeAccessTask,
  revokeLoginTask,
  revokeRoleTask,
  warningTask,
} from './provisioning-tasks.ts';

const base = { connectionId: 'personio-de', actor: 'scim-token:t1' };

void describe('gateway tasks', () => {
  void test('every task built from any user name, group, role and message passes the task checks', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 400, unit: 'binary' }),
        fc.string({ minLength: 1, maxLength: 255 }),
        fc.string({ minLength: 1, maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 600, unit: 'binary' }),
        fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: null }),
        (userName, group, role, message, employeeId) => {
          const subject = { resourceId: '0b6f3c1e-0000-4000-8000-000000000001', userName, employeeId };
          for (const task of [
            grantLoginTask(base, subject),
            revokeLoginTask(base, subject),
            grantRoleTask(base, subject, 'g1', group, role),
            revokeRoleTask(base, subject, 'g1', group, role),
            changeEmailTask(base, subject, 'old@example.com', 'new@example.com'),
            revokeAccessTask(base, subject),
            warningTask(base, subject, 'row-1', [message]),
            applyFailedTask(base, subject, 'row-1', 'create', message),
          ])
            assert.doesNotThrow(() => checkNewTask(task), task.kind);
        },
      ),
      { numRuns: 200 },
    );
  });

  void test('a change_email task expects the new email on read-back', () => {
    const task = changeEmailTask(
      base,
      { resourceId: 'r', userName: 'u', employeeId: '7' },
      'a@x.io',
      'b@x.io',
    );
    assert.deepEqual(task.expectation, { attribute: 'email', value: 'b@x.io' });
    assert.equal(task.personId, '7');
  });
});
