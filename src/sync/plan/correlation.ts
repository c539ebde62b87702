// Correlation: which of a target's existing accounts belongs to which person in scope, and why — the
// sync's own links first, then externalId, then email — including Personio rehires and legal-entity
// moves (a new profile id for the same human). Ambiguity becomes a conflict, never a guess.
import type { Account, SourcePerson } from '../../connectors/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { addCalendarDays, readCalendarDate } from './local-day.ts';

export const MATCH_REASONS = ['linked', 'externalId', 'email', 'rehire', 'entityMove'] as const;
/**
 * - `linked`: an earlier run linked this person's source id to the account.
 * - `externalId`: the account's externalId is the person's source id.
 * - `email`: the account's email (or an email-shaped userName) is the person's work email.
 * - `rehire`, `entityMove`: the account belonged to an earlier profile of the same human (Personio makes
 *   a new profile with a new id for both); `entityMove` when the two profiles' legal entities differ.
 */
export type MatchReason = (typeof MATCH_REASONS)[number];

export const CONFLICT_KINDS = [
  'duplicatePersonEmail',
  'duplicateAccountEmail',
  'duplicateExternalId',
  'accountClaimedTwice',
  'personWithTwoAccounts',
  'emailHeldByOtherPerson',
] as const;
/**
 * - `duplicatePersonEmail`: two current profiles share a work email (data entry, contractors, a rehire
 *   Personio has not rewritten yet); neither is matched by email nor gets an account.
 * - `duplicateAccountEmail`: the person's email fits more than one account.
 * - `duplicateExternalId`: more than one account carries the person's id as externalId.
 * - `accountClaimedTwice`: different people lay claim to one account (links of different humans, or
 *   two newcomers reaching it through rehire detection).
 * - `personWithTwoAccounts`: one human is linked to more than one present account.
 * - `emailHeldByOtherPerson`: the only account with the person's email belongs to someone else who
 *   is not an earlier profile of the same human.
 */
export type ConflictKind = (typeof CONFLICT_KINDS)[number];

/** What an earlier run recorded: this source id (of the human `personKey`) owns this account. */
export interface AccountLink {
  readonly personKey: string;
  readonly accountId: string;
  readonly sourceId: string;
}

export interface CorrelationMatch {
  /** The stable key of the human, kept across rehires and legal-entity moves. */
  readonly personKey: string;
  readonly person: SourcePerson;
  readonly account: Account;
  readonly reason: MatchReason;
  /** For `rehire` and `entityMove`: the earlier profile's source id. */
  readonly previousSourceId?: string;
}

/** People and accounts by id (no personal data), so a conflict can go into a plan and a log as is. */
export interface CorrelationConflict {
  readonly kind: ConflictKind;
  /** Source ids, sorted. */
  readonly people: readonly string[];
  /** Account ids, sorted. */
  readonly accounts: readonly string[];
  readonly reason: string;
}

/** An earlier profile of a human whose newer profile now owns the account (or goes on without one). */
export interface SupersededProfile {
  readonly person: SourcePerson;
  readonly personKey: string;
  readonly bySourceId: string;
}

/**
 * The outcome, every list sorted and independent of input order. Every person given is in `matches`,
 * `unmatchedPeople`, `superseded` or a conflict's `people` — only a matched person can also be named by
 * a conflict (someone else claims their email); every account is in `matches`, `unmatchedAccounts` or a
 * conflict's `accounts` — again only a matched one can be in both.
 */
export interface Correlation {
  /** Everyone given, one record per source id, sorted by id. */
  readonly people: readonly SourcePerson[];
  readonly matches: readonly CorrelationMatch[];
  /** In scope, no account: candidates for a create. */
  readonly unmatchedPeople: readonly SourcePerson[];
  /** No person in scope: left scope, never ours, or not read — the planner decides by the read status. */
  readonly unmatchedAccounts: readonly Account[];
  readonly conflicts: readonly CorrelationConflict[];
  readonly superseded: readonly SupersededProfile[];
  /** Source id → person key, for every person given. A new human's key is their source id. */
  readonly personKeys: ReadonlyMap<string, string>;
  /** Account id → person key, from matches and, for unmatched accounts, from links of earlier runs. */
  readonly accountPersonKeys: ReadonlyMap<string, string>;
}

