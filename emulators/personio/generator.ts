// The deterministic company generator: the same seed, size and "now" give the same company, with
// the cases an HR-driven sync must survive (pre-hires, leavers, rehires, people without email,
// non-ASCII names, a supervisor forest, several legal entities and time zones).
import {
  blankEmployee,
  type CompanyInit,
  type CustomAttributeDefinition,
  type Department,
  type Employee,
  type Gender,
  type HolidayCalendar,
  type LegalEntity,
  type Office,
  type Team,
} from './company.ts';
import { DAY_MS, addDays, utcDateOf, utcMidnightOf } from './personio-time.ts';
import { SeededRandom } from './seeded-random.ts';

export interface GeneratorOptions {
  seed: number;
  /** Exact number of profiles (all statuses). */
  employees: number;
  /** Generation instant; dates are spread around it. */
  now: number;
}

/**
 * Custom attributes. The ids of Titel, IBAN, Anniversary Date and Birthday are those of Personio's
 * own example; "Time zone" is how this company records where a person works, because Personio's
 * employee APIs do not expose an office's time zone.
 */
export const TIME_ZONE_ATTRIBUTE = 'dynamic_1310547';
export const PRIVATE_EMAIL_ATTRIBUTE = 'dynamic_1310548';
export const LANGUAGES_ATTRIBUTE = 'dynamic_1310549';
export const EMPLOYEE_NUMBER_ATTRIBUTE = 'dynamic_1310550';
export const SHIRT_SIZE_ATTRIBUTE = 'dynamic_1310551';
export const TITLE_ATTRIBUTE = 'dynamic_24407';
export const IBAN_ATTRIBUTE = 'dynamic_21827';
export const ANNIVERSARY_ATTRIBUTE = 'dynamic_33400';
export const BIRTHDAY_ATTRIBUTE = 'dynamic_180883';

const TIME_ZONES = [
  'Europe/Berlin',
  'Europe/London',
  'Europe/Lisbon',
  'Europe/Warsaw',
  'America/New_York',
  'America/Los_Angeles',
  'Asia/Singapore',
] as const;

export const CUSTOM_ATTRIBUTES: readonly CustomAttributeDefinition[] = [
  attribute(TITLE_ATTRIBUTE, 'Titel', 'standard', null, [], 'title'),
  attribute(IBAN_ATTRIBUTE, 'IBAN', 'standard', 'iban', [], 'iban'),
  attribute(ANNIVERSARY_ATTRIBUTE, 'Anniversary Date', 'date', null, [], 'anniversary_date'),
  {
    ...attribute(BIRTHDAY_ATTRIBUTE, 'Birthday', 'date', 'date_of_birth', [], 'date_of_birth'),
    dateStyle: 'berlin-midnight',
  },
  attribute(TIME_ZONE_ATTRIBUTE, 'Time zone', 'list', null, TIME_ZONES, 'time_zone'),
  attribute(PRIVATE_EMAIL_ATTRIBUTE, 'Private email', 'standard', null, [], 'private_email'),
  attribute(
    LANGUAGES_ATTRIBUTE,
    'Language Skills',
    'tags',
    null,
    ['English', 'German', 'French', 'Spanish', 'Polish', 'Mandarin'],
    'language_skills',
  ),
  attribute(EMPLOYEE_NUMBER_ATTRIBUTE, 'Personalnummer', 'standard', null, [], 'employee_number'),
  attribute(
    SHIRT_SIZE_ATTRIBUTE,
    'T-shirt size',
    'list',
    null,
    ['XS', 'S', 'M', 'L', 'XL', 'XXL'],
    'shirt_size',
  ),
];

function attribute(
  key: string,
  label: string,
  type: CustomAttributeDefinition['type'],
  universalId: string | null,
  options: readonly string[],
  globalId: string,
): CustomAttributeDefinition {
  return { key, label, type, universalId, options, dateStyle: 'plain', globalId };
}

const LEGAL_ENTITY_SEEDS = [
  { id: 7033, name: 'Nordlicht Software GmbH', country: 'DE' },
  { id: 7041, name: 'Nordlicht UK Ltd', country: 'GB' },
  { id: 7052, name: 'Nordlicht Inc.', country: 'US' },
  { id: 7060, name: 'Nordlicht Polska Sp. z o.o.', country: 'PL' },
  { id: 7077, name: 'Nordlicht Asia Pte. Ltd.', country: 'SG' },
] as const;

