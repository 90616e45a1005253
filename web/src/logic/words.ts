import { formatDateTime } from './time';

/**
 * Everything the console says about codes the API returns, in one place: flags, consent results,
 * run statuses and errors, per-id decision failures. Unknown codes are shown as they are.
 */

export type Intent = 'success' | 'error' | 'warning' | 'info';

export const FLAG_LABELS: Record<string, string> = {
  guest: 'Guest',
  disabled: 'Sign-in blocked',
  unlicensed: 'No licence',
  role_address: 'Role address',
  no_mailbox: 'No mailbox',
  resource_mailbox: 'Shared or room mailbox',
};

/** What a flag means in general (the filter's help); each entry carries its own reason too. */
export const FLAG_MEANINGS: Record<string, string> = {
  guest: 'Invited from another organization.',
  disabled: 'Sign-in is blocked in Entra ID.',
  unlicensed: 'No Microsoft 365 licence assigned.',
  role_address: 'A team or function address such as info@ or sales@.',
  no_mailbox: 'No e-mail address: cannot be trained or phished.',
  resource_mailbox: 'Looks like a shared mailbox, a room or equipment.',
};

export function flagLabel(code: string): string {
  return FLAG_LABELS[code] ?? code;
}

export interface Message {
  intent: Intent;
  title: string;
  text: string;
}

const CONSENT_ERRORS: Record<string, { title: string; text: string }> = {
  consent_declined: { title: 'Entra ID was not connected', text: 'The permission request was cancelled on the Microsoft page. Nothing changed; you can try again whenever you are ready.' },
  consent_failed: { title: 'Microsoft could not grant the permission', text: 'Microsoft reported an error, or did not say which directory consented. Try again; if it keeps failing, check that the app is allowed in your tenant.' },
  invalid_state: { title: 'This connection link is not valid', text: 'The link back from Microsoft was incomplete or altered. Start again with "Integrate Entra ID".' },
  expired_state: { title: 'The connection took too long', text: 'The link back from Microsoft expired (it is valid for 15 minutes). Start again with "Integrate Entra ID".' },
  replayed_state: { title: 'This connection link was already used', text: 'Each link back from Microsoft works once. If the company is not connected, start again with "Integrate Entra ID".' },
  not_an_admin: { title: 'An administrator must connect Entra ID', text: 'The account you signed in with is not a Global Administrator or Privileged Role Administrator of its directory, so it cannot grant the app read access. Ask one of them to connect, or sign in with such an account.' },
  tenant_mismatch: { title: 'Consent was given for a different directory', text: 'You signed in to one directory but consented in another. Start again and consent in the same directory you signed in to.' },
  invalid_id_token: { title: 'Microsoft’s sign-in could not be verified', text: 'The sign-in answer from Microsoft failed verification, so nothing was connected. Start again; if it keeps failing, contact support.' },
  sign_in_failed: { title: 'The sign-in at Microsoft did not complete', text: 'The Microsoft sign-in was cancelled or not accepted, so nothing was connected. Start again with "Integrate Entra ID" and sign in with an administrator of your directory.' },
  browser_mismatch: { title: 'Finish the connection in the browser that started it', text: 'The link back from Microsoft was opened in another browser than the one where "Integrate Entra ID" was pressed (for example a forwarded link). Nothing was connected. Start again in the browser you will use.' },
  internal_error: { title: 'Something went wrong on our side', text: 'The connection could not be saved. Nothing is half done: simply try again.' },
};

/**
 * The banner after Microsoft's pages sent the browser back (`?status=connected|error&code=…`).
 * `firstImport: 'waiting'`: the company's settings keep the first import until an admin starts it.
 */
