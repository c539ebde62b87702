// The changes the sync benchmark makes in the Personio emulator (attribute change, new hire, leaver,
// through its `/_emulator` control API, as HR would in Personio's UI) and how it sees them arrive in
// the directory: the account read over SCIM by `externalId`, as an identity provider would read it.
import { setTimeout as sleep } from 'node:timers/promises';

export const CHANGE_KINDS = ['attribute', 'hire', 'leaver'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** The mix of a run of changes: two attribute changes for each hire and each leaver. */
export const CHANGE_MIX: readonly ChangeKind[] = ['attribute', 'hire', 'attribute', 'leaver'];

/** A change made in the emulator and the account state that shows it reached the directory. */
export interface MadeChange {
  readonly kind: ChangeKind;
  /** The Personio id the account's `externalId` carries. */
  readonly personId: string;
  /** When the control API was called (performance.now()). */
  readonly madeAt: number;
  readonly isVisible: (user: ScimUserView | null) => boolean;
}

export interface ScimUserView {
  readonly id: string;
  readonly externalId?: string;
  readonly title?: string;
  readonly active?: boolean;
}

interface EmployeeView {
  readonly id: number;
  readonly email: string;
  readonly status: string;
  readonly supervisor_id: number | null;
  readonly termination_date: string | null;
  readonly hire_date: string | null;
}

/** The emulator's control API plus the directory's SCIM endpoint, seen from outside both. */
export class ChangeDriver {
  readonly #emulatorUrl: string;
  readonly #scimBase: string;
  readonly #token: string;
  readonly #tag: string;
  #candidates: EmployeeView[] = [];
  #emailDomain = 'example.com';
  #sequence = 0;

  constructor(options: { emulatorUrl: string; scimBase: string; token: string; tag: string }) {
    this.#emulatorUrl = options.emulatorUrl;
    this.#scimBase = options.scimBase;
    this.#token = options.token;
    this.#tag = options.tag;
  }

  /**
   * People whose change is exactly one target write: active, with a unique email, no termination and
   * nobody reporting to them (a leaver who manages others is still their manager, but keeping them
   * out makes "k changes, k writes" exact whatever the mapping does with managers).
   */
  async loadCandidates(): Promise<number> {
    const company = await this.#control<{ email_domain: string }>('GET', '/_emulator/company');
    this.#emailDomain = company.email_domain;
    const { employees } = await this.#control<{ employees: EmployeeView[] }>('GET', '/_emulator/employees');
    const managers = new Set(employees.map((e) => e.supervisor_id).filter((id) => id !== null));
    const emailCount = new Map<string, number>();
    for (const e of employees)
      emailCount.set(e.email.toLowerCase(), (emailCount.get(e.email.toLowerCase()) ?? 0) + 1);
    const today = isoDate(0);
    this.#candidates = employees.filter(
      (e) =>
        e.status === 'active' &&
        e.email !== '' &&
        emailCount.get(e.email.toLowerCase()) === 1 &&
        e.termination_date === null &&
        e.hire_date !== null &&
        e.hire_date < today &&
        !managers.has(e.id),
    );
    // Spread over the company rather than the first ids, in a fixed order.
    this.#candidates.sort((a, b) => ((a.id * 7919) % 10007) - ((b.id * 7919) % 10007));
    return this.#candidates.length;
  }

  /** Makes one change of this kind; resolves once the emulator has it. */
  async make(kind: ChangeKind): Promise<MadeChange> {
    const n = ++this.#sequence;
    switch (kind) {
      case 'attribute': {
        const person = await this.#nextWithAccount();
        const position = `Bench role ${this.#tag}-${n}`;
        const madeAt = performance.now();
        await this.#control('PATCH', `/_emulator/employees/${person.id}`, { position });
        return {
          kind,
          personId: String(person.id),
          madeAt,
          isVisible: (user) => user?.title === position,
        };
      }
      case 'leaver': {
        const person = await this.#nextWithAccount();
        // Backdated: the emulator (as Personio) makes the profile inactive at once, and the last
        // working day has ended in every time zone.
        const yesterday = isoDate(-1);
        const madeAt = performance.now();
        await this.#control('PATCH', `/_emulator/employees/${person.id}`, {
          termination_date: yesterday,
          last_working_day: yesterday,
        });
        return {
          kind,
          personId: String(person.id),
          madeAt,
          isVisible: (user) => user?.active === false,
        };
      }
      case 'hire': {
        const madeAt = performance.now();
        // Hired yesterday: the account is active at once in every time zone.
        const hired = await this.#control<{ id: number }>('POST', '/_emulator/employees', {
          first_name: 'Bench',
          last_name: `Hire ${this.#tag} ${n}`,
          email: `bench.hire.${this.#tag}.${n}@${this.#emailDomain}`,
          status: 'active',
          hire_date: isoDate(-1),
          position: 'Bench hire',
        });
        return {
          kind,
          personId: String(hired.id),
          madeAt,
          isVisible: (user) => user !== null && user.active !== false,
        };
      }
    }
  }

  /** The account of a person in the directory, or null when there is none. */
  async readAccount(personId: string): Promise<ScimUserView | null> {
    const filter = encodeURIComponent(`externalId eq "${personId}"`);
    const body = await this.#scim<{ Resources?: ScimUserView[] }>(`/Users?filter=${filter}`);
    return body.Resources?.[0] ?? null;
  }

  /** How many users the directory holds, or how many match a filter. */
  async countUsers(filter?: string): Promise<number> {
    const query = filter === undefined ? '' : `&filter=${encodeURIComponent(filter)}`;
    const body = await this.#scim<{ totalResults: number }>(`/Users?count=0${query}`);
    return body.totalResults;
  }

  /** The next candidate whose account is in the directory and active (skips the others). */
  async #nextWithAccount(): Promise<EmployeeView> {
    for (;;) {
      const person = this.#candidates.shift();
      if (person === undefined) throw new Error('the emulated company has no more people to change');
      const account = await this.readAccount(String(person.id));
      if (account !== null && account.active !== false) return person;
    }
  }

  async #control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.#emulatorUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  async #scim<T>(path: string): Promise<T> {
    const response = await fetch(`${this.#scimBase}${path}`, {
      headers: { authorization: `Bearer ${this.#token}`, accept: 'application/scim+json' },
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

/** Change → latency (ms), or null when the change was not visible within the time allowed. */
export type Latencies = ReadonlyMap<MadeChange, number | null>;

export interface ChangeWatcher {
  /** Starts watching a change just made. */
  add(change: MadeChange): void;
  /** Resolves once every change added is visible or out of time. */
  finish(): Promise<Latencies>;
}

/**
 * Polls the directory for every change being watched, all at once every `pollMs`, so a latency is
 * measured to within `pollMs` plus one SCIM read. A change not visible after `timeoutMs` counts as
 * missed.
 */
export function watchChanges(
  driver: ChangeDriver,
  options: { readonly pollMs: number; readonly timeoutMs: number },
): ChangeWatcher {
  const pending = new Set<MadeChange>();
  const latencies = new Map<MadeChange, number | null>();
  let isFinishing = false;
  const loop = (async () => {
    while (!isFinishing || pending.size > 0) {
      await Promise.all(
        [...pending].map(async (change) => {
          // A failed read is one more poll, not the end of the run.
          const user = await driver.readAccount(change.personId).catch(() => undefined);
          const elapsed = performance.now() - change.madeAt;
          if (user !== undefined && change.isVisible(user)) latencies.set(change, elapsed);
          else if (elapsed > options.timeoutMs) latencies.set(change, null);
          else return;
          pending.delete(change);
        }),
      );
      await sleep(options.pollMs);
    }
  })();
  return {
    add: (change) => pending.add(change),
    finish: async () => {
      isFinishing = true;
      await loop;
      return latencies;
    },
  };
}

/** Makes `gapsMs.length` changes of the mix, waiting `gapsMs[i]` before change i. */
export async function makeStaggeredChanges(
  driver: ChangeDriver,
  gapsMs: readonly number[],
  onChange: (change: MadeChange, index: number) => void,
): Promise<MadeChange[]> {
  const made: MadeChange[] = [];
  for (const [i, gap] of gapsMs.entries()) {
    await sleep(gap);
    const change = await driver.make(CHANGE_MIX[i % CHANGE_MIX.length] ?? 'attribute');
    made.push(change);
    onChange(change, i);
  }
  return made;
}

/** Gaps between changes, deterministic and spread over [minMs, maxMs): not in step with any schedule. */
export function staggeredGaps(count: number, minMs: number, maxMs: number, seed: number): number[] {
  let state = seed >>> 0;
  const gaps: number[] = [];
  for (let i = 0; i < count; i++) {
    // A 32-bit LCG (Numerical Recipes): plenty for spreading a few gaps.
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    gaps.push(minMs + (state / 2 ** 32) * (maxMs - minMs));
  }
  return gaps;
}

/** A calendar date `days` from today in UTC. */
function isoDate(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