const OFFICE_SEEDS = [
  { id: 131014, name: 'Berlin', timeZone: 'Europe/Berlin', legalEntityId: 7033, calendar: 1, weight: 30 },
  { id: 131022, name: 'München', timeZone: 'Europe/Berlin', legalEntityId: 7033, calendar: 2, weight: 14 },
  {
    id: 131035,
    name: 'Lisboa (remote hub)',
    timeZone: 'Europe/Lisbon',
    legalEntityId: 7033,
    calendar: 1,
    weight: 4,
  },
  { id: 131047, name: 'London', timeZone: 'Europe/London', legalEntityId: 7041, calendar: 3, weight: 12 },
  {
    id: 131058,
    name: 'New York',
    timeZone: 'America/New_York',
    legalEntityId: 7052,
    calendar: 4,
    weight: 12,
  },
  {
    id: 131063,
    name: 'San Francisco',
    timeZone: 'America/Los_Angeles',
    legalEntityId: 7052,
    calendar: 5,
    weight: 8,
  },
  { id: 131071, name: 'Kraków', timeZone: 'Europe/Warsaw', legalEntityId: 7060, calendar: 6, weight: 12 },
  { id: 131089, name: 'Singapore', timeZone: 'Asia/Singapore', legalEntityId: 7077, calendar: 7, weight: 8 },
] as const;

const HOLIDAY_CALENDARS: HolidayCalendar[] = [
  { id: 1, name: 'Deutschland (Berlin) Feiertage', country: 'DE', state: 'Berlin' },
  { id: 2, name: 'Deutschland (Bayern) Feiertage', country: 'DE', state: 'Bayern' },
  { id: 3, name: 'England & Wales bank holidays', country: 'GB', state: null },
  { id: 4, name: 'US holidays (New York)', country: 'US', state: 'New York' },
  { id: 5, name: 'US holidays (California)', country: 'US', state: 'California' },
  { id: 6, name: 'Polska święta', country: 'PL', state: null },
  { id: 7, name: 'Singapore public holidays', country: 'SG', state: null },
];

const DEPARTMENTS = [
  {
    id: 281521,
    name: 'Engineering',
    positions: [
      'Software Engineer',
      'Senior Software Engineer',
      'Staff Engineer',
      'QA Engineer',
      'Site Reliability Engineer',
    ],
  },
  {
    id: 281533,
    name: 'Product',
    positions: ['Product Manager', 'Senior Product Manager', 'Product Analyst'],
  },
  { id: 281540, name: 'Design', positions: ['Product Designer', 'UX Researcher'] },
  {
    id: 281552,
    name: 'Sales',
    positions: ['Account Executive', 'Sales Development Representative', 'Solutions Engineer'],
  },
  {
    id: 281567,
    name: 'Marketing',
    positions: ['Content Marketing Manager', 'Performance Marketer', 'Brand Designer'],
  },
  {
    id: 281579,
    name: 'Customer Success',
    positions: ['Customer Success Manager', 'Support Specialist', 'Onboarding Specialist'],
  },
  { id: 281584, name: 'People & Culture', positions: ['People Partner', 'Recruiter', 'Payroll Specialist'] },
  { id: 281596, name: 'Finance', positions: ['Accountant', 'Financial Controller', 'FP&A Analyst'] },
  { id: 281603, name: 'Legal', positions: ['Legal Counsel', 'Compliance Manager'] },
  {
    id: 281615,
    name: 'Operations',
    positions: ['Office Manager', 'Warehouse Associate', 'IT Support Specialist'],
  },
] as const;

const TEAMS: Team[] = [
  { id: 59026, name: 'Platform' },
  { id: 59031, name: 'Mobile' },
  { id: 59047, name: 'Data' },
  { id: 59052, name: 'Payments' },
  { id: 59068, name: 'Growth' },
  { id: 59073, name: 'Enterprise' },
  { id: 59089, name: 'Support Tier 1' },
  { id: 59094, name: 'Talent Acquisition' },
];