export interface CorrelationOptions {
  /** The account attribute holding the source id; default `externalId`. */
  readonly externalIdAttribute: string;
  /** Whether to reuse an earlier profile's account for a new profile of the same human; default true. */
  readonly detectRehires: boolean;
}

export const DEFAULT_CORRELATION_OPTIONS: CorrelationOptions = Object.freeze({
  externalIdAttribute: 'externalId',
  detectRehires: true,
});

// Personio, rehiring someone whose old email is carried over, rewrites the *old* profile's email to
// local + "_" + a random 5-character hash + "@domain" (help centre, "Rehire a former employee using
// their old profile"). Because "john_smith@" has the same shape, the pattern alone is never enough:
// the old profile must also have ended.
const REWRITTEN_EMAIL = /^(.+)_[a-z0-9]{5}(@[^@]+)$/;

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numeric ids by value (Personio's are integers), anything else by code unit. */
export function compareSourceIds(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) {
    const left = a.replace(/^0+(?=\d)/, '');
    const right = b.replace(/^0+(?=\d)/, '');
    if (left.length !== right.length) return left.length - right.length;
  }
  return compareText(a, b);
}

/** Trimmed and lower-cased; null unless it looks like an address. */
export function normalizeEmail(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim().toLowerCase();
  return email.includes('@') ? email : null;
}

/** The address Personio rewrote on a rehire, given the rewritten one; null when it has not that shape. */
export function unrewrittenEmail(email: string): string | null {
  const match = REWRITTEN_EMAIL.exec(email);
  return match ? `${match[1]}${match[2]}` : null;
}

function emailsRelated(a: string, b: string): boolean {
  return a === b || unrewrittenEmail(a) === b || unrewrittenEmail(b) === a;
}

function accountEmails(account: Account): readonly string[] {
  const emails = new Set<string>();
  const email = normalizeEmail(account.email);
  if (email) emails.add(email);
  // Many apps (Okta, Entra ID) log people in with their address as userName.
  const userName = normalizeEmail(account.userName);
  if (userName) emails.add(userName);
  return [...emails].sort(compareText);
}

