import { z } from 'zod';
import { GuidSchema } from '../company-id';

/**
 * Scope: which directory users a company's sync covers at all. Empty scope = everyone. With
 * groups chosen, only members of those groups — directly or through nested groups — are in
 * scope; with domains chosen, only users whose e-mail address (mail, else UPN) is in one of them.
 * Both set: both must hold. Users outside the scope are treated like users removed from the
 * directory (approved ones deactivated, under the deletion guard; pending ones dropped) and shown
 * as excluded with the reason. Pure: the memberships come in as data.
 */

export const MAX_SCOPE_GROUPS = 20;
export const MAX_SCOPE_DOMAINS = 50;

const DomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name such as contoso.com');

/** Entra group object ids: members (direct or nested) are in scope. Empty: no group rule. */
export const ScopeGroupsSchema = z.array(GuidSchema).max(MAX_SCOPE_GROUPS);
/** E-mail domains: users whose address is in one of them are in scope. Empty: no domain rule. */
export const ScopeDomainsSchema = z.array(DomainSchema).max(MAX_SCOPE_DOMAINS);

export const ScopeSettingsSchema = z
  .object({
    groups: ScopeGroupsSchema.default([]),
    domains: ScopeDomainsSchema.default([]),
  })
  .strict()
  .transform((s) => ({ groups: [...new Set(s.groups)], domains: [...new Set(s.domains)] }));
export type ScopeSettings = z.infer<typeof ScopeSettingsSchema>;

export const EVERYONE: ScopeSettings = { groups: [], domains: [] };

export function isScoped(scope: ScopeSettings): boolean {
  return scope.groups.length > 0 || scope.domains.length > 0;
}

/** Group id → its direct member groups (nesting), as groups/delta reported them. */
export type NestedGroups = ReadonlyMap<string, readonly string[]>;

/**
 * The chosen groups and every group nested under them (cycle-safe): a user who is a direct
 * member of any of these is in scope. `via` says, for each, which chosen group it counts for.
 */
export function groupClosure(chosen: readonly string[], nested: NestedGroups): Map<string, string> {
  const via = new Map<string, string>();
  const queue: Array<[string, string]> = chosen.map((g) => [g, g]);
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const [group, root] = item;
    if (via.has(group)) continue;
    via.set(group, root);
    for (const child of nested.get(group) ?? []) if (!via.has(child)) queue.push([child, root]);
  }
  return via;
}

export type ScopeVerdict =
  | { inScope: true; rule: 'everyone' | 'scoped'; group: string | null; domain: string | null }
  | { inScope: false; rule: 'domain' | 'group'; domain: string | null };

/** The domain of the user's e-mail address: mail, else the UPN. */
export function addressDomain(user: { mail: string | null; userPrincipalName: string | null }): string | null {
  const address = user.mail ?? user.userPrincipalName;
  const at = address?.lastIndexOf('@') ?? -1;
  return address && at > 0 ? address.slice(at + 1).toLowerCase() : null;
}

/**
 * Is this user in scope? `directGroups`: the tracked groups the user is a direct member of;
 * `closure`: groupClosure of the chosen groups.
 */
export function scopeVerdict(
  user: { mail: string | null; userPrincipalName: string | null },
  directGroups: readonly string[],
  scope: ScopeSettings,
  closure: ReadonlyMap<string, string>,
): ScopeVerdict {
  if (!isScoped(scope)) return { inScope: true, rule: 'everyone', group: null, domain: null };
  const domain = addressDomain(user);
  if (scope.domains.length > 0 && (domain === null || !scope.domains.includes(domain))) return { inScope: false, rule: 'domain', domain };
  if (scope.groups.length === 0) return { inScope: true, rule: 'scoped', group: null, domain };
  const group = directGroups.find((g) => closure.has(g));
  if (group === undefined) return { inScope: false, rule: 'group', domain };
  return { inScope: true, rule: 'scoped', group, domain };
}