const WORK_SCHEDULES = [
  {
    id: 97188,
    name: 'Full-time, 40 hours without time tracking, (mon,tue,wed,thu,fri)',
    daily: '08:00',
    hours: 40,
  },
  { id: 97193, name: 'Teilzeit 30 Stunden (Mo-Fr)', daily: '06:00', hours: 30 },
  { id: 97201, name: 'Part-time, 20 hours (mon-fri)', daily: '04:00', hours: 20 },
] as const;

const TIME_OFF_TYPES = [
  { id: 113437, name: 'Paid vacation', category: 'paid_vacation' },
  { id: 113442, name: 'Sick days', category: 'sick_leave' },
  { id: 113458, name: 'Parental leave', category: 'parental_leave' },
];

interface NameEntry {
  name: string;
  ascii: string;
  gender: Gender;
}

const FIRST_NAMES: NameEntry[] = [
  ...entries('male', [
    'Jürgen:juergen',
    'Jörg:joerg',
    'Maximilian',
    'Lukas',
    'Felix',
    'Jonas',
    'Tobias',
    'Stefan',
    'Paul',
    'Björn:bjoern',
  ]),
  ...entries('female', [
    'Lena',
    'Sophie',
    'Anna',
    'Marie',
    'Hannah',
    'Katharina',
    'Sabine',
    'Jördis:joerdis',
    'Lea',
    'Emma',
  ]),
  ...entries('male', [
    'Søren:soren',
    'Bjørn:bjorn',
    'Mads',
    'Łukasz:lukasz',
    'Paweł:pawel',
    'Wojciech',
    'Krzysztof',
  ]),
  ...entries('female', [
    'Åsa:asa',
    'Ingrid',
    'Astrid',
    'Małgorzata:malgorzata',
    'Agnieszka',
    'Zofia',
    'Renée:renee',
  ]),
  ...entries('male', [
    'José:jose',
    'François:francois',
    'Martín:martin',
    'Iñigo:inigo',
    'Ömer:omer',
    'Gökhan:gokhan',
  ]),
  ...entries('female', [
    'Chloé:chloe',
    'Inès:ines',
    'Hélène:helene',
    'Lucía:lucia',
    'Ayşe:ayse',
    'Şebnem:sebnem',
  ]),
  ...entries('male', ['James', 'Michael', 'David', 'Daniel', 'Chris', 'Mohammed', 'Minh', 'Arjun']),
  ...entries('female', ['Olivia', 'Emily', 'Sarah', 'Jessica', 'Priya', 'Aisha', 'Fatima', 'Linh']),
];

const LAST_NAMES: { name: string; ascii: string }[] = [
  'Müller:mueller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Meyer',
  'Wagner',
  'Becker',
  'Schäfer:schaefer',
  'Koch',
  'Bauer',
  'Richter',
  'Schröder:schroeder',
  'Neumann',
  'Zimmermann',
  'Krüger:krueger',
  'Hofmann',
  'Köhler:koehler',
  'Lehmann',
  'Müller-Lüdenscheidt:mueller-luedenscheidt',
  'Hansen',
  'Ødegaard:odegaard',
  'Jørgensen:jorgensen',
  'Nilsson',
  'Kowalski',
  'Nowak',
  'Wiśniewski:wisniewski',
  'Wójcik:wojcik',
  'Kamiński:kaminski',
  'Dubois',
  'Lefèvre:lefevre',
  'García:garcia',
  'Martínez:martinez',
  'Sánchez:sanchez',
  'Smith',
  'Johnson',
  'Brown',
  'Taylor',
  'Wilson',
  'Patel',
  'Khan',
  'Ahmed',
  'Yılmaz:yilmaz',
  'Öztürk:ozturk',
  'Nguyễn:nguyen',
  "O'Brien:obrien",
  'van der Berg:vanderberg',
  'de la Cruz:delacruz',
].map(parseNameSpec);

/** Chinese names: given name and family name in Han script, with the pinyin the email uses. */
const CHINESE_GIVEN: NameEntry[] = [
  ...entries('male', ['伟:wei', '磊:lei', '强:qiang', '洋:yang', '杰:jie']),
  ...entries('female', ['芳:fang', '娜:na', '敏:min', '静:jing', '丽:li']),
];
const CHINESE_FAMILY = [
  '王:wang',
  '李:li',
  '张:zhang',
  '刘:liu',
  '陈:chen',
  '杨:yang',
  '黄:huang',
  '赵:zhao',
].map(parseNameSpec);
const ENGLISH_NICKNAMES = ['Kevin', 'Grace', 'Vincent', 'Cherry', 'Leo', 'Amy'];
/** Preferred names are full display names in Personio ("Alexander Bergmann"); some use a nickname. */
const NICKNAMES: Record<string, string> = {
  Maximilian: 'Max',
  Katharina: 'Kati',
  Wojciech: 'Wojtek',
  Małgorzata: 'Gosia',
  Krzysztof: 'Krzysiek',
  Michael: 'Mike',
  Daniel: 'Dan',
  Jessica: 'Jess',
  Mohammed: 'Mo',
};