function externalIdOf(account: Account, attribute: string): string | null {
  const value = account.attributes[attribute];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * Whether `earlier`'s employment ended before `later`'s began: inactive, or an end (last working day,
 * else termination date) no later than the day after `later`'s hire date — a legal-entity move may
 * overlap by a day. An end before `earlier`'s own hire date is an even earlier employment and says
 * nothing.
 */
function endedBefore(earlier: SourcePerson, later: SourcePerson): boolean {
  const earlierHire = readCalendarDate(earlier.hireDate);
  const laterHire = readCalendarDate(later.hireDate);
  if (earlierHire !== null && laterHire !== null && earlierHire > laterHire) return false;
  if (earlier.status === 'inactive') return true;
  const end = readCalendarDate(earlier.lastWorkingDay) ?? readCalendarDate(earlier.terminationDate);
  if (end === null) return false;
  if (earlierHire !== null && end < earlierHire) return false;
  return laterHire === null || end <= addCalendarDays(laterHire, 1);
}

/** `earlier` is a former profile of the human `later` is: related emails and an ended employment. */
function isFormerProfile(earlier: SourcePerson, later: SourcePerson): boolean {
  if (earlier.sourceId === later.sourceId) return false;
  const a = normalizeEmail(earlier.workEmail);
  const b = normalizeEmail(later.workEmail);
  return a !== null && b !== null && emailsRelated(a, b) && endedBefore(earlier, later);
}

function moveReason(previous: SourcePerson | undefined, person: SourcePerson): 'rehire' | 'entityMove' {
  const before = previous?.legalEntity?.id;
  const after = person.legalEntity?.id;
  return before !== undefined && after !== undefined && before !== after ? 'entityMove' : 'rehire';
}

/**
 * Of several profiles of one human linked to one account, the one that owns it: the one the account's
 * externalId names (the sync wrote it there when the newer profile took over), else the latest hire
 * date, else the highest id.
 */
function newestProfile(people: readonly SourcePerson[], account: Account, attribute: string): SourcePerson {
  const externalId = externalIdOf(account, attribute);
  const sorted = [...people].sort((a, b) => {
    const ownsA = a.sourceId === externalId;
    const ownsB = b.sourceId === externalId;
    if (ownsA !== ownsB) return ownsA ? -1 : 1;
    const hireA = readCalendarDate(a.hireDate) ?? '';
    const hireB = readCalendarDate(b.hireDate) ?? '';
    if (hireA !== hireB) return hireA > hireB ? -1 : 1;
    return compareSourceIds(b.sourceId, a.sourceId);
  });
  const first = sorted[0];
  if (!first) throw new RangeError('newestProfile needs at least one person');
  return first;
}

/** One record per id; a listing that changed while paged can repeat someone, so keep the newest. */
function dedupe<T>(items: readonly T[], idOf: (item: T) => string, versionOf: (item: T) => string): T[] {
  const byId = new Map<string, T[]>();
  for (const item of items) byId.set(idOf(item), [...(byId.get(idOf(item)) ?? []), item]);
  // Versions (canonical JSON) only for the rare repeated id: computing them for everyone is the cost.
  return [...byId.values()].map((copies) =>
    copies.length === 1
      ? (copies[0] as T)
      : copies
          .map((item) => ({ item, version: versionOf(item) }))
          .reduce((best, next) => (next.version > best.version ? next : best)).item,
  );
}

interface Claim {
  personKey: string;
  person: SourcePerson;
  account: Account;
  reason: MatchReason;
  previousSourceId?: string;
}

interface Proposal {
  readonly person: SourcePerson;
  readonly personKey: string;
  readonly reason: MatchReason;
  readonly previousSourceId?: string;
  /** The earlier profile currently holding the account, which the newcomer replaces. */
  readonly replaces?: string;
}

/**
 * Matches `people` (those in the sync's scope) with `accounts` (the target's), using `links` from
 * earlier runs. Passes, each only over what the previous left: links; externalId = source id; email
 * (case-insensitive, trimmed; people without one match only by link or externalId). In the email pass,
 * a profile that ended before another profile of the same human began (equal email, or the one
 * Personio rewrote) is superseded by it, and the newer profile takes over the earlier one's account
 * (`rehire` / `entityMove`, same person key); the mapping then makes the newest id the externalId.
 * Two current profiles with one email, or an email that fits several accounts, are conflicts. Pure,
 * deterministic, independent of input order, and stable: recording the matches as links and
 * correlating again gives the same matches.
 */
export function correlate(
  people: readonly SourcePerson[],
  accounts: readonly Account[],
  links: readonly AccountLink[],
  options: Partial<CorrelationOptions> = {},
): Correlation {
  const { externalIdAttribute, detectRehires } = { ...DEFAULT_CORRELATION_OPTIONS, ...options };

  const sortedPeople = dedupe(
    people,
    (p) => p.sourceId,
    (p) => `${p.lastModifiedAt ?? ''}\u0000${canonicalJson(p)}`,
  ).sort((a, b) => compareSourceIds(a.sourceId, b.sourceId));
  const sortedAccounts = dedupe(accounts, (a) => a.id, canonicalJson).sort((a, b) => compareText(a.id, b.id));
  const personById = new Map(sortedPeople.map((p) => [p.sourceId, p]));
  const accountById = new Map(sortedAccounts.map((a) => [a.id, a]));
  const sortedLinks = [...links].sort(
    (a, b) =>
      compareText(a.accountId, b.accountId) ||
      compareSourceIds(a.sourceId, b.sourceId) ||
      compareText(a.personKey, b.personKey),
  );

  const linkKeyBySource = new Map<string, string>();
  const linkedAccountsBySource = new Map<string, Map<string, string>>();
  const linksByAccount = new Map<string, AccountLink[]>();
  for (const link of sortedLinks) {
    if (!linkKeyBySource.has(link.sourceId)) linkKeyBySource.set(link.sourceId, link.personKey);
    if (!accountById.has(link.accountId)) continue; // the account is gone from the target: recreate
    const forSource = linkedAccountsBySource.get(link.sourceId) ?? new Map<string, string>();
    if (!forSource.has(link.accountId)) forSource.set(link.accountId, link.personKey);
    linkedAccountsBySource.set(link.sourceId, forSource);
    const forAccount = linksByAccount.get(link.accountId) ?? [];
    forAccount.push(link);
    linksByAccount.set(link.accountId, forAccount);
  }
  const ownKey = (person: SourcePerson): string => linkKeyBySource.get(person.sourceId) ?? person.sourceId;

  const claims = new Map<string, Claim>(); // by account id
  const claimBySource = new Map<string, Claim>();
  const supersededBy = new Map<string, string>(); // earlier source id → newer source id
  const blockedPeople = new Set<string>();
  const blockedAccounts = new Set<string>();
  const conflicts = new Map<string, CorrelationConflict>();

  const addConflict = (
    kind: ConflictKind,
    personIds: Iterable<string>,
    accountIds: Iterable<string>,
    reason: string,
  ): void => {
    const conflict: CorrelationConflict = {
      kind,
      people: [...new Set(personIds)].sort(compareSourceIds),
      accounts: [...new Set(accountIds)].sort(compareText),
      reason,
    };
    for (const id of conflict.people) blockedPeople.add(id);
    for (const id of conflict.accounts) if (!claims.has(id)) blockedAccounts.add(id);
    conflicts.set(canonicalJson([conflict.kind, conflict.people, conflict.accounts]), conflict);
  };
  const claim = (entry: Claim): void => {
    claims.set(entry.account.id, entry);
    claimBySource.set(entry.person.sourceId, entry);
  };
  const isOpen = (person: SourcePerson): boolean =>
    !claimBySource.has(person.sourceId) &&
    !blockedPeople.has(person.sourceId) &&
    !supersededBy.has(person.sourceId);

  // Pass 1: links. One human linked to two present accounts, or one account linked to two humans, is a
  // conflict; several profiles of one human (same key) linked to one account keep it with the newest.
  const claimantsByAccount = new Map<string, SourcePerson[]>();
  for (const person of sortedPeople) {
    const linked = linkedAccountsBySource.get(person.sourceId);
    if (!linked) continue;
    if (linked.size > 1) {
      addConflict(
        'personWithTwoAccounts',
        [person.sourceId],
        linked.keys(),
        `earlier runs linked ${person.sourceId} to ${linked.size} accounts; keep one and unlink the others`,
      );
      continue;
    }
    const [accountId] = linked.keys();
    if (accountId === undefined) continue;
    const claimants = claimantsByAccount.get(accountId) ?? [];
    claimants.push(person);
    claimantsByAccount.set(accountId, claimants);
  }
  for (const [accountId, claimants] of [...claimantsByAccount].sort(([a], [b]) => compareText(a, b))) {
    const account = accountById.get(accountId);
    if (!account) continue;
    if (blockedAccounts.has(accountId)) {
      addConflict(
        'personWithTwoAccounts',
        claimants.map((p) => p.sourceId),
        [accountId],
        `account ${accountId} is also linked to someone linked to two accounts`,
      );
      continue;
    }
    const keys = new Set(
      claimants.map((p) => linkedAccountsBySource.get(p.sourceId)?.get(accountId) ?? ownKey(p)),
    );
    if (keys.size > 1) {
      addConflict(
        'accountClaimedTwice',
        claimants.map((p) => p.sourceId),
        [accountId],
        `earlier runs linked account ${accountId} to ${keys.size} different people`,
      );
      continue;
    }
    const [personKey] = keys;
    if (personKey === undefined) continue;
    const newest = newestProfile(claimants, account, externalIdAttribute);
    claim({ personKey, person: newest, account, reason: 'linked' });
    for (const other of claimants) if (other !== newest) supersededBy.set(other.sourceId, newest.sourceId);
  }

  // Pass 2: externalId = source id, over accounts nobody claimed.
  const byExternalId = new Map<string, Account[]>();
  for (const account of sortedAccounts) {
    if (claims.has(account.id)) continue;
    const externalId = externalIdOf(account, externalIdAttribute);
    if (externalId === null) continue;
    byExternalId.set(externalId, [...(byExternalId.get(externalId) ?? []), account]);
  }
  for (const person of sortedPeople) {
    if (!isOpen(person)) continue;
    const candidates = byExternalId.get(person.sourceId) ?? [];
    if (candidates.length > 1) {
      addConflict(
        'duplicateExternalId',
        [person.sourceId],
        candidates.map((a) => a.id),
        `${candidates.length} accounts carry ${person.sourceId} as ${externalIdAttribute}`,
      );
    } else if (candidates[0] && blockedAccounts.has(candidates[0].id)) {
      // Falling through to email or a create would give this person a second account.
      addConflict(
        'accountClaimedTwice',
        [person.sourceId],
        [candidates[0].id],
        `account ${candidates[0].id}, whose ${externalIdAttribute} is this person's id, is part of another conflict`,
      );
    } else if (candidates[0]) {
      claim({ personKey: ownKey(person), person, account: candidates[0], reason: 'externalId' });
    }
  }

  // Pass 3: email, with rehire and legal-entity-move detection. Every decision reads the state after
  // pass 2 and treats a profile the same whether it is matched or not, so the order people are looked
  // at cannot matter, and a match recorded as a link gives the same outcome on the next run.
  const accountsByEmail = new Map<string, Account[]>();
  const accountsByRewrittenEmail = new Map<string, Account[]>();
  for (const account of sortedAccounts) {
    for (const email of accountEmails(account)) {
      accountsByEmail.set(email, [...(accountsByEmail.get(email) ?? []), account]);
      const original = unrewrittenEmail(email);
      if (original !== null) {
        accountsByRewrittenEmail.set(original, [...(accountsByRewrittenEmail.get(original) ?? []), account]);
      }
    }
  }
  // "Ended before the other began" must hold one way only: two profiles that each ended before the
  // other (identical dates, both inactive) are not ordered, and so are not merged.
  const isEarlierProfile = (earlier: SourcePerson, later: SourcePerson): boolean =>
    detectRehires && isFormerProfile(earlier, later) && !isFormerProfile(later, earlier);
  const eligible = sortedPeople.filter((p) => !blockedPeople.has(p.sourceId));

  // The newest later profiles of each profile. Its account may pass only to a single one: an ended
  // profile whose email two current profiles relate to is ambiguous, and its account stays put.
  // Only profiles with related emails can be ordered, so compare within the email index (O(n), not n²).
  const eligibleByRelatedEmail = new Map<string, SourcePerson[]>();
  for (const person of eligible) {
    const email = normalizeEmail(person.workEmail);
    if (email === null) continue;
    // Under its own address and the one it is a rewrite of: any related pair then shares a key.
    for (const key of new Set([email, unrewrittenEmail(email) ?? email])) {
      eligibleByRelatedEmail.set(key, [...(eligibleByRelatedEmail.get(key) ?? []), person]);
    }
  }
  const relatedProfiles = (person: SourcePerson): readonly SourcePerson[] => {
    const email = normalizeEmail(person.workEmail);
    if (email === null) return [];
    const original = unrewrittenEmail(email);
    return [
      ...(eligibleByRelatedEmail.get(email) ?? []),
      ...(original === null ? [] : (eligibleByRelatedEmail.get(original) ?? [])),
    ];
  };
  const newestLater = new Map<string, SourcePerson[]>();
  for (const person of eligible) {
    const later = [...new Set(relatedProfiles(person))]
      .filter((other) => isEarlierProfile(person, other))
      .sort((a, b) => compareSourceIds(a.sourceId, b.sourceId));
    newestLater.set(
      person.sourceId,
      later.filter((candidate) => !later.some((other) => isEarlierProfile(candidate, other))),
    );
  }
  const isSoleSuccessor = (earlier: SourcePerson, later: SourcePerson): boolean => {
    const newest = newestLater.get(earlier.sourceId) ?? [];
    return newest.length === 1 && newest[0] === later;
  };

  // A link of an earlier run from the account to another source id that is not a current person in
  // scope: a former profile of this human (a rehire whose old profile left the listing or the scope).
  const formerLinkOf = (account: Account, person: SourcePerson): AccountLink | undefined =>
    detectRehires
      ? (linksByAccount.get(account.id) ?? []).find((l) => {
          if (l.sourceId === person.sourceId) return false;
          const previous = personById.get(l.sourceId);
          return previous === undefined || isSoleSuccessor(previous, person);
        })
      : undefined;

  // Stage 1: an open profile that ended before another profile of the same human began (related
  // email) is superseded by the newest such profile, matched or not; it never gets an account itself.
  const superseding: [earlier: string, later: string][] = [];
  for (const person of sortedPeople) {
    if (!isOpen(person)) continue;
    const [newest] = newestLater.get(person.sourceId) ?? [];
    if (newest) superseding.push([person.sourceId, newest.sourceId]);
  }
  for (const [earlier, later] of superseding) supersededBy.set(earlier, later);

  const eligibleByEmail = new Map<string, SourcePerson[]>();
  for (const person of eligible) {
    const email = normalizeEmail(person.workEmail);
    if (email !== null) eligibleByEmail.set(email, [...(eligibleByEmail.get(email) ?? []), person]);
  }

  const proposals = new Map<string, Proposal[]>();
  const pendingConflicts: Parameters<typeof addConflict>[] = [];
  const propose = (accountId: string, proposal: Proposal): void => {
    proposals.set(accountId, [...(proposals.get(accountId) ?? []), proposal]);
  };

  for (const person of sortedPeople) {
    const email = normalizeEmail(person.workEmail);
    if (email === null || !isOpen(person)) continue;

    // Stage 2: another profile with this email that is not ordered in time with this one — matched or
    // not — is a second current profile: never merged (contractors, data entry, a rehire Personio has
    // not rewritten yet). Judged over all profiles, so a match recorded as a link changes nothing.
    const twins = (eligibleByEmail.get(email) ?? []).filter(
      (other) => other !== person && !isEarlierProfile(other, person) && !isEarlierProfile(person, other),
    );
    if (twins.length > 0) {
      pendingConflicts.push([
        'duplicatePersonEmail',
        [person.sourceId, ...twins.map((t) => t.sourceId)],
        [
          ...(accountsByEmail.get(email) ?? []).map((a) => a.id),
          ...twins.flatMap((t) => {
            const held = claimBySource.get(t.sourceId);
            return held ? [held.account.id] : [];
          }),
        ],
        `${twins.length + 1} current people in scope share the work email; correct it in the source`,
      ]);
      continue;
    }

    // Stage 3: the accounts this person's email and earlier profiles lead to.
    const holders = [...claimBySource.values()].filter((h) => {
      const holderEmail = normalizeEmail(h.person.workEmail);
      return holderEmail !== null && emailsRelated(holderEmail, email);
    });
    const former = holders.filter((h) => isSoleSuccessor(h.person, person));

    const candidates = new Map<string, Account>();
    const previousOf = new Map<string, SourcePerson>(); // account id → the earlier profile it came through
    // An account with this email that someone else holds (by link or externalId) is theirs: it is not a
    // candidate, so a plan that rewrites that holder's email cannot change this person's match.
    const heldByOthers: Claim[] = [];
    for (const account of accountsByEmail.get(email) ?? []) {
      const holder = claims.get(account.id);
      if (holder && !former.includes(holder)) heldByOthers.push(holder);
      else candidates.set(account.id, account);
    }
    for (const h of former) {
      candidates.set(h.account.id, h.account);
      previousOf.set(h.account.id, h.person);
    }
    // An unmatched earlier profile's own address (first sync: the account still has the old profile's
    // email, rewritten or not) leads to its account too.
    for (const earlier of new Set(relatedProfiles(person))) {
      if (!isSoleSuccessor(earlier, person)) continue;
      const earlierEmail = normalizeEmail(earlier.workEmail);
      if (earlierEmail === null || earlierEmail === email) continue;
      for (const account of accountsByEmail.get(earlierEmail) ?? []) {
        if (claims.has(account.id)) continue;
        candidates.set(account.id, account);
        if (!previousOf.has(account.id)) previousOf.set(account.id, earlier);
      }
    }
    if (detectRehires) {
      // An account still carrying the rewritten address (an earlier tool pushed it) of another profile.
      for (const account of accountsByRewrittenEmail.get(email) ?? []) {
        if (!claims.has(account.id) && formerLinkOf(account, person)) candidates.set(account.id, account);
      }
    }
    if (candidates.size > 1) {
      pendingConflicts.push([
        'duplicateAccountEmail',
        [person.sourceId],
        candidates.keys(),
        `the work email and earlier profiles lead to ${candidates.size} accounts`,
      ]);
      continue;
    }
    const [account] = candidates.values();
    if (!account) {
      const [holder] = heldByOthers;
      if (holder) {
        pendingConflicts.push([
          'emailHeldByOtherPerson',
          [person.sourceId, ...heldByOthers.map((h) => h.person.sourceId)],
          heldByOthers.map((h) => h.account.id),
          `the account with this work email belongs to ${heldByOthers.map((h) => h.person.sourceId).join(', ')}`,
        ]);
      }
      continue;
    }
    if (blockedAccounts.has(account.id)) {
      pendingConflicts.push([
        'accountClaimedTwice',
        [person.sourceId],
        [account.id],
        `the account with this work email is part of another conflict`,
      ]);
      continue;
    }

    const holder = claims.get(account.id);
    if (holder) {
      // Only an earlier profile's account is still a candidate while held: the newcomer takes it over.
      propose(account.id, {
        person,
        personKey: holder.personKey,
        reason: moveReason(holder.person, person),
        previousSourceId: holder.person.sourceId,
        replaces: holder.person.sourceId,
      });
      continue;
    }
    const formerLink = formerLinkOf(account, person);
    const previous = previousOf.get(account.id);
    if (formerLink) {
      propose(account.id, {
        person,
        personKey: formerLink.personKey,
        reason: moveReason(personById.get(formerLink.sourceId), person),
        previousSourceId: formerLink.sourceId,
      });
    } else if (previous) {
      propose(account.id, {
        person,
        personKey: linkKeyBySource.get(previous.sourceId) ?? ownKey(person),
        reason: moveReason(previous, person),
        previousSourceId: previous.sourceId,
      });
    } else {
      propose(account.id, { person, personKey: ownKey(person), reason: 'email' });
    }
  }

  for (const args of pendingConflicts) addConflict(...args);
  for (const [accountId, offers] of [...proposals].sort(([a], [b]) => compareText(a, b))) {
    const account = accountById.get(accountId);
    if (!account) continue;
    const live = offers.filter((o) => !blockedPeople.has(o.person.sourceId));
    if (live.length > 1) {
      addConflict(
        'accountClaimedTwice',
        live.map((o) => o.person.sourceId),
        [accountId],
        `${live.length} people lead to account ${accountId} by email`,
      );
      continue;
    }
    const [offer] = live;
    if (!offer) continue;
    if (blockedAccounts.has(accountId)) {
      addConflict(
        'accountClaimedTwice',
        [offer.person.sourceId],
        [accountId],
        `the account this person leads to by email is part of another conflict`,
      );
      continue;
    }
    if (offer.replaces !== undefined) {
      claimBySource.delete(offer.replaces);
      supersededBy.set(offer.replaces, offer.person.sourceId);
    }
    claim({
      personKey: offer.personKey,
      person: offer.person,
      account,
      reason: offer.reason,
      ...(offer.previousSourceId === undefined ? {} : { previousSourceId: offer.previousSourceId }),
    });
  }

  // One human, two accounts (two profiles each linked to its own account): never pick one silently.
  const claimsByKey = new Map<string, Claim[]>();
  for (const entry of claims.values())
    claimsByKey.set(entry.personKey, [...(claimsByKey.get(entry.personKey) ?? []), entry]);
  for (const [personKey, entries] of [...claimsByKey].sort(([a], [b]) => compareText(a, b))) {
    if (entries.length < 2) continue;
    for (const entry of entries) {
      claims.delete(entry.account.id);
      claimBySource.delete(entry.person.sourceId);
    }
    addConflict(
      'personWithTwoAccounts',
      entries.map((e) => e.person.sourceId),
      entries.map((e) => e.account.id),
      `profiles of person ${personKey} hold ${entries.length} accounts; keep one and unlink the others`,
    );
  }

  const finalClaims = [...claims.values()].sort(
    (a, b) => compareText(a.personKey, b.personKey) || compareSourceIds(a.person.sourceId, b.person.sourceId),
  );
  const personKeys = new Map<string, string>();
  for (const entry of finalClaims) personKeys.set(entry.person.sourceId, entry.personKey);
  const keyOf = (sourceId: string, depth = 0): string => {
    const known = personKeys.get(sourceId);
    if (known !== undefined) return known;
    const later = supersededBy.get(sourceId);
    if (later !== undefined && depth < 8) return keyOf(later, depth + 1);
    const person = personById.get(sourceId);
    return person ? ownKey(person) : sourceId;
  };
  const superseded: SupersededProfile[] = [];
  for (const person of sortedPeople) {
    if (personKeys.has(person.sourceId)) continue;
    const later = supersededBy.get(person.sourceId);
    if (later !== undefined && !blockedPeople.has(person.sourceId)) {
      superseded.push({ person, personKey: keyOf(person.sourceId), bySourceId: later });
    }
  }
  for (const person of sortedPeople)
    if (!personKeys.has(person.sourceId)) personKeys.set(person.sourceId, keyOf(person.sourceId));

  const accountPersonKeys = new Map<string, string>();
  for (const account of sortedAccounts) {
    const link = linksByAccount.get(account.id)?.[0];
    if (link) accountPersonKeys.set(account.id, link.personKey);
  }
  for (const entry of finalClaims) accountPersonKeys.set(entry.account.id, entry.personKey);

  const supersededIds = new Set(superseded.map((s) => s.person.sourceId));
  return {
    people: sortedPeople,
    matches: finalClaims.map((entry) => ({
      personKey: entry.personKey,
      person: entry.person,
      account: entry.account,
      reason: entry.reason,
      ...(entry.previousSourceId === undefined ? {} : { previousSourceId: entry.previousSourceId }),
    })),
    unmatchedPeople: sortedPeople.filter(
      (p) =>
        !claimBySource.has(p.sourceId) && !blockedPeople.has(p.sourceId) && !supersededIds.has(p.sourceId),
    ),
    unmatchedAccounts: sortedAccounts.filter((a) => !claims.has(a.id) && !blockedAccounts.has(a.id)),
    conflicts: [...conflicts.values()].sort(
      (a, b) =>
        compareText(a.kind, b.kind) ||
        compareText(a.people.join('\u0000'), b.people.join('\u0000')) ||
        compareText(a.accounts.join('\u0000'), b.accounts.join('\u0000')),
    ),
    superseded,
    personKeys,
    accountPersonKeys,
  };
}

/** The profiles of one human and the one whose data maps to the desired account. */
export interface PersonProfiles {
  /** The matched profile, else the newest unmatched one, else the newest of all. */
  readonly primary: SourcePerson;
  /** Every profile with this person key (rehires, legal-entity moves), sorted by source id. */
  readonly profiles: readonly SourcePerson[];
}

/**
 * The people of a correlation grouped by person key — what desired state is built from: map
 * `primary` to the desired account, and take the lifecycle over all `profiles` (`combinedLifecycle`),
 * so an earlier employment ending never disables the account of the current one.
 */
export function profilesByPersonKey(correlation: Correlation): ReadonlyMap<string, PersonProfiles> {
  const groups = new Map<string, SourcePerson[]>();
  for (const person of correlation.people) {
    const key = correlation.personKeys.get(person.sourceId) ?? person.sourceId;
    groups.set(key, [...(groups.get(key) ?? []), person]);
  }
  const matched = new Map(correlation.matches.map((m) => [m.personKey, m.person]));
  const unmatched = new Set(correlation.unmatchedPeople.map((p) => p.sourceId));
  const newest = (people: readonly SourcePerson[]): SourcePerson | undefined =>
    [...people].sort((a, b) => {
      const hireA = readCalendarDate(a.hireDate) ?? '';
      const hireB = readCalendarDate(b.hireDate) ?? '';
      return hireA !== hireB ? (hireA > hireB ? -1 : 1) : compareSourceIds(b.sourceId, a.sourceId);
    })[0];
  const result = new Map<string, PersonProfiles>();
  for (const [key, profiles] of [...groups].sort(([a], [b]) => compareText(a, b))) {
    const primary =
      matched.get(key) ?? newest(profiles.filter((p) => unmatched.has(p.sourceId))) ?? newest(profiles);
    if (primary) result.set(key, { primary, profiles });
  }
  return result;
}
