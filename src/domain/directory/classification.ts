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

export function isRoleAddress(address: string, patterns: readonly string[]): boolean {
  const at = address.indexOf('@');
  const local = (at === -1 ? address : address.slice(0, at)).toLowerCase();
  return rolePattern(patterns).test(local);
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
  return flags;
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
  // A disabled account never becomes an active Symbol user without an admin.
  if (flags.includes('disabled')) return false;
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
