import { IntegrationSettings } from '../integration-settings';
import { DirectoryAttributes, Flag } from './directory-user';

/**
 * Why an entry may not be a person, in the admin's words. Flags never hide anyone by
 * themselves: settings decide whether a flag excludes.
 */

/** Every address a user is known by, lower-cased: mail, UPN, SMTP proxy addresses, otherMails. */
export function addressesOf(attributes: DirectoryAttributes): string[] {
  const all = [attributes.mail, attributes.userPrincipalName, ...attributes.proxyAddresses.filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5)), ...attributes.otherMails];
  return [...new Set(all.filter((a): a is string => typeof a === 'string' && a.includes('@')).map((a) => a.trim().toLowerCase()))];
}

/** The address the product would use: mail, else the primary SMTP address. Null = no mailbox. */
export function mailboxAddress(attributes: DirectoryAttributes): string | null {
  if (attributes.mail?.includes('@')) return attributes.mail.trim();
  const primary = attributes.proxyAddresses.find((p) => p.startsWith('SMTP:'));
  return primary ? primary.slice(5).trim() : null;
}

function patternSource(pattern: string): string {
  return pattern
    .toLowerCase()
    .replace(/[.+?^${}()|[\]\\-]/g, '\\$&')
    .replace(/\*/g, '.*');
}

// Settings change rarely and a sync classifies thousands of users with the same patterns:
// one compiled alternation per pattern list (pure memoisation; bounded).
const compiled = new Map<string, RegExp>();
const byList = new WeakMap<readonly string[], RegExp>();

function rolePattern(patterns: readonly string[]): RegExp {
  const known = byList.get(patterns);
  if (known) return known;
  const key = patterns.join('\n');
  let re = compiled.get(key);
  if (!re) {
    if (compiled.size > 100) compiled.clear();
    re = patterns.length === 0 ? /(?!)/ : new RegExp(`^(?:${patterns.map(patternSource).join('|')})$`);
    compiled.set(key, re);
  }
  byList.set(patterns, re);
  return re;
}

function localPart(address: string): string {
  const at = address.indexOf('@');
  return (at === -1 ? address : address.slice(0, at)).toLowerCase();
}

export function isRoleAddress(address: string, patterns: readonly string[]): boolean {
  return rolePattern(patterns).test(localPart(address));
}

/** Which pattern makes the address a role address (for the reason shown to the admin), or null. */
function matchingRolePattern(address: string, patterns: readonly string[]): string | null {
  const local = localPart(address);
  return patterns.find((p) => rolePattern([p]).test(local)) ?? null;
}

/** Words in a display name or address that say "a room or a piece of equipment". */
const ROOM_WORDS = /\b(room|boardroom|meeting ?room|conference|huddle|auditorium|projector|equipment)\b|^room[-_.]/i;

/**
 * A shared, room or equipment mailbox, as far as the user properties tell. Exchange Online creates
 * these as member accounts with sign-in blocked, no licence and no first or last name; a person
 * who left (also blocked, often unlicensed) keeps their names. `mailboxSettings/userPurpose` would
 * say it outright but needs MailboxSettings.Read, which this app does not ask for.
 */
export function isResourceMailbox(attributes: DirectoryAttributes): boolean {
  return (
    attributes.userType?.toLowerCase() !== 'guest' &&
    mailboxAddress(attributes) !== null &&
    !attributes.accountEnabled &&
    !attributes.licensed &&
    !attributes.givenName?.trim() &&
    !attributes.surname?.trim()
  );
}

function looksLikeRoom(attributes: DirectoryAttributes): boolean {
  const address = mailboxAddress(attributes) ?? '';
  return ROOM_WORDS.test(attributes.displayName ?? '') || ROOM_WORDS.test(localPart(address));
}

