// The SCIM requests the benchmark sends, one scenario each: what an IdP does most (lookup by
// userName, paging, create, deactivate, add a group member), built the same way for Roster and
// for the bare baseline server so both see identical request shapes.
import { URN } from '../src/scim/schema.ts';
import type { LoadRequest } from './load-generator.ts';
import { benchUserBody, benchUserName } from './scim-seed.ts';

export const SCENARIO_NAMES = [
  'lookup',
  'get-by-id',
  'page-small',
  'page-first',
  'page-deep-index',
  'page-deep-cursor',
  'create',
  'patch-active',
  'group-add',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What the requests of one target (a Roster server on one database, or the baseline) refer to. */
export interface ScenarioTarget {
  /** `/scim/v2/<connection>` of the large connection and of the small reference one. */
  readonly largeBase: string;
  readonly smallBase: string;
  readonly largeUsers: number;
  readonly smallUsers: number;
  /** Ids of the large connection's seeded users, in seeding order. */
  readonly userIds: (index: number) => string;
  readonly groupId: string;
  readonly groupMembers: number;
  /** 1-based position of the deep page, e.g. 90,001. */
  readonly deepStartIndex: number;
  /** An RFC 9865 cursor whose next page starts at `deepStartIndex`. */
  readonly deepCursor: string;
  /** Tells this run's created userNames apart from every earlier one. */
  readonly runTag: string;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly label: string;
  /** Which connection's token the requests carry. */
  readonly connection: 'large' | 'small';
  /** Roster's answer on success; the baseline always answers 200. */
  readonly expectedStatus: number;
  request(target: ScenarioTarget, sequence: number): LoadRequest;
}

const PAGE = 100;
// Deactivations and member additions walk through users the other scenarios leave alone.
const PATCH_FIRST_USER = 50_000;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'lookup',
    label: 'GET userName eq (lookup)',
    connection: 'large',
    expectedStatus: 200,
    request: (t, sequence) => ({
      method: 'GET',
      path: `${t.largeBase}/Users?filter=${encodeURIComponent(
        `userName eq "${benchUserName('user', scatter(sequence, t.largeUsers))}"`,
      )}`,
    }),
  },
  {
    // Not a target: the same single user fetched through the primary-key index, the floor a
    // `userName eq` lookup can reach on this server.
    name: 'get-by-id',
    label: 'GET /Users/{id} (reference)',
    connection: 'large',
    expectedStatus: 200,
    request: (t, sequence) => ({
      method: 'GET',
      path: `${t.largeBase}/Users/${t.userIds(scatter(sequence, t.largeUsers))}`,
    }),
  },
  {
    name: 'page-small',
    label: 'GET page of 100, 1,000 users',
    connection: 'small',
    expectedStatus: 200,
    request: (t) => ({ method: 'GET', path: `${t.smallBase}/Users?startIndex=1&count=${PAGE}` }),
  },
  {
    name: 'page-first',
    label: 'GET page of 100, startIndex 1',
    connection: 'large',
    expectedStatus: 200,
    request: (t) => ({ method: 'GET', path: `${t.largeBase}/Users?startIndex=1&count=${PAGE}` }),
  },
  {
    name: 'page-deep-index',
    label: 'GET page of 100, startIndex deep',
    connection: 'large',
    expectedStatus: 200,
    request: (t) => ({
      method: 'GET',
      path: `${t.largeBase}/Users?startIndex=${t.deepStartIndex}&count=${PAGE}`,
    }),
  },
  {
    name: 'page-deep-cursor',
    label: 'GET page of 100, cursor deep',
    connection: 'large',
    expectedStatus: 200,
    request: (t) => ({
      method: 'GET',
      path: `${t.largeBase}/Users?count=${PAGE}&cursor=${encodeURIComponent(t.deepCursor)}`,
    }),
  },
  {
    name: 'create',
    label: 'POST /Users (create)',
    connection: 'large',
    expectedStatus: 201,
    request: (t, sequence) => ({
      method: 'POST',
      path: `${t.largeBase}/Users`,
      body: JSON.stringify(benchUserBody(benchUserName(`load-${t.runTag}-`, sequence), sequence)),
    }),
  },
  {
    name: 'patch-active',
    label: 'PATCH User active=false',
    connection: 'large',
    expectedStatus: 200,
    request: (t, sequence) => ({
      method: 'PATCH',
      path: `${t.largeBase}/Users/${t.userIds((PATCH_FIRST_USER + sequence) % t.largeUsers)}`,
      body: JSON.stringify({
        schemas: [URN.patchOp],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
    }),
  },
  {
    name: 'group-add',
    label: 'PATCH Group add 1 member',
    connection: 'large',
    expectedStatus: 204,
    request: (t, sequence) => ({
      method: 'PATCH',
      path: `${t.largeBase}/Groups/${t.groupId}`,
      body: JSON.stringify({
        schemas: [URN.patchOp],
        Operations: [
          {
            op: 'add',
            path: 'members',
            value: [{ value: t.userIds(t.groupMembers + (sequence % (t.largeUsers - t.groupMembers))) }],
          },
        ],
      }),
    }),
  },
];

/** A fixed pseudo-random index in [0, size): lookups spread over the whole set, reproducibly. */
function scatter(sequence: number, size: number): number {
  let x = Math.imul(sequence + 1, 0x9e3779b1);
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  return (x >>> 0) % size;
}
