// A pure stand-in for a target and the engine's bookkeeping, for tests: applies a plan's operations to
// a list of accounts and records the links and managed accounts the engine would record afterwards.
import type { Account, AccountAttributeValue } from '../../../connectors/index.ts';
import type { DesiredPerson, Plan } from '../account-plan.ts';
import { ACTIVE_PATH } from '../account-plan.ts';
import type { AccountLink, Correlation } from '../correlation.ts';

export interface TargetState {
  readonly accounts: readonly Account[];
  readonly links: readonly AccountLink[];
  readonly managedAccountIds: ReadonlySet<string>;
}

export const WORK_EMAIL_PATH = 'emails[type eq "work"].value';

function withAttribute(account: Account, path: string, value: AccountAttributeValue): Account {
  const text = typeof value === 'string' ? value : null;
  return {
    ...account,
    attributes: { ...account.attributes, [path]: value },
    ...(path === 'userName' ? { userName: text } : {}),
    ...(path === 'displayName' ? { displayName: text } : {}),
    ...(path === WORK_EMAIL_PATH ? { email: text } : {}),
  };
}

/**
 * Applies every operation as a well-behaved app would (creates get the id `created-<personId>`), then
 * records what the engine records: a link for every create and every correlation match, and as managed
 * every created account and every matched account of a person who should have one (adoption).
 */
export function applyPlan(
  subject: Plan,
  state: TargetState,
  context: { readonly correlation: Correlation; readonly desired: ReadonlyMap<string, DesiredPerson> },
): TargetState {
  const accounts = new Map(state.accounts.map((a) => [a.id, a]));
  const links = new Map(state.links.map((l) => [`${l.personKey}\u0000${l.accountId}\u0000${l.sourceId}`, l]));
  const managed = new Set(state.managedAccountIds);
  const addLink = (link: AccountLink): void => {
    links.set(`${link.personKey}\u0000${link.accountId}\u0000${link.sourceId}`, link);
  };

  for (const op of subject.operations) {
    switch (op.kind) {
      case 'create': {
        if (op.personId === null) throw new Error('a create without a person');
        let id = `created-${op.personId}`;
        for (let n = 2; accounts.has(id); n++) id = `created-${op.personId}-${n}`;
        let account: Account = {
          id,
          userName: null,
          email: null,
          displayName: null,
          isActive: null,
          attributes: {},
        };
        for (const change of op.changes) {
          if (change.path === ACTIVE_PATH) account = { ...account, isActive: change.after === true };
          else account = withAttribute(account, change.path, change.after);
        }
        accounts.set(id, account);
        managed.add(id);
        const person = context.desired.get(op.personId)?.person;
        if (!person) throw new Error(`no desired person ${op.personId}`);
        addLink({ personKey: op.personId, accountId: id, sourceId: person.sourceId });
        break;
      }
      case 'update':
      case 'enable':
      case 'disable': {
        const id = op.accountId ?? '';
        let account = accounts.get(id);
        if (!account) throw new Error(`no account ${id} to ${op.kind}`);
        if (op.kind === 'update') {
          for (const change of op.changes) account = withAttribute(account, change.path, change.after);
        } else {
          account = { ...account, isActive: op.kind === 'enable' };
        }
        accounts.set(id, account);
        break;
      }
      case 'delete': {
        const id = op.accountId ?? '';
        accounts.delete(id);
        managed.delete(id);
        for (const [key, link] of links) if (link.accountId === id) links.delete(key);
        break;
      }
    }
  }

  for (const match of context.correlation.matches) {
    if (!accounts.has(match.account.id)) continue;
    addLink({ personKey: match.personKey, accountId: match.account.id, sourceId: match.person.sourceId });
    const state = context.desired.get(match.personKey)?.lifecycle.state;
    if (state === 'pending' || state === 'active') managed.add(match.account.id);
  }

  return { accounts: [...accounts.values()], links: [...links.values()], managedAccountIds: managed };
}
