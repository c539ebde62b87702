// A Personio connection's settings and secrets (validated at the boundary), the person fields and the
// v1 attributes they are read from, and the attributes Roster refuses to read at all.
import { z } from 'zod';
import { checkOutboundUrl } from '../http/url-policy.ts';

/** Normalised person fields this connector can fill, each read from one v1 attribute. */
export const PERSON_FIELD_ATTRIBUTES = {
  firstName: 'first_name',
  lastName: 'last_name',
  preferredName: 'preferred_name',
  workEmail: 'email',
  status: 'status',
  hireDate: 'hire_date',
  terminationDate: 'termination_date',
  lastWorkingDay: 'last_working_day',
  contractEndDate: 'contract_end_date',
  position: 'position',
  employmentType: 'employment_type',
  weeklyWorkingHours: 'weekly_working_hours',
  department: 'department',
  team: 'team',
  office: 'office',
  legalEntity: 'subcompany',
  supervisorId: 'supervisor',
  costCenters: 'cost_centers',
  createdAt: 'created_at',
  lastModifiedAt: 'last_modified_at',
} as const;
export type PersonField = keyof typeof PERSON_FIELD_ATTRIBUTES;
export const PERSON_FIELDS = Object.keys(PERSON_FIELD_ATTRIBUTES) as [PersonField, ...PersonField[]];

/** Pay, bank and identity data: never requested, and flagged when the credential may read them. */
export const SENSITIVE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'fix_salary',
  'fix_salary_interval',
  'hourly_salary',
  'iban',
  'bic',
  'bank_account',
  'bank_name',
  'bank_account_holder',
  'date_of_birth',
  'birthday',
  'social_security_number',
  'tax_id',
  'tax_number',
]);

/**
 * Attributes Roster never requests, whatever the settings say: the sensitive ones plus those no mapping
 * needs (absences, schedules, pictures). Personio returns every whitelisted attribute when
 * `attributes[]` is left out, so every read names its attributes.
 */
export const NEVER_REQUESTED_ATTRIBUTES: ReadonlySet<string> = new Set([
  ...SENSITIVE_ATTRIBUTES,
  'absence_entitlement',
  'vacation_day_balance',
  'work_schedule',
  'holiday_calendar',
  'profile_picture',
]);

// Custom attributes carry only a label (and sometimes a universal_id); these words in either mark pay,
// bank, tax, health or identity-document data in English or German, which Roster refuses to read.
const SENSITIVE_LABEL =
  /\b(iban|bic|swift|bank|konto|account number|salary|gehalt|lohn|wage|bonus|compensation|vergütung|tax|steuer|social security|sozialversicherung|birth|geburt|religion|konfession|health|gesundheit|disability|behinderung|passport|reisepass|id card|personalausweis)/i;

/** Why a (custom) attribute must not be read, or null when it may be. */
export function sensitivityOf(attribute: {
  readonly key: string;
  readonly label?: string | null;
  readonly universalId?: string | null;
}): string | null {
  if (SENSITIVE_ATTRIBUTES.has(attribute.key)) return `${attribute.key} is pay, bank or personal data`;
  if (attribute.universalId && SENSITIVE_ATTRIBUTES.has(attribute.universalId)) {
    return `its universal id is ${attribute.universalId}`;
  }
  const text = `${attribute.universalId ?? ''} ${attribute.label ?? ''}`;
  if (SENSITIVE_LABEL.test(text))
    return `its label "${attribute.label ?? ''}" names pay, bank or personal data`;
  return null;
}

function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const ianaZone = z.string().refine(isIanaZone, { message: 'not an IANA time zone (e.g. Europe/Berlin)' });
const upperSnake = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'Personio asks for UPPER_SNAKE_CASE');
const dynamicKey = z
  .string()
  .regex(/^dynamic_\d{1,12}$/, 'a Personio custom attribute key such as dynamic_24407');
const attributeName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'letters, digits and _; starting with a letter');

/** Account attributes an identity provider may fill through SCIM, and where each is read from by default. */
export const DEFAULT_PROVISIONING_MAPPING: Readonly<Record<string, string>> = {
  firstName: 'name.givenName',
  lastName: 'name.familyName',
  email: 'emails[type eq "work"].value',
  position: 'title',
  department: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
  office: 'addresses[type eq "work"].formatted',
  supervisorId: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
  employeeNumber: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
};

/**
 * Attributes Personio (HR) owns by default: an IdP write to one of them is ignored (or refused) for an
 * employee that exists in Personio, so an HR-driven sync into the IdP can never loop back.
 */
export const DEFAULT_HR_OWNED_ATTRIBUTES: readonly string[] = [
  'firstName',
  'lastName',
  'preferredName',
  'department',
  'office',
  'legalEntity',
  'supervisorId',
  'hireDate',
  'employeeNumber',
];

// A SCIM attribute path as the mapping reads it: `title`, `name.givenName`, a URN-qualified path, or one
// value filter on type (`emails[type eq "work"].value`).
const scimPath = z
  .string()
  .min(1)
  .max(300)
  .regex(
    /^(urn:[A-Za-z0-9:._-]+:)?[A-Za-z][A-Za-z0-9]*(\[type eq "[^"\]]{1,40}"\])?(\.[A-Za-z][A-Za-z0-9]*)?$/,
    'a SCIM attribute path such as title, name.givenName or emails[type eq "work"].value',
  );

