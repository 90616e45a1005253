import { IntegrationSettings } from '../integration-settings';
import { flagReasons } from './classification';
import { DirectoryUserRecord, Flag, ScopeNote } from './directory-user';
import { ScopeSettings } from './scope';

/**
 * Why a directory user is where it is — pending, denied, excluded, approved (or deactivated) — as
 * reasons an admin can read: the rule that decided and the data it looked at. Each reason has a
 * stable machine `code` and a `text`. Flags keep their own codes (`guest`, `role_address`, …);
 * decisions use dotted codes (`excluded.guests`, `auto_approved.clean`, `scope.out_of_groups`, …).
 * Pure: computed from the stored record and the company's current settings, so it never goes
 * stale and costs no write.
 */

export interface Reason {
  code: string;
  text: string;
}

const EXCLUSION_RULES: ReadonlyArray<{ flag: Flag; setting: keyof IntegrationSettings['exclude']; what: string }> = [
  { flag: 'guest', setting: 'guests', what: 'a guest account (user type Guest)' },
  { flag: 'disabled', setting: 'disabled', what: 'a disabled account (sign-in blocked in Entra ID)' },
  { flag: 'unlicensed', setting: 'unlicensed', what: 'an account without a Microsoft 365 licence' },
  { flag: 'role_address', setting: 'roleAddresses', what: 'a role address' },
];

/** Which of the settings' exclusions keep this user out, in words (empty when none applies now). */
export function exclusionReasons(flags: readonly Flag[], settings: Pick<IntegrationSettings, 'exclude'>): Reason[] {
  return EXCLUSION_RULES.filter((r) => flags.includes(r.flag) && settings.exclude[r.setting]).map((r) => ({
    code: `excluded.${r.setting}`,
    text: `Excluded: ${r.what}, and the setting exclude.${r.setting} is on.`,
  }));
}

export function scopeReasons(note: ScopeNote, scope: ScopeSettings, groupNames: ReadonlyMap<string, string> = new Map()): Reason[] {
  if (note.rule === 'groups_unreadable') {
    return [{ code: 'scope.groups_unreadable', text: "Not added: the scope is limited to groups, and the tenant's consent does not let the app read group memberships (GroupMember.Read.All). An admin of the tenant can grant it by connecting again." }];
  }
  if (note.rule === 'domain') {
    const domains = scope.domains.join(', ');
    return [
      {
        code: 'scope.out_of_domains',
        text: note.domain
          ? `Out of scope: the address's domain ${note.domain} is not one of the scope's domains (${domains}).`
          : `Out of scope: the user has no e-mail address, and the scope is limited to the domains ${domains}.`,
      },
    ];
  }
  const names = scope.groups.map((g) => groupNames.get(g) ?? g).join(', ');
  return [{ code: 'scope.out_of_groups', text: `Out of scope: not a member of the scope's groups (${names}), directly or through a nested group.` }];
}

function autoApprovalReason(record: Pick<DirectoryUserRecord, 'flags'>, rule: IntegrationSettings['autoApprove']): Reason {
  // Auto-approval takes a user without flags (rule "clean") or one matching a Symbol user by e-mail
  // (rule "matched"); a flagged user can only have been taken by the second.
  if (rule === 'clean' || (rule !== 'matched' && record.flags.length === 0)) {
    return { code: 'auto_approved.clean', text: 'Auto-approved: no flags (a licensed member with a mailbox, not a role address), which the autoApprove setting takes.' };
  }
  return { code: 'auto_approved.matched', text: 'Auto-approved: an existing Symbol user has one of its e-mail addresses, which the autoApprove setting takes.' };
}

function day(iso: string | null): string {
  return iso === null ? '' : ` on ${iso.slice(0, 10)}`;
}

export const REMOVAL_WORDS: Record<NonNullable<DirectoryUserRecord['deactivated']>['reason'] | 'out_of_scope', string> = {
  deleted: 'deleted in Entra ID',
  soft_deleted: 'moved to deleted users in Entra ID',
  disabled: 'sign-in blocked in Entra ID',
  not_seen: 'no longer returned by Entra ID',
  out_of_scope: 'left the sync scope',
};

/**
 * The reasons of one entry: the flags (what its directory data says), then the rule that put it
 * where it is.
 */
export function entryReasons(
  record: Pick<DirectoryUserRecord, 'status' | 'flags' | 'attributes' | 'decidedBy' | 'decidedAt' | 'deactivated' | 'pendingRemoval' | 'scope'>,
  settings: IntegrationSettings,
  groupNames?: ReadonlyMap<string, string>,
): Reason[] {
  const reasons: Reason[] = flagReasons(record.attributes, record.flags, settings);
  const scope = settings.scope;
  switch (record.status) {
    case 'excluded': {
      if (record.scope) return [...reasons, ...scopeReasons(record.scope, scope, groupNames)];
      const rules = exclusionReasons(record.flags, settings);
      reasons.push(...(rules.length > 0 ? rules : [{ code: 'excluded.settings_changed', text: 'Excluded by an earlier setting that no longer applies: the next sync lists it for review.' }]));
      return reasons;
    }
    case 'pending': {
      if (settings.autoApprove === 'off') reasons.push({ code: 'pending.review', text: 'Waiting for an admin: auto-approval is off.' });
      else if (record.flags.includes('disabled') || record.flags.includes('resource_mailbox')) {
        reasons.push({ code: 'pending.never_auto', text: 'Waiting for an admin: disabled accounts and shared or room mailboxes are never auto-approved.' });
      } else reasons.push({ code: 'pending.not_auto', text: `Waiting for an admin: auto-approval (${settings.autoApprove}) did not take it — it has flags, or no Symbol user shares its address.` });
      return reasons;
    }
    case 'denied':
      reasons.push({ code: 'denied.admin', text: `Denied by an admin${day(record.decidedAt)}: never proposed again; it can be restored.` });
      return reasons;
    case 'approved': {
      reasons.push(record.decidedBy === 'auto-approval' ? autoApprovalReason(record, settings.autoApprove) : { code: 'approved.admin', text: `Approved by an admin${day(record.decidedAt)}.` });
      if (record.deactivated) reasons.push({ code: `deactivated.${record.deactivated.reason}`, text: `Deactivated${day(record.deactivated.at)}: ${REMOVAL_WORDS[record.deactivated.reason]} (training history kept).` });
      else if (record.pendingRemoval) reasons.push({ code: 'deactivation.held', text: `To be deactivated: ${REMOVAL_WORDS[record.pendingRemoval.reason]}; waiting for the end of the sync or for release by an admin (deletion guard).` });
      return reasons;
    }
  }
}