function parseNameSpec(spec: string): { name: string; ascii: string } {
  const [name = spec, ascii] = spec.split(':');
  return { name, ascii: ascii ?? name.toLowerCase() };
}

function entries(gender: Gender, specs: string[]): NameEntry[] {
  return specs.map((spec) => ({ ...parseNameSpec(spec), gender }));
}

const TERMINATIONS = [
  { type: 'Resignation by employee', reasons: ['New opportunity', 'Relocation', 'Career change'] },
  { type: 'Dismissal by employer', reasons: ['Performance', 'Restructuring'] },
  { type: 'Mutual agreement', reasons: ['Mutual agreement', ''] },
  { type: 'End of fixed-term contract', reasons: [''] },
  { type: 'Retirement', reasons: [''] },
] as const;

/** The termination type Personio records when a person moves between legal entities. */
export const LEGAL_ENTITY_SWITCH_TERMINATION = 'Change of legal entity';

type Role = 'ceo' | 'head' | 'lead' | 'member';
type Category = 'active' | 'onboarding' | 'past-leaver' | 'future-leaver' | 'leave' | 'no-email';

interface PersonSpec {
  role: Role;
  category: Category;
  first: NameEntry;
  last: { name: string; ascii: string };
  preferredName: string;
  departmentIndex: number;
  supervisor: PersonSpec | null;
  officeIndex: number;
  external: boolean;
  /** Set for the two profiles of a rehire; `old` has its email rewritten. */
  rehire: { partner: PersonSpec; isOld: boolean; legalEntitySwitch: boolean } | null;
  employee: Employee | null;
}

/** Builds the company described in the module comment. */
export function generateCompany(options: GeneratorOptions): CompanyInit {
  const random = new SeededRandom(options.seed);
  const now = options.now;
  const today = utcDateOf(now);
  const founded = addDays(today, -8 * 365);
  const domain = 'nordlicht.example';

  const legalEntities: LegalEntity[] = LEGAL_ENTITY_SEEDS.map((l) => ({
    ...l,
    createdAt: utcMidnightOf(founded) + 9 * 3_600_000,
    updatedAt: utcMidnightOf(founded) + 9 * 3_600_000,
  }));
  const offices: Office[] = OFFICE_SEEDS.map((o) => ({
    id: o.id,
    name: o.name,
    timeZone: o.timeZone,
    legalEntityId: o.legalEntityId,
    holidayCalendarId: o.calendar,
  }));
  const departments: Department[] = DEPARTMENTS.map((d) => ({ id: d.id, name: d.name }));
  const costCenters = DEPARTMENTS.map((d, i) => ({
    id: 82957 + i * 11,
    name: `CC ${1000 + i * 100} ${d.name}`,
  }));

  const specs = planPeople(random, options.employees);

  // Dates, statuses and ids. Profiles are numbered in creation order, as Personio does.
  const usedEmails = new Set<string>();
  const drafts: { spec: PersonSpec; employee: Employee }[] = [];
  for (const spec of specs) {
    drafts.push({ spec, employee: draftEmployee(random, spec, { now, today, founded }) });
  }
  for (const { spec, employee } of drafts) {
    if (spec.category === 'no-email' || (spec.rehire && spec.rehire.isOld)) continue;
    employee.email = uniqueEmail(`${spec.first.ascii}.${spec.last.ascii}`, domain, usedEmails);
  }
  for (const { spec, employee } of drafts) {
    if (!spec.rehire?.isOld) continue;
    const partner = spec.rehire.partner.employee;
    // The rehire carried the email over; the old profile got `_` + a 5-character hash.
    const original =
      partner?.email ?? uniqueEmail(`${spec.first.ascii}.${spec.last.ascii}`, domain, usedEmails);
    const [local, host] = original.split('@');
    let mangled = `${local}_${random.token(5)}@${host}`;
    while (usedEmails.has(mangled)) mangled = `${local}_${random.token(5)}@${host}`;
    usedEmails.add(mangled);
    employee.email = mangled;
    if (partner) {
      employee.lastModifiedAt = Math.max(employee.lastModifiedAt, partner.createdAt);
      employee.personUpdatedAt = partner.createdAt;
      employee.changeIndex.set('email', partner.createdAt);
      employee.changeIndex.set('last_modified_at', partner.createdAt);
    }
  }

  drafts.sort((a, b) => a.employee.createdAt - b.employee.createdAt);
  let nextId = 1_000_000 + random.int(0, 899_999);
  for (const { employee } of drafts) {
    employee.id = nextId;
    nextId += random.int(1, 4);
  }
  for (const { spec, employee } of drafts) {
    employee.supervisorId = spec.supervisor?.employee?.id ?? null;
    employee.custom[EMPLOYEE_NUMBER_ATTRIBUTE] = `NL-${String(employee.id % 100_000).padStart(5, '0')}`;
  }
  const employees = drafts.map((d) => d.employee);
  for (const employee of employees) employee.employmentId = random.uuid();

  return {
    name: 'Nordlicht',
    companyId: 100_000 + (Math.abs(Math.trunc(options.seed)) % 900_000),
    emailDomain: domain,
    legalEntities,
    offices,
    departments,
    teams: TEAMS.map((t) => ({ ...t })),
    costCenters,
    holidayCalendars: HOLIDAY_CALENDARS.map((h) => ({ ...h })),
    workSchedules: WORK_SCHEDULES.map((w) => ({ id: w.id, name: w.name, daily: w.daily })),
    timeOffTypes: TIME_OFF_TYPES.map((t) => ({ ...t })),
    customAttributes: CUSTOM_ATTRIBUTES.map((a) => ({ ...a })),
    employees,
  };
}