export function consentResultMessage(status: string | null, code: string | null, firstImport: 'started' | 'waiting' = 'started'): Message | null {
  if (status === 'connected') {
    if (firstImport === 'waiting') {
      return { intent: 'success', title: 'Entra ID is connected', text: 'Nothing is imported yet, as the settings ask: preview what the first import would do, then start it. A confirmation e-mail is on its way.' };
    }
    return { intent: 'success', title: 'Entra ID is connected', text: 'The first import is running: users found in the directory appear in "Pending for approval" in a moment. A confirmation e-mail is on its way.' };
  }
  if (status !== 'error') return null;
  const known = code === null ? undefined : CONSENT_ERRORS[code];
  if (known) return { intent: 'error', ...known };
  return { intent: 'error', title: 'Entra ID was not connected', text: code ? `Microsoft or the service reported "${code}". Try again.` : 'Try again.' };
}

export const RUN_STATUS: Record<string, { label: string; intent: Intent }> = {
  queued: { label: 'Queued', intent: 'info' },
  running: { label: 'Running', intent: 'info' },
  succeeded: { label: 'Succeeded', intent: 'success' },
  failed: { label: 'Failed', intent: 'error' },
  held: { label: 'Held for review', intent: 'warning' },
};

export const TRIGGERS: Record<string, string> = {
  connect: 'First import',
  manual: 'Sync Now',
  webhook: 'Directory change',
  schedule: 'Scheduled check',
  continuation: 'Continuation',
};

export function triggerLabel(trigger: string): string {
  return TRIGGERS[trigger] ?? trigger;
}

const RUN_ERRORS: Record<string, string> = {
  not_connected: 'The company was disconnected, or connected to another directory, before this run started. Nothing was changed.',
  consent_revoked: 'Microsoft refused access: the admin consent was revoked or the app was removed from the tenant. Reconnect Entra ID.',
  directory_throttled: 'Microsoft Graph kept asking us to slow down. The run will be retried; nothing is lost.',
  directory_delta_reset: 'Microsoft reset the change tracking; a full read of the directory follows.',
  directory_invalid_response: 'Microsoft Graph answered with something unexpected. The run will be retried.',
  dependency_unavailable: 'A service we depend on was unavailable. The run will be retried.',
  internal_error: 'Something went wrong on our side. The run will be retried.',
};

export function runErrorText(code: string): string {
  return RUN_ERRORS[code] ?? `The run failed (${code}).`;
}

/** What each counter of a run means. */
export const RUN_COUNTS: ReadonlyArray<{ key: string; label: string; help: string }> = [
  { key: 'scanned', label: 'Scanned', help: 'Directory entries read' },
  { key: 'newPending', label: 'New pending', help: 'New users waiting for approval' },
  { key: 'autoApproved', label: 'Auto-approved', help: 'Approved by the auto-approve rule' },
  { key: 'updated', label: 'Updated', help: 'Users whose details changed' },
  { key: 'deactivated', label: 'Deactivated', help: 'Removed or disabled in Entra ID' },
  { key: 'held', label: 'Held', help: 'Deactivations held by the safety threshold' },
  { key: 'excluded', label: 'Excluded', help: 'Kept out by the exclusions or the scope' },
  { key: 'removed', label: 'Removed', help: 'Pending or excluded entries that left the directory' },
  { key: 'unchanged', label: 'Unchanged', help: 'Seen, nothing to do' },
  { key: 'invalid', label: 'Skipped', help: 'Entries Microsoft returned malformed' },
];

/** A run counter's name (the key itself for one this console does not know). */
export function countLabel(key: string): string {
  return RUN_COUNTS.find((c) => c.key === key)?.label ?? key;
}

const DECISION_FAILURES: Record<string, string> = {
  not_found: 'is no longer in the list (removed from the directory)',
  not_pending: 'was already decided',
  not_denied: 'is not denied, so there is nothing to restore',
  ambiguous_match: 'shares its address with several Symbol users: resolve the duplicates first',
  no_mailbox: 'has no mailbox, so it cannot be a Symbol user',
  conflict: 'changed while you decided: try again',
};

export function decisionFailureText(code: string): string {
  return DECISION_FAILURES[code] ?? `could not be changed (${code})`;
}

