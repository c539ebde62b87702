// The core SCIM schemas Roster serves: User, Group and the Enterprise User extension (RFC 7643 §4,
// §8.7.1), the common attributes every resource carries (§3.1) and the two resource types (§6).
// Pure, frozen data: `/Schemas` publishes it as is, and validation, filters and PATCH read it.
import type {
  AttributeDefinition,
  AttributeType,
  Mutability,
  ResourceTypeDefinition,
  Returned,
  SchemaDefinition,
  Uniqueness,
} from './schema.ts';
import { URN } from './schema.ts';

interface Characteristics {
  readonly multiValued?: boolean;
  readonly required?: boolean;
  readonly caseExact?: boolean;
  readonly mutability?: Mutability;
  readonly returned?: Returned;
  readonly uniqueness?: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

/**
 * One attribute with every characteristic spelled out. Unstated characteristics take the
 * defaults of RFC 7643 §2.2 (not required, not case-exact, readWrite, returned by default, no
 * uniqueness), so the published schema never leaves a client guessing.
 */
function attribute(
  name: string,
  type: AttributeType,
  description: string,
  characteristics: Characteristics = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: characteristics.multiValued ?? false,
    description,
    required: characteristics.required ?? false,
    caseExact: characteristics.caseExact ?? false,
    mutability: characteristics.mutability ?? 'readWrite',
    returned: characteristics.returned ?? 'default',
    uniqueness: characteristics.uniqueness ?? 'none',
    ...(characteristics.canonicalValues ? { canonicalValues: characteristics.canonicalValues } : {}),
    ...(characteristics.referenceTypes ? { referenceTypes: characteristics.referenceTypes } : {}),
    ...(characteristics.subAttributes ? { subAttributes: characteristics.subAttributes } : {}),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

const DISPLAY_DESCRIPTION = 'A human-readable name, primarily used for display purposes. READ-ONLY.';

/** `type`, `primary` and `display` of a multi-valued attribute (RFC 7643 §2.4). */
function multiValuedExtras(canonicalTypes: readonly string[] | undefined, primaryOf: string) {
  return [
    attribute('display', 'string', DISPLAY_DESCRIPTION),
    attribute('type', 'string', "A label indicating the attribute's function, e.g., 'work' or 'home'.", {
      ...(canonicalTypes ? { canonicalValues: canonicalTypes } : {}),
    }),
    attribute(
      'primary',
      'boolean',
      `A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., ${primaryOf}. The primary attribute value 'true' MUST appear no more than once.`,
    ),
  ];
}

/**
 * Common attributes of every resource (RFC 7643 §3.1). They belong to no schema: `/Schemas`
 * does not list them, but filters, sorting, projection and PATCH resolve them on every resource.
 */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = deepFreeze([
  attribute(
    'id',
    'string',
    'A unique identifier for a SCIM resource as defined by the service provider. REQUIRED and READ-ONLY.',
    { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' },
  ),
  attribute(
    'externalId',
    'string',
    'A String that is an identifier for the resource as defined by the provisioning client.',
    { caseExact: true },
  ),
  attribute('meta', 'complex', 'A complex attribute containing resource metadata. READ-ONLY.', {
    mutability: 'readOnly',
    subAttributes: [
      // Resource type names compare case-insensitively, like `name` in the ResourceType schema (§8.7.2).
      attribute('resourceType', 'string', 'The name of the resource type of the resource.', {
        mutability: 'readOnly',
      }),
      attribute(
        'created',
        'dateTime',
        'The "DateTime" that the resource was added to the service provider.',
        {
          mutability: 'readOnly',
        },
      ),
      attribute(
        'lastModified',
        'dateTime',
        'The most recent DateTime that the details of this resource were updated at the service provider.',
        {
          mutability: 'readOnly',
        },
      ),
      attribute('location', 'reference', 'The URI of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
      }),
      attribute('version', 'string', 'The version of the resource being returned (its entity tag).', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
  }),
]);

const NAME_EXAMPLE = "given the full name 'Ms. Barbara J Jensen, III'";

/** RFC 7643 §4.1 and the §8.7.1 listing. */
export const USER_SCHEMA: SchemaDefinition = deepFreeze({
  id: URN.user,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute(
      'userName',
      'string',
      "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value. This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
      { required: true, uniqueness: 'server' },
    ),
    attribute(
      'name',
      'complex',
      "The components of the user's real name. Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both. If both variants are returned, they SHOULD be describing the same name, with the formatted name indicating how the component attributes should be combined.",
      {
        subAttributes: [
          attribute(
            'formatted',
            'string',
            "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
          ),
          attribute(
            'familyName',
            'string',
            `The family name of the User, or last name in most Western languages (e.g., 'Jensen' ${NAME_EXAMPLE}).`,
          ),
          attribute(
            'givenName',
            'string',
            `The given name of the User, or first name in most Western languages (e.g., 'Barbara' ${NAME_EXAMPLE}).`,
          ),
          attribute('middleName', 'string', `The middle name(s) of the User (e.g., 'Jane' ${NAME_EXAMPLE}).`),
          attribute(
            'honorificPrefix',
            'string',
            `The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' ${NAME_EXAMPLE}).`,
          ),
          attribute(
            'honorificSuffix',
            'string',
            `The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' ${NAME_EXAMPLE}).`,
          ),
        ],
      },
    ),
    attribute(
      'displayName',
      'string',
      'The name of the User, suitable for display to end-users. The name SHOULD be the full name of the User being described, if known.',
    ),
    attribute(
      'nickName',
      'string',
      "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'. This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge').",
    ),
    attribute(
      'profileUrl',
      'reference',
      "A fully qualified URL pointing to a page representing the User's online profile.",
      { referenceTypes: ['external'] },
    ),
    attribute('title', 'string', 'The user\'s title, such as "Vice President."'),
    attribute(
      'userType',
      'string',
      "Used to identify the relationship between the organization and the user. Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used.",
    ),
    attribute(
      'preferredLanguage',
      'string',
      "Indicates the User's preferred written or spoken language. Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US.",
    ),
    attribute(
      'locale',
      'string',
      "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.",
    ),
    attribute(
      'timezone',
      'string',
      "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.",
    ),
    attribute('active', 'boolean', "A Boolean value indicating the User's administrative status."),
    attribute(
      'password',
      'string',
      "The User's cleartext password. This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.",
      { mutability: 'writeOnly', returned: 'never' },
    ),
    attribute(
      'emails',
      'complex',
      "Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
      {
        multiValued: true,
        subAttributes: [
          attribute(
            'value',
            'string',
            "Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
          ),
          ...multiValuedExtras(
            ['work', 'home', 'other'],
            'the preferred mailing address or primary email address',
          ),
        ],
      },
    ),
    attribute(
      'phoneNumbers',
      'complex',
      "Phone numbers for the User. The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
      {
        multiValued: true,
        subAttributes: [
          attribute('value', 'string', 'Phone number of the User.'),
          ...multiValuedExtras(
            ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
            'the preferred phone number or primary phone number',
          ),
        ],
      },
    ),
    attribute('ims', 'complex', 'Instant messaging addresses for the User.', {
      multiValued: true,
      subAttributes: [
        attribute('value', 'string', 'Instant messaging address for the User.'),
        ...multiValuedExtras(
          ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
          'the preferred messenger or primary messenger',
        ),
      ],
    }),
    attribute('photos', 'complex', 'URLs of photos of the User.', {
      multiValued: true,
      subAttributes: [
        attribute('value', 'reference', 'URL of a photo of the User.', { referenceTypes: ['external'] }),
        ...multiValuedExtras(['photo', 'thumbnail'], 'the preferred photo or thumbnail'),
      ],
    }),
    attribute(
      'addresses',
      'complex',
      "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'. This attribute is a complex type with the following sub-attributes.",
      {
        multiValued: true,
        subAttributes: [
          attribute(
            'formatted',
            'string',
            'The full mailing address, formatted for display or use with a mailing label. This attribute MAY contain newlines.',
          ),
          attribute(
            'streetAddress',
            'string',
            'The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information. This attribute MAY contain newlines.',
          ),
          attribute('locality', 'string', 'The city or locality component.'),
          attribute('region', 'string', 'The state or region component.'),
          attribute('postalCode', 'string', 'The zip code or postal code component.'),
          attribute('country', 'string', 'The country name component.'),
          attribute(
            'type',
            'string',
            "A label indicating the attribute's function, e.g., 'work' or 'home'.",
            {
              canonicalValues: ['work', 'home', 'other'],
            },
          ),
          // §4.1.2 gives addresses a `primary` although the §8.7.1 listing leaves it out.
          attribute(
            'primary',
            'boolean',
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address. The primary attribute value 'true' MUST appear no more than once.",
          ),
        ],
      },
    ),
    // Derived from Group membership (§4.1.2): clients never write it.
    attribute(
      'groups',
      'complex',
      'A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.',
      {
        multiValued: true,
        mutability: 'readOnly',
        subAttributes: [
          attribute('value', 'string', "The identifier of the User's group.", { mutability: 'readOnly' }),
          attribute(
            '$ref',
            'reference',
            "The URI of the corresponding 'Group' resource to which the user belongs.",
            { caseExact: true, mutability: 'readOnly', referenceTypes: ['User', 'Group'] },
          ),
          attribute('display', 'string', DISPLAY_DESCRIPTION, { mutability: 'readOnly' }),
          attribute(
            'type',
            'string',
            "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
            {
              mutability: 'readOnly',
              canonicalValues: ['direct', 'indirect'],
            },
          ),
        ],
      },
    ),
    attribute(
      'entitlements',
      'complex',
      'A list of entitlements for the User that represent a thing the User has.',
      {
        multiValued: true,
        subAttributes: [
          attribute('value', 'string', 'The value of an entitlement.'),
          ...multiValuedExtras(undefined, 'the preferred entitlement'),
        ],
      },
    ),
    attribute(
      'roles',
      'complex',
      "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
      {
        multiValued: true,
        subAttributes: [
          attribute('value', 'string', 'The value of a role.'),
          ...multiValuedExtras(undefined, 'the preferred role'),
        ],
      },
    ),
    attribute('x509Certificates', 'complex', 'A list of certificates issued to the User.', {
      multiValued: true,
      subAttributes: [
        // Base64 is case-sensitive, whatever the §8.7.1 listing says.
        attribute('value', 'binary', 'The value of an X.509 certificate.', { caseExact: true }),
        ...multiValuedExtras(undefined, 'the preferred certificate'),
      ],
    }),
  ],
});

/**
 * RFC 7643 §4.2. The prose calls `displayName` REQUIRED while the §8.7.1 listing says
 * `"required": false`; Roster follows the prose (Entra also needs it, and unique).
 */
export const GROUP_SCHEMA: SchemaDefinition = deepFreeze({
  id: URN.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'string', 'A human-readable name for the Group. REQUIRED.', { required: true }),
    // "While values MAY be added or removed, sub-attributes of members are immutable" (§4.2).
    attribute('members', 'complex', 'A list of members of the Group.', {
      multiValued: true,
      subAttributes: [
        attribute('value', 'string', 'Identifier of the member of this Group.', { mutability: 'immutable' }),
        attribute(
          '$ref',
          'reference',
          'The URI corresponding to a SCIM resource that is a member of this Group.',
          { caseExact: true, mutability: 'immutable', referenceTypes: ['User', 'Group'] },
        ),
        // Not in the §8.7.1 listing, but Okta sends it and clients expect it back.
        attribute(
          'display',
          'string',
          'A human-readable name for the member, primarily used for display purposes.',
          {
            mutability: 'immutable',
          },
        ),
        attribute('type', 'string', "A label indicating the type of resource, e.g., 'User' or 'Group'.", {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
      ],
    }),
  ],
});

/** RFC 7643 §4.3 and the §8.7.1 listing. */
export const ENTERPRISE_USER_SCHEMA: SchemaDefinition = deepFreeze({
  id: URN.enterpriseUser,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attribute(
      'employeeNumber',
      'string',
      'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.',
    ),
    attribute('costCenter', 'string', 'Identifies the name of a cost center.'),
    attribute('organization', 'string', 'Identifies the name of an organization.'),
    attribute('division', 'string', 'Identifies the name of a division.'),
    attribute('department', 'string', 'Identifies the name of a department.'),
    attribute(
      'manager',
      'complex',
      "The User's manager. A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
      {
        subAttributes: [
          attribute(
            'value',
            'string',
            "The id of the SCIM resource representing the User's manager. REQUIRED.",
          ),
          attribute(
            '$ref',
            'reference',
            "The URI of the SCIM resource representing the User's manager. REQUIRED.",
            { caseExact: true, referenceTypes: ['User'] },
          ),
          attribute(
            'displayName',
            'string',
            "The displayName of the User's manager. OPTIONAL and READ-ONLY.",
            {
              mutability: 'readOnly',
            },
          ),
        ],
      },
    ),
  ],
});

/** RFC 7643 §6: Users carry the optional Enterprise User extension. */
export const USER_RESOURCE_TYPE: ResourceTypeDefinition = deepFreeze({
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: URN.user,
  schemaExtensions: [{ schema: URN.enterpriseUser, required: false }],
});

export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = deepFreeze({
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: URN.group,
  schemaExtensions: [],
});