/** Decides who exists: the hierarchy (a forest), the categories and the rehire pairs. */
function planPeople(random: SeededRandom, total: number): PersonSpec[] {
  if (total === 0) return [];
  const rehirePairs = total >= 20 ? Math.max(2, Math.round(total * 0.015)) : 0;
  const base = total - rehirePairs * 2;
  const specs: PersonSpec[] = [];
  const person = (role: Role, departmentIndex: number, supervisor: PersonSpec | null): PersonSpec => {
    const spec = newSpec(random, role, departmentIndex, supervisor);
    specs.push(spec);
    return spec;
  };

  const ceo = person('ceo', DEPARTMENTS.length - 1, null);
  ceo.officeIndex = 0;
  const heads: PersonSpec[] = [];
  const leads: PersonSpec[][] = DEPARTMENTS.map(() => []);
  const headCount = Math.min(DEPARTMENTS.length, Math.max(0, Math.floor((base - 1) / 6)));
  for (let d = 0; d < headCount; d++) heads.push(person('head', d, ceo));
  const leadCount = Math.max(0, Math.round(base * 0.08));
  for (let i = 0; i < leadCount && specs.length < base; i++) {
    const d = headCount > 0 ? random.int(0, headCount - 1) : 0;
    leads[d]?.push(person('lead', d, heads[d] ?? ceo));
  }
  while (specs.length < base) {
    const d = random.int(0, Math.max(0, headCount - 1));
    const candidates = [...(leads[d] ?? []), ...(heads[d] ? [heads[d]] : [])];
    const supervisor = candidates.length > 0 ? random.pick(candidates) : ceo;
    const spec = person('member', headCount > 0 ? d : random.int(0, DEPARTMENTS.length - 1), supervisor);
    // A few people report to no one (advisors, contractors, records HR never completed).
    if (random.chance(0.03)) spec.supervisor = null;
    if (random.chance(0.05)) {
      spec.external = true;
      if (random.chance(0.5)) spec.supervisor = null;
    }
  }

  // Categories, drawn from everyone but the CEO. Members only for pre-hires and people without email.
  const members = shuffled(
    random,
    specs.filter((s) => s.role === 'member'),
  );
  const everyone = shuffled(random, specs.slice(1));
  const share = (fraction: number): number => (base >= 30 ? Math.max(1, Math.round(base * fraction)) : 0);
  const assign = (pool: PersonSpec[], count: number, category: Category): void => {
    for (const spec of pool) {
      if (count === 0) return;
      if (spec.category !== 'active') continue;
      spec.category = category;
      count--;
    }
  };
  assign(members, share(0.06), 'onboarding');
  assign(members, share(0.03), 'no-email');
  assign(everyone, share(0.1), 'past-leaver');
  assign(everyone, share(0.04), 'future-leaver');
  assign(everyone, share(0.03), 'leave');

  const managers = specs.filter((s) => s.role !== 'member' && s.category !== 'past-leaver');
  for (let i = 0; i < rehirePairs; i++) {
    const d = random.int(0, DEPARTMENTS.length - 1);
    const supervisor = managers.length > 0 ? random.pick(managers) : ceo;
    const old = newSpec(random, 'member', d, supervisor);
    old.category = 'past-leaver';
    const rehired = newSpec(random, 'member', d, supervisor);
    rehired.first = old.first;
    rehired.last = old.last;
    rehired.preferredName = old.preferredName;
    const legalEntitySwitch = i === 0;
    if (legalEntitySwitch) rehired.officeIndex = (old.officeIndex + 3) % OFFICE_SEEDS.length;
    old.rehire = { partner: rehired, isOld: true, legalEntitySwitch };
    rehired.rehire = { partner: old, isOld: false, legalEntitySwitch };
    specs.push(old, rehired);
  }
  return specs;
}