export const STATUS_LABELS: Record<string, { label: string; intent: Intent }> = {
  connected: { label: 'Connected', intent: 'success' },
  not_connected: { label: 'Not connected', intent: 'info' },
  disconnected: { label: 'Disconnected', intent: 'info' },
  consent_revoked: { label: 'Access revoked', intent: 'error' },
  error: { label: 'Error', intent: 'error' },
};

export const SOURCE_LABELS: Record<string, string> = { entra: 'Entra ID', manual: 'Added by hand', csv: 'CSV import' };

export const AUTO_APPROVE_LABELS: Record<string, { label: string; help: string }> = {
  off: { label: 'Off', help: 'An admin approves every user.' },
  clean: { label: 'Users without flags', help: 'Approve users with no flag (no guest, shared mailbox, role address…).' },
  matched: { label: 'Users matching an existing Symbol user', help: 'Approve users whose address is already a Symbol user’s; they are merged.' },
  clean_or_matched: { label: 'Either of the two', help: 'Approve users without flags, and users matching an existing Symbol user.' },
};

export const REMOVAL_LABELS: Record<string, string> = { deleted: 'Deleted', soft_deleted: 'Deleted (recycle bin)', disabled: 'Sign-in blocked', not_seen: 'Missing from the directory', out_of_scope: 'Left the sync scope' };

/**
 * Short labels for the rule part of an entry's reasons (`excluded.guests`, `scope.out_of_groups`,
 * …); the API's own text says the rest. Flags (codes without a dot) are labelled by flagLabel.
 */
const REASON_LABELS: Record<string, string> = {
  'pending.review': 'Waiting for an admin',
  'pending.not_auto': 'Not auto-approved',
  'pending.never_auto': 'Never auto-approved',
  'excluded.guests': 'Excluded: guest',
  'excluded.disabled': 'Excluded: sign-in blocked',
  'excluded.unlicensed': 'Excluded: no licence',
  'excluded.roleAddresses': 'Excluded: role address',
  'excluded.settings_changed': 'Excluded by an earlier setting',
  'scope.out_of_groups': 'Outside the scope’s groups',
  'scope.out_of_domains': 'Outside the scope’s domains',
  'scope.groups_unreadable': 'Group memberships unreadable',
  'approved.admin': 'Approved by an admin',
  'auto_approved.clean': 'Auto-approved: no flags',
  'auto_approved.matched': 'Auto-approved: matches a Symbol user',
  'denied.admin': 'Denied by an admin',
  'deactivation.held': 'Deactivation held',
  'merged.address': 'Merges by address',
};

export function reasonLabel(code: string): string {
  const known = REASON_LABELS[code];
  if (known) return known;
  const [head, rest] = code.split('.', 2);
  if (head === 'deactivated' && rest) return `Deactivated: ${(REMOVAL_LABELS[rest] ?? rest).toLowerCase()}`;
  if (head === 'removed' && rest) return `Leaves the list: ${(REMOVAL_LABELS[rest] ?? rest).toLowerCase()}`;
  return code.includes('.') ? code : flagLabel(code);
}

/** The badge colour of a reason: what keeps a user out or takes them away stands out. */
export function reasonIntent(code: string): Intent {
  if (/^(scope\.groups_unreadable|deactivat|removed\.)/.test(code)) return 'error';
  if (/^(excluded|scope|denied|pending\.never_auto)/.test(code)) return 'warning';
  if (/^(approved|auto_approved|merged)/.test(code)) return 'success';
  return 'info';
}

export interface ReasonParts<R> {
  /** What the user's directory data says (flags: guest, role_address, …). */
  flags: R[];
  /** The rules that put the user where it is (dotted codes). */
  rules: R[];
}

/** An entry's reasons split into its flags and the rules that decided. */
export function splitReasons<R extends { code: string }>(reasons: readonly R[]): ReasonParts<R> {
  return { flags: reasons.filter((r) => !r.code.includes('.')), rules: reasons.filter((r) => r.code.includes('.')) };
}