export function classify(attributes: DirectoryAttributes, settings: Pick<IntegrationSettings, 'roleAddressPatterns'>): Flag[] {
  const flags: Flag[] = [];
  if (attributes.userType?.toLowerCase() === 'guest') flags.push('guest');
  if (!attributes.accountEnabled) flags.push('disabled');
  if (!attributes.licensed) flags.push('unlicensed');
  const mailbox = mailboxAddress(attributes);
  const roleCandidates = [mailbox, attributes.userPrincipalName].filter((a): a is string => typeof a === 'string');
  if (roleCandidates.some((a) => isRoleAddress(a, settings.roleAddressPatterns))) flags.push('role_address');
  if (!mailbox) flags.push('no_mailbox');
  if (isResourceMailbox(attributes)) flags.push('resource_mailbox');
  return flags;
}

export interface FlagReason {
  code: Flag;
  /** What gave it away, in the admin's words (no more personal data than the entry itself shows). */
  text: string;
}

/** One reason per flag, saying what in this user's directory data raised it. */
export function flagReasons(attributes: DirectoryAttributes, flags: readonly Flag[], settings: Pick<IntegrationSettings, 'roleAddressPatterns'>): FlagReason[] {
  return flags.map((code) => ({ code, text: reasonText(code, attributes, settings) }));
}

function reasonText(code: Flag, attributes: DirectoryAttributes, settings: Pick<IntegrationSettings, 'roleAddressPatterns'>): string {
  switch (code) {
    case 'guest':
      return attributes.creationType?.toLowerCase() === 'invitation'
        ? 'Guest account invited from another organization (user type Guest, created by invitation).'
        : 'Guest account (user type Guest): not a member of this organization.';
    case 'disabled':
      return 'Sign-in is blocked in Entra ID (account disabled): a former employee, or a mailbox nobody signs in to.';
    case 'unlicensed':
      return 'No Microsoft 365 licence is assigned: typical of shared mailboxes, rooms and service accounts.';
    case 'role_address': {
      const address = [mailboxAddress(attributes), attributes.userPrincipalName].find((a): a is string => typeof a === 'string' && isRoleAddress(a, settings.roleAddressPatterns));
      const pattern = address ? matchingRolePattern(address, settings.roleAddressPatterns) : null;
      return address && pattern
        ? `The address ${localPart(address)}@… matches the role-address pattern "${pattern}": a team or function address rather than a person.`
        : 'The address matches one of the role-address patterns in the settings: a team or function address rather than a person.';
    }
    case 'no_mailbox':
      return 'No mailbox address (no mail and no primary SMTP address): it cannot receive training or phishing e-mails.';
    case 'resource_mailbox':
      return looksLikeRoom(attributes)
        ? 'A room or equipment mailbox: sign-in blocked, no licence, no first or last name, and its name says it is a room.'
        : 'A shared mailbox: it has a mailbox but sign-in is blocked, no licence is assigned and it has no first or last name — how Exchange Online creates shared mailboxes.';
  }
}

/** Whether the settings keep a user with these flags out of the pending list altogether. */
export function isExcluded(flags: readonly Flag[], settings: Pick<IntegrationSettings, 'exclude'>): boolean {
  return (
    (settings.exclude.guests && flags.includes('guest')) ||
    (settings.exclude.disabled && flags.includes('disabled')) ||
    (settings.exclude.unlicensed && flags.includes('unlicensed')) ||
    (settings.exclude.roleAddresses && flags.includes('role_address'))
  );
}

/** Whether auto-approval takes a new user without an admin. `matched`: an existing Symbol user has one of its addresses. */
export function autoApproves(flags: readonly Flag[], matched: boolean, settings: Pick<IntegrationSettings, 'autoApprove'>): boolean {
  // A disabled account or a shared/room mailbox never becomes an active Symbol user without an admin.
  if (flags.includes('disabled') || flags.includes('resource_mailbox')) return false;
  switch (settings.autoApprove) {
    case 'off':
      return false;
    case 'clean':
      return flags.length === 0;
    case 'matched':
      return matched;
    case 'clean_or_matched':
      return flags.length === 0 || matched;
  }
}