function newSpec(
  random: SeededRandom,
  role: Role,
  departmentIndex: number,
  supervisor: PersonSpec | null,
): PersonSpec {
  const chinese = random.chance(0.05);
  const first = chinese ? random.pick(CHINESE_GIVEN) : random.pick(FIRST_NAMES);
  const last = chinese ? random.pick(CHINESE_FAMILY) : random.pick(LAST_NAMES);
  let preferredName = '';
  if (chinese && random.chance(0.6))
    preferredName = `${random.pick(ENGLISH_NICKNAMES)} ${capitalise(last.ascii)}`;
  else if (!chinese && random.chance(0.15))
    preferredName = `${NICKNAMES[first.name] ?? first.name} ${last.name}`;
  return {
    role,
    category: 'active',
    first: random.chance(0.02) ? { ...first, gender: 'diverse' } : first,
    last,
    preferredName,
    departmentIndex,
    supervisor,
    officeIndex: pickOffice(random),
    external: false,
    rehire: null,
    employee: null,
  };
}

function pickOffice(random: SeededRandom): number {
  const total = OFFICE_SEEDS.reduce((sum, o) => sum + o.weight, 0);
  let roll = random.int(1, total);
  for (let i = 0; i < OFFICE_SEEDS.length; i++) {
    roll -= OFFICE_SEEDS[i]?.weight ?? 0;
    if (roll <= 0) return i;
  }
  return 0;
}

function shuffled<T>(random: SeededRandom, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

function uniqueEmail(local: string, domain: string, used: Set<string>): string {
  const clean = local
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '')
    .replace(/\.+/g, '.');
  let candidate = `${clean}@${domain}`;
  for (let n = 2; used.has(candidate); n++) candidate = `${clean}${n}@${domain}`;
  used.add(candidate);
  return candidate;
}

function randomDateBetween(random: SeededRandom, from: string, to: string): string {
  const a = utcMidnightOf(from);
  const b = utcMidnightOf(to);
  if (b <= a) return from;
  return utcDateOf(a + random.int(0, Math.floor((b - a) / DAY_MS)) * DAY_MS);
}

function randomInstantOn(random: SeededRandom, date: string): number {
  // Office hours, Berlin-ish: 07:00–17:59 UTC.
  return utcMidnightOf(date) + random.int(7 * 3600, 17 * 3600 + 3599) * 1000;
}

const IBAN_PREFIX: Record<string, string> = { DE: 'DE', GB: 'GB', US: 'DE', PL: 'PL', SG: 'DE' };