export const provisioningSettingsSchema = z
  .object({
    /** How long a SCIM write waits for Personio before it is acknowledged and applied later from the outbox. */
    writeBudgetMs: z.number().int().min(0).max(60_000).default(5_000),
    /** Hours until a task is due (read by the task repository too). */
    taskSlaHours: z
      .number()
      .positive()
      .max(24 * 366)
      .optional(),
    /** Who tasks are assigned to when nobody else is named. */
    defaultAssignee: z.string().trim().min(1).max(200).optional(),
    /** Account attribute → SCIM path it is read from; `null` turns a default off. Merged over the defaults. */
    mapping: z.record(attributeName, scimPath.nullable()).default({}),
    /** Values a create fills when the IdP sends none, e.g. `{ "gender": "diverse", "department": "Staff" }`. */
    createDefaults: z.record(attributeName, z.union([z.string().max(255), z.number()])).default({}),
    /** SCIM group displayName → the Personio role a member should get (by a person: roles have no API). */
    groupRoles: z.record(z.string().min(1).max(255), z.string().min(1).max(200)).default({}),
    /** Per attribute: `hr` (Personio owns it) or `idp`. Merged over DEFAULT_HR_OWNED_ATTRIBUTES. */
    authority: z.record(attributeName, z.enum(['hr', 'idp'])).default({}),
    /** What an IdP write to an HR-owned attribute of an existing employee does. */
    onHrOwnedWrite: z.enum(['ignore', 'refuse']).default('ignore'),
    /** How often the SCIM view is refreshed from Personio's employee list (also at start-up). */
    importIntervalMinutes: z
      .number()
      .min(0.05)
      .max(24 * 60)
      .default(15),
    /** Attempts before a write that keeps failing transiently becomes an `apply_failed` task. */
    maxAttempts: z.number().int().min(1).max(1000).default(50),
  })
  .strict();

export const personioSettingsSchema = z
  .object({
    /** API origin; Personio is moving from .de to .com, so it is configurable. */
    baseUrl: z
      .string()
      .default('https://api.personio.de')
      .superRefine((value, ctx) => {
        const check = checkOutboundUrl(value);
        if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason });
      }),
    clientId: z.string().min(1).max(200),
    /** Optional tracing headers Personio asks partners to send (X-Personio-Partner-ID / App-ID). */
    partnerId: upperSnake.optional(),
    appId: upperSnake.optional(),
    /**
     * The person fields the mappings use; only their attributes are requested. Default: all of them.
     * Names, `workEmail` and `status` are always read (matching and leaver detection depend on them).
     */
    personFields: z.array(z.enum(PERSON_FIELDS)).optional(),
    /** Custom attributes to read, by the name they get in `customAttributes`: `{ "costCode": "dynamic_24407" }`. */
    customAttributes: z.record(attributeName, dynamicKey).default({}),
    /** Office name (or office id) to IANA time zone: Personio does not expose an office's zone. */
    officeTimeZones: z.record(z.string().min(1), ianaZone).default({}),
    /** The zone for people whose office is unknown or not in `officeTimeZones`. */
    defaultTimeZone: ianaZone.default('Europe/Berlin'),
    /** A custom attribute holding the person's own IANA zone; when set and valid it wins over the office. */
    timeZoneAttribute: dynamicKey.optional(),
    /** Incremental reads ask for changes since the previous read's start minus this (updated_since is late). */
    incrementalOverlapMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(15),
    /** How often `planRead` asks for a full read, because updated_since is known to miss changes. */
    fullReadIntervalHours: z
      .number()
      .min(0.25)
      .max(24 * 14)
      .default(6),
    /** Rows per v1 page; Personio allows at most 100. */
    pageSize: z.number().int().min(1).max(100).default(100),
    /**
     * v1 pages fetched in parallel per connector page once the total is known; the rate limiter keeps
     * them within Personio's limits. 1 reads strictly one page after another.
     */
    readAheadPages: z.number().int().min(1).max(8).default(4),
    /** Per-request timeout. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(30_000),
    /** A full read that lists nobody is treated as failed unless this is set (an empty company is implausible). */
    allowEmptyFullRead: z.boolean().default(false),
    /** Provisioning from identity providers through this connection's SCIM endpoint (docs, "Provisioning from an IdP"). */
    provisioning: provisioningSettingsSchema.prefault({}),
  })
  .strict();

export type PersonioSettings = z.output<typeof personioSettingsSchema>;
export type ProvisioningSettings = z.output<typeof provisioningSettingsSchema>;
export type PersonioSettingsInput = z.input<typeof personioSettingsSchema>;

export const personioSecretsSchema = z
  .object({
    clientSecret: z.string().min(1),
    /** The static token Personio sends with webhook deliveries (auth_type TOKEN), if webhooks are used. */
    webhookToken: z.string().min(16).optional(),
  })
  .strict();

export type PersonioSecrets = z.output<typeof personioSecretsSchema>;

const ALWAYS_READ: readonly PersonField[] = ['firstName', 'lastName', 'workEmail', 'status'];

/** The v1 attributes a read requests: the fields' attributes plus the configured custom attributes. */
export function requestedAttributes(settings: PersonioSettings): string[] {
  const fields = new Set<PersonField>([...ALWAYS_READ, ...(settings.personFields ?? PERSON_FIELDS)]);
  const keys = new Set<string>();
  for (const field of PERSON_FIELDS) if (fields.has(field)) keys.add(PERSON_FIELD_ATTRIBUTES[field]);
  for (const key of Object.values(settings.customAttributes)) keys.add(key);
  if (settings.timeZoneAttribute) keys.add(settings.timeZoneAttribute);
  return [...keys].filter((key) => !NEVER_REQUESTED_ATTRIBUTES.has(key));
}

/** The fields a read fills (the rest stay absent: "not requested" reads as "not visible"). */
export function readFields(settings: PersonioSettings): ReadonlySet<PersonField> {
  return new Set<PersonField>([...ALWAYS_READ, ...(settings.personFields ?? PERSON_FIELDS)]);
}