/** The scope's state, as the status reports it, in words (what to do about it included). */
export function scopeStateMessage(scope: { state: string; untrackedGroups: number }): Message {
  const deep = scope.untrackedGroups > 0 ? ` ${plural(scope.untrackedGroups, 'nested group is', 'nested groups are')} too deep to follow: their members count as outside the scope.` : '';
  switch (scope.state) {
    case 'everyone':
      return { intent: 'info', title: 'Everyone in the directory', text: 'No scope is set: every user of the directory is synced.' };
    case 'applied':
      return { intent: 'success', title: 'Scope in effect', text: `The last sync applied this scope: users outside it are excluded, each with the reason.${deep}` };
    case 'pending':
      return {
        intent: 'warning',
        title: 'Waiting for the next sync',
        text: `The scope was set or changed after the last sync; the next sync applies it. Users outside it are then excluded, and approved users who left it are deactivated (the deletion safety threshold applies).${deep}`,
      };
    case 'groups_unreadable':
      return {
        intent: 'error',
        title: 'Group memberships cannot be read',
        text: 'The tenant’s consent does not include GroupMember.Read.All (read group memberships), so nobody is moved in or out of the scope and new users are not added. A Global Administrator of the tenant grants it by connecting again: Entra ID → Reconnect, then Accept.',
      };
    default:
      return { intent: 'info', title: 'Scope', text: `The scope is ${scope.state}.${deep}` };
  }
}

const GROUP_SEARCH_ERRORS: Record<string, string> = {
  not_connected: 'Connect Entra ID first: groups are found in the connected directory.',
  group_permission_missing: 'The tenant’s consent does not include GroupMember.Read.All (read group memberships). A Global Administrator of the tenant grants it by connecting again: Entra ID → Reconnect, then Accept.',
  consent_revoked: 'Microsoft no longer lets Symbol read this directory. Reconnect Entra ID.',
  directory_throttled: 'Microsoft asked us to slow down. Search again in a moment.',
};

/** Why the group search did not work, in words. */
export function groupSearchErrorText(code: string, apiMessage: string): string {
  return GROUP_SEARCH_ERRORS[code] ?? apiMessage;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The Symbol user's fields, as a merge record or the audit trail names them. */
export const FIELD_LABELS: Record<string, string> = {
  givenName: 'First name',
  surname: 'Last name',
  displayName: 'Display name',
  jobTitle: 'Job title',
  department: 'Department',
  officeLocation: 'Office',
  mobilePhone: 'Mobile phone',
  country: 'Country',
  city: 'City',
  employeeId: 'Employee id',
  managerEntraId: 'Manager',
  email: 'E-mail',
  entraObjectId: 'Entra object id',
  status: 'Status',
  deactivatedAt: 'Deactivated',
};

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field;
}

/** A field's value as a person reads it (null: —; the status and the deactivation date in words). */
export function fieldValueText(field: string, value: string | null): string {
  if (value === null) return '—';
  if (field === 'status') return value === 'active' ? 'Active' : value === 'inactive' ? 'Inactive' : value;
  if (field === 'deactivatedAt') return formatDateTime(value);
  return value;
}

const MERGE_UNDO_ERRORS: Record<string, string> = {
  not_merged: 'This user is not merged with a directory user (any more), so there is nothing to undo.',
  undo_expired: 'A merge can be undone for 30 days after it was made; this one is older. The user stays linked to Entra ID.',
  not_found: 'This user no longer exists.',
  forbidden: 'You may not manage this company.',
};

/** Why "Undo merge" did not work, in words. `conflict` has two causes: the API's own sentence says which. */
export function mergeUndoErrorText(code: string, apiMessage: string): string {
  if (code === 'conflict') return `Nothing was changed. ${apiMessage}`;
  return MERGE_UNDO_ERRORS[code] ?? `The merge could not be undone (${code}). Nothing was changed; try again.`;
}
