// The built-in mapping from a Personio person to a SCIM User, written in the mapping-file format so that
// a sync's own file can start from it (`extends: personio`) and override single attributes.
import { URN } from '../../scim/schema.ts';

const ENTERPRISE = URN.enterpriseUser;

/**
 * The default mapping, as a mapping file would hold it. Decisions (see docs/sync-mapping.md):
 * - `userName` is the work email and required: a person without one gets a mapping error naming
 *   `[workEmail]`, which the engine turns into a skipped person with that reason.
 * - Personio's preferred name is a preferred *first* name ("Alex" for Alexander): it becomes the
 *   nickName and replaces the first name in displayName; name.givenName stays the legal first name.
 * - `active` follows the status: active and leave are active; onboarding and inactive are not; a
 *   status this code does not know gives no value, so the account's state is left alone. When an
 *   account is enabled or disabled is the engine's decision (effective dates), not the mapping's.
 * - employeeNumber is the Personio id; override it (`extends: personio` plus one line) to take a
 *   custom attribute instead.
 * - costCenter is the name of the first cost centre; manager is the supervisor, resolved to the
 *   target's id of the supervisor's account by the engine.
 */
export const PERSONIO_DEFAULT_MAPPING_SOURCE = Object.freeze({
  attributes: Object.freeze({
    userName: Object.freeze({ expression: '[workEmail]', required: true }),
    externalId: '[sourceId]',
    displayName: 'Join(" ", Coalesce([preferredName], [firstName]), [lastName])',
    nickName: '[preferredName]',
    'name.givenName': '[firstName]',
    'name.familyName': '[lastName]',
    'name.formatted': 'Join(" ", [firstName], [lastName])',
    'emails[type eq "work"].value': '[workEmail]',
    'emails[type eq "work"].primary': 'IIF(IsPresent([workEmail]), true, null)',
    title: '[position]',
    active: 'Switch([status], null, "active", true, "leave", true, "onboarding", false, "inactive", false)',
    [`${ENTERPRISE}:employeeNumber`]: '[sourceId]',
    [`${ENTERPRISE}:department`]: '[department]',
    [`${ENTERPRISE}:costCenter`]: 'Item([costCenters], 1)',
    [`${ENTERPRISE}:organization`]: '[legalEntity]',
    [`${ENTERPRISE}:manager`]: '[supervisorId]',
  }),
});
