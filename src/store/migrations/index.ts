// Every migration, listed statically: the build emits .js files, so reading the folder for .ts
// names would find nothing in production. Names sort in the order they must run; append only.
import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.ts';
import * as m0002 from './0002-sync.ts';
import * as m0003 from './0003-tasks.ts';
import * as m0004 from './0004-personio-gateway.ts';
import * as m0005 from './0005-connector-state.ts';
import * as m0006 from './0006-scim-resource-counts.ts';

export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': m0001,
  '0002-sync': m0002,
  '0003-tasks': m0003,
  '0004-personio-gateway': m0004,
  '0005-connector-state': m0005,
  '0006-scim-resource-counts': m0006,
});