function draftEmployee(
  random: SeededRandom,
  spec: PersonSpec,
  when: { now: number; today: string; founded: string },
): Employee {
  const { now, today, founded } = when;
  const department = DEPARTMENTS[spec.departmentIndex] ?? DEPARTMENTS[0];
  const office = OFFICE_SEEDS[spec.officeIndex] ?? OFFICE_SEEDS[0];
  const employee = blankEmployee(0, '', now);
  spec.employee = employee;

  employee.firstName = spec.first.name;
  employee.lastName = spec.last.name;
  employee.preferredName = spec.preferredName;
  employee.gender = spec.first.gender;
  employee.employmentType = spec.external ? 'external' : 'internal';
  employee.position =
    spec.role === 'ceo'
      ? 'Chief Executive Officer'
      : spec.role === 'head'
        ? `Head of ${department.name}`
        : spec.role === 'lead'
          ? `Team Lead ${department.name}`
          : random.pick(department.positions);
  employee.departmentId = department.id;
  employee.officeId = office.id;
  employee.subcompanyId = office.legalEntityId;
  employee.holidayCalendarId = office.calendar;
  employee.teamId = spec.role !== 'ceo' && random.chance(0.7) ? random.pick(TEAMS).id : null;
  const schedule = random.chance(0.85) ? WORK_SCHEDULES[0] : random.pick(WORK_SCHEDULES);
  employee.workScheduleId = schedule.id;
  employee.weeklyWorkingHours = schedule.hours;
  const costCenter = 82957 + spec.departmentIndex * 11;
  employee.costCenters = random.chance(0.1)
    ? [
        { id: costCenter, percentage: 50 },
        { id: 82957 + ((spec.departmentIndex + 1) % DEPARTMENTS.length) * 11, percentage: 50 },
      ]
    : [{ id: costCenter, percentage: 100 }];
  employee.absenceEntitlements = [
    { timeOffTypeId: 113437, entitlement: random.int(25, 30) },
    { timeOffTypeId: 113442, entitlement: 0 },
  ];
  employee.fixSalary = spec.external ? 0 : random.int(38, 140) * 1000;
  employee.fixSalaryInterval = spec.external ? '' : 'yearly';
  employee.hourlySalary = spec.external ? random.int(60, 140) : 0;
  employee.hasProfilePicture = random.chance(0.7);

  // Hire, termination and status by category.
  const isOldRehire = spec.rehire?.isOld === true;
  const isNewRehire = spec.rehire !== null && !spec.rehire.isOld;
  const isLegalEntitySwitch = spec.rehire?.legalEntitySwitch === true;
  const previousTermination = isNewRehire ? spec.rehire?.partner.employee?.terminationDate : null;
  let hireDate: string;
  if (spec.role === 'ceo') hireDate = founded;
  else if (spec.category === 'onboarding') hireDate = addDays(today, random.int(1, 60));
  else if (isNewRehire && isLegalEntitySwitch && previousTermination) {
    // Legal-entity move: the new employment starts the day after the old one ends.
    hireDate = addDays(previousTermination, 1);
  } else if (isNewRehire) hireDate = addDays(today, -random.int(10, 200));
  else if (isOldRehire) hireDate = randomDateBetween(random, founded, addDays(today, -4 * 365));
  else if (spec.role !== 'member') hireDate = randomDateBetween(random, founded, addDays(today, -2 * 365));
  else hireDate = randomDateBetween(random, addDays(founded, 30), addDays(today, -14));
  employee.hireDate = hireDate;
  employee.probationPeriodEnd = addDays(hireDate, 182);
  if (spec.external) employee.contractEndDate = addDays(today, random.int(30, 400));

  let created = randomInstantOn(random, addDays(hireDate, -random.int(7, 60)));
  created = Math.min(created, now - random.int(1, 30) * DAY_MS);
  employee.createdAt = created;
  let modified = created + Math.floor(random.next() * Math.max(0, now - created));
  let visibleChange = modified;

  switch (spec.category) {
    case 'active':
    case 'no-email':
      employee.status = 'active';
      employee.flippedActiveFor = hireDate;
      break;
    case 'leave':
      employee.status = 'leave';
      employee.flippedActiveFor = hireDate;
      break;
    case 'onboarding':
      employee.status = 'onboarding';
      modified = created;
      visibleChange = created;
      break;
    case 'past-leaver': {
      const latest = isLegalEntitySwitch
        ? addDays(today, -random.int(10, 200))
        : isOldRehire
          ? addDays(today, -365)
          : addDays(today, -1);
      const earliest = addDays(hireDate, 90) < latest ? addDays(hireDate, 90) : latest;
      const termination = isLegalEntitySwitch ? latest : randomDateBetween(random, earliest, latest);
      setTermination(random, employee, termination, isLegalEntitySwitch);
      employee.status = 'inactive';
      employee.flippedActiveFor = hireDate;
      employee.flippedInactiveFor = termination;
      // HR entered the termination around the notice date (visible); the status flip came from
      // the nightly job the day after the termination date (not visible to updated_since).
      visibleChange = randomInstantOn(random, employee.terminatedAt ?? termination);
      modified = Math.max(visibleChange, utcMidnightOf(addDays(termination, 1)));
      break;
    }
    case 'future-leaver': {
      const termination = addDays(today, random.int(0, 45));
      setTermination(random, employee, termination, false);
      if ((employee.terminatedAt ?? today) > today)
        employee.terminatedAt = addDays(today, -random.int(1, 10));
      employee.status = 'active';
      employee.flippedActiveFor = hireDate;
      visibleChange = Math.min(now, randomInstantOn(random, employee.terminatedAt ?? today));
      modified = visibleChange;
      break;
    }
  }
  modified = Math.min(Math.max(modified, created), now);
  visibleChange = Math.min(Math.max(visibleChange, created), modified);
  employee.lastModifiedAt = modified;
  employee.personUpdatedAt = created;
  employee.employmentUpdatedAt = modified;
  for (const key of INDEXED_KEYS) employee.changeIndex.set(key, created);
  employee.changeIndex.set(spec.category.endsWith('leaver') ? 'termination_date' : 'position', visibleChange);
  employee.changeIndex.set('last_modified_at', visibleChange);

  // Custom attributes.
  const country = LEGAL_ENTITY_SEEDS.find((l) => l.id === office.legalEntityId)?.country ?? 'DE';
  employee.custom[TIME_ZONE_ATTRIBUTE] = office.timeZone;
  employee.custom[TITLE_ATTRIBUTE] = random.chance(0.05) ? 'Dr' : null;
  employee.custom[IBAN_ATTRIBUTE] =
    `${IBAN_PREFIX[country] ?? 'DE'}${random.int(10, 99)} ${random.int(1000, 9999)} ${random.int(1000, 9999)} ${random.int(1000, 9999)} ${random.int(1000, 9999)} ${random.int(10, 99)}`;
  employee.custom[ANNIVERSARY_ATTRIBUTE] = random.chance(0.3)
    ? addDays(hireDate, 365 * random.int(1, 5))
    : null;
  employee.custom[BIRTHDAY_ATTRIBUTE] = randomDateBetween(random, '1960-01-01', '2003-12-31');
  employee.custom[PRIVATE_EMAIL_ATTRIBUTE] = random.chance(0.4)
    ? `${spec.first.ascii}${random.int(1, 99)}@mail.example`
    : null;
  const languages = ['English', random.pick(['German', 'French', 'Spanish', 'Polish', 'Mandarin'])];
  employee.custom[LANGUAGES_ATTRIBUTE] = [...new Set(languages)].join(',');
  employee.custom[SHIRT_SIZE_ATTRIBUTE] = random.chance(0.8)
    ? random.pick(['XS', 'S', 'M', 'L', 'XL', 'XXL'])
    : null;
  return employee;
}

const INDEXED_KEYS = [
  'first_name',
  'last_name',
  'preferred_name',
  'email',
  'gender',
  'status',
  'position',
  'supervisor',
  'employment_type',
  'weekly_working_hours',
  'hire_date',
  'created_at',
  'subcompany',
  'office',
  'department',
  'team',
  'cost_centers',
  TIME_ZONE_ATTRIBUTE,
];

function setTermination(
  random: SeededRandom,
  employee: Employee,
  termination: string,
  legalEntitySwitch: boolean,
): void {
  const kind = random.pick(TERMINATIONS);
  employee.terminationDate = termination;
  employee.terminationType = legalEntitySwitch ? LEGAL_ENTITY_SWITCH_TERMINATION : kind.type;
  employee.terminationReason = legalEntitySwitch
    ? 'Moves to another legal entity'
    : random.pick(kind.reasons);
  employee.terminatedAt = addDays(termination, -random.int(14, 90));
  // Garden leave or remaining vacation: the last working day can come before the termination date.
  employee.lastWorkingDay = random.chance(0.4) ? addDays(termination, -random.int(1, 20)) : termination;
}
