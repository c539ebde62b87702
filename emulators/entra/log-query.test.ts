// The provisioning-log query options: $skiptoken round-trips, $filter never throws on any input and
// refuses what it does not support, and the filters it accepts select what they say.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeSkipToken, encodeSkipToken, parseLogFilter } from './log-query.ts';
import type { ProvisioningObjectSummary } from './tenant.ts';

function entry(jobId: string, sourceId: string, at: string): ProvisioningObjectSummary {
  return {
    jobId,
    activityDateTime: at,
    sourceIdentity: { id: sourceId, displayName: '', identityType: 'User', details: {} },
  } as unknown as ProvisioningObjectSummary;
}

void describe('provisioning log query', () => {
  void test('a skip token decodes to the cursor it encodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.nat(), (time, seq) => {
        assert.deepEqual(decodeSkipToken(encodeSkipToken({ time, seq })), { time, seq });
      }),
    );
  });

  void test('no skip token or filter text throws; nonsense is refused', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        decodeSkipToken(text);
        parseLogFilter(text);
      }),
    );
    assert.equal(decodeSkipToken('not-a-token'), null);
    assert.equal(parseLogFilter("displayName eq 'x'").ok, false);
    assert.equal(parseLogFilter("jobId gt 'x'").ok, false);
    assert.equal(parseLogFilter('jobId eq x').ok, false);
  });

  void test('jobId, sourceIdentity/id and activityDateTime filters select exactly what they say', () => {
    const entries = [
      entry('job-1', 'a', '2026-03-02T09:00:00.000Z'),
      entry('job-1', "o'brien", '2026-03-02T09:00:05.000Z'),
      entry('job-2', 'a', '2026-03-02T09:00:10.000Z'),
    ];
    const select = (filter: string): string[] => {
      const parsed = parseLogFilter(filter);
      assert.ok(parsed.ok, filter);
      return entries.filter(parsed.value).map((e) => `${e.jobId}/${e.sourceIdentity.id}`);
    };
    assert.deepEqual(select("jobId eq 'job-1'"), ['job-1/a', "job-1/o'brien"]);
    assert.deepEqual(select("JOBID eq 'Job-1'"), [], 'values compare case-sensitively');
    assert.deepEqual(select("sourceIdentity/id eq 'o''brien'"), ["job-1/o'brien"]);
    assert.deepEqual(select("jobId eq 'job-1' and activityDateTime gt 2026-03-02T09:00:00Z"), [
      "job-1/o'brien",
    ]);
    assert.deepEqual(select('activityDateTime lt 2026-03-02T09:00:05Z'), ['job-1/a']);
  });
});
