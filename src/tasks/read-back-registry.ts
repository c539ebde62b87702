// The read-backs Roster ships, one line per app whose API can show what a task expects (e.g.
// Personio login access). Kept apart from read-back.ts so registering one touches only this file.
import { personioReadBack } from '../provisioning/personio-read-back.ts';
import type { ReadBackResolvers } from './read-back.ts';

export const READ_BACKS: ReadBackResolvers = Object.freeze({ personio: personioReadBack });
