import { addressesOf } from './directory/classification';
import { DirectoryAttributes } from './directory/directory-user';
import { SymbolUser } from './symbol-user';

/**
 * Which existing Symbol user an approved directory user becomes. After approval the Entra object
 * id is the identity (a user already linked to it wins, whatever its e-mail now); before, the
 * e-mail decides, once: any of the directory user's addresses (mail, UPN, SMTP proxy addresses,
 * otherMails), case-insensitively, exactly — `adele+news@` is not `adele@`. A Symbol user linked
 * to another Entra user is never taken over; several candidates are a conflict for the admin.
 */
export type MatchOutcome =
  | { kind: 'linked'; userId: string }
  | { kind: 'match'; userId: string }
  | { kind: 'none' }
  | { kind: 'ambiguous'; userIds: string[] };

export function matchSymbolUser(entraObjectId: string, attributes: DirectoryAttributes, symbolUsers: readonly SymbolUser[]): MatchOutcome {
  const linked = symbolUsers.find((u) => u.entraObjectId === entraObjectId);
  if (linked) return { kind: 'linked', userId: linked.id };
  const addresses = new Set(addressesOf(attributes));
  const candidates = symbolUsers.filter((u) => u.entraObjectId === null && addresses.has(u.emailKey));
  const ids = [...new Set(candidates.map((u) => u.id))].sort();
  if (ids.length === 0) return { kind: 'none' };
  if (ids.length === 1) return { kind: 'match', userId: ids[0] ?? '' };
  return { kind: 'ambiguous', userIds: ids };
}
