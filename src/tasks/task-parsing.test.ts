// The parsers of the task model, by property: cursors round-trip and reject anything else with
// task_invalid, due times parse to the instant they name, and the task settings reader falls back
// to its defaults for every value it cannot use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../core/errors.ts';
import { decodeTaskCursor, encodeTaskCursor } from './task-cursor.ts';
import { DEFAULT_TASK_SLA_HOURS, readTaskSettings } from './task-settings.ts';
import { checkInstant } from './task.ts';

function isTaskInvalid(error: unknown): boolean {
  return error instanceof InvalidInputError && error.code === 'task_invalid';
}

void describe('task cursors', () => {
  void it('decode to the id they were made from', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), (id) => {
        assert.equal(decodeTaskCursor(encodeTaskCursor(id)), id);
      }),
    );
  });

  void it('reject any other text with task_invalid, never another error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (text) => {
        try {
          decodeTaskCursor(text);
        } catch (error) {
          assert.ok(isTaskInvalid(error), String(error));
        }
      }),
    );
    for (const text of ['', 'garbage!', Buffer.from('[1]').toString('base64url'), encodeTaskCursor('')]) {
      assert.throws(() => decodeTaskCursor(text), isTaskInvalid);
    }
  });
});

void describe('task due times', () => {
  void it('parse every ISO-8601 instant, in any zone offset, to the same instant in UTC', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1990-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }).map((m) => m - (m % 15)),
        (date, offsetMinutes) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          assert.equal(checkInstant(`${local}${zone}`, 'due time'), date.toISOString());
        },
      ),
    );
  });

  void it('refuse text without a zone or that is no instant, with task_invalid', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          const parsed = checkInstant(text, 'due time');
          assert.ok(!Number.isNaN(Date.parse(parsed)));
        } catch (error) {
          assert.ok(isTaskInvalid(error), String(error));
        }
      }),
    );
    for (const text of ['2026-06-01', '2026-06-01T10:00', 'tomorrow', '2026-13-01T00:00:00Z']) {
      assert.throws(() => checkInstant(text, 'due time'), isTaskInvalid, text);
    }
  });
});

void describe('task settings', () => {
  void it('read the SLA and default assignee from provisioning settings', () => {
    assert.deepEqual(
      readTaskSettings({ provisioning: { taskSlaHours: 4.5, defaultAssignee: 'it@acme.test' } }),
      {
        slaHours: 4.5,
        defaultAssignee: 'it@acme.test',
      },
    );
  });

  void it('fall back to 24 hours and no assignee for anything unusable, and never throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (sla, assignee) => {
        const settings = readTaskSettings({ provisioning: { taskSlaHours: sla, defaultAssignee: assignee } });
        const isUsableSla = typeof sla === 'number' && sla > 0 && sla <= 24 * 366;
        assert.equal(settings.slaHours, isUsableSla ? sla : DEFAULT_TASK_SLA_HOURS);
        assert.equal(
          settings.defaultAssignee,
          typeof assignee === 'string' && assignee.trim() !== '' ? assignee : null,
        );
      }),
    );
    assert.deepEqual(readTaskSettings(null), { slaHours: 24, defaultAssignee: null });
    assert.deepEqual(readTaskSettings({ provisioning: [] }), { slaHours: 24, defaultAssignee: null });
  });
});
