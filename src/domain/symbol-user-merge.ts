import { mailboxAddress } from './directory/classification';
import { DirectoryAttributes } from './directory/directory-user';
import { FieldChanges } from './audit';
import { MERGE_SNAPSHOT_FIELDS, MergeSnapshot, SymbolUser, SymbolUserLink } from './symbol-user';

/**
 * Field ownership once a Symbol user is linked to an Entra user: the directory owns the personal
 * details below (they follow Entra on every sync); Symbol owns the id, status history, source,
 * training data and everything not listed. The e-mail follows the directory's mailbox address
 * (a rename in Entra renames the Symbol user), and is kept when the directory has none.
 */
export const DIRECTORY_OWNED_FIELDS = ['givenName', 'surname', 'displayName', 'jobTitle', 'department', 'officeLocation', 'mobilePhone', 'country', 'city', 'employeeId', 'managerEntraId'] as const;
export type DirectoryOwnedField = (typeof DIRECTORY_OWNED_FIELDS)[number];

export function directoryDetails(attributes: DirectoryAttributes): Pick<SymbolUser, DirectoryOwnedField> {
  return {
    givenName: attributes.givenName,
    surname: attributes.surname,
    displayName: attributes.displayName,
    jobTitle: attributes.jobTitle,
    department: attributes.department,
    officeLocation: attributes.officeLocation,
    mobilePhone: attributes.mobilePhone,
    country: attributes.country,
    city: attributes.city,
    employeeId: attributes.employeeId,
    managerEntraId: attributes.managerId,
  };
}

/** A new Symbol user for an approved directory user; null when it has no mailbox to train. */
export function symbolUserFromDirectory(input: { id: string; companyId: string; entraObjectId: string; attributes: DirectoryAttributes; nowIso: string; by: string }): SymbolUser | null {
  const email = mailboxAddress(input.attributes);
  if (!email) return null;
  return {
    id: input.id,
    companyId: input.companyId,
    email,
    emailKey: email.toLowerCase(),
    ...directoryDetails(input.attributes),
    entraObjectId: input.entraObjectId,
    status: 'active',
    source: 'entra',
    createdAt: input.nowIso,
    updatedAt: input.nowIso,
    deactivatedAt: null,
    customFields: {},
    links: [{ entraObjectId: input.entraObjectId, at: input.nowIso, by: input.by, merged: false, changedFields: [], changes: {}, previous: null, undone: null }],
  };
}

/**
 * Applies the directory's details to a linked Symbol user. Returns the fields that changed
 * (empty = nothing to write).
 */
export function followDirectory(user: SymbolUser, entraObjectId: string, attributes: DirectoryAttributes, nowIso: string): { user: SymbolUser; changed: string[] } {
  const details = directoryDetails(attributes);
  const email = mailboxAddress(attributes);
  const next: SymbolUser = { ...user, ...details, entraObjectId, ...(email ? { email, emailKey: email.toLowerCase() } : {}) };
  const changed = (Object.keys(next) as Array<keyof SymbolUser>).filter((k) => next[k] !== user[k] && k !== 'emailKey');
  return changed.length === 0 ? { user, changed } : { user: { ...next, updatedAt: nowIso }, changed };
}

export function setActive(user: SymbolUser, active: boolean, nowIso: string): SymbolUser {
  if ((user.status === 'active') === active) return user;
  return active ? { ...user, status: 'active', deactivatedAt: null, updatedAt: nowIso } : { ...user, status: 'inactive', deactivatedAt: nowIso, updatedAt: nowIso };
}

/** How long a merge can be undone. */
export const MERGE_UNDO_DAYS = 30;

export function mergeSnapshot(user: SymbolUser): MergeSnapshot {
  return Object.fromEntries(MERGE_SNAPSHOT_FIELDS.map((field) => [field, user[field]])) as MergeSnapshot;
}

/** Each merge-owned field that differs, before and after, as text (every such field is text or null). */
export function fieldChanges(before: MergeSnapshot, after: MergeSnapshot): FieldChanges {
  const text = (value: string | null): string | null => (value === null ? null : value.slice(0, 1024));
  const changes: FieldChanges = {};
  for (const field of MERGE_SNAPSHOT_FIELDS) if (before[field] !== after[field]) changes[field] = { before: text(before[field]), after: text(after[field]) };
  return changes;
}

/**
 * The link a merge adds: who and when, what it changed, and the user as it was before, so the
 * merge can be undone.
 */
export function mergeLink(before: SymbolUser, after: SymbolUser, input: { entraObjectId: string; nowIso: string; by: string; merged: boolean }): SymbolUserLink {
  const changes = fieldChanges(mergeSnapshot(before), mergeSnapshot(after));
  return {
    entraObjectId: input.entraObjectId,
    at: input.nowIso,
    by: input.by,
    merged: input.merged,
    changedFields: Object.keys(changes),
    changes,
    previous: input.merged ? mergeSnapshot(before) : null,
    undone: null,
  };
}

/** The latest merge of a user with a directory user (undone or not), or null if it was never merged. */
export function latestMerge(user: SymbolUser): { link: SymbolUserLink; index: number } | null {
  for (let index = user.links.length - 1; index >= 0; index--) {
    const link = user.links[index];
    if (link?.merged) return { link, index };
  }
  return null;
}

export function mergeUndoableUntil(link: Pick<SymbolUserLink, 'at'>): string {
  return new Date(Date.parse(link.at) + MERGE_UNDO_DAYS * 86_400_000).toISOString();
}

export type MergeUndo =
  | { kind: 'undone'; user: SymbolUser; link: SymbolUserLink; restored: FieldChanges; emailKept: boolean }
  | { kind: 'already_undone'; link: SymbolUserLink }
  | { kind: 'not_merged' }
  | { kind: 'expired'; link: SymbolUserLink; undoableUntil: string };

/**
 * Undoing a user's latest merge: the merge-owned fields go back to the snapshot taken before it
 * (links recorded before snapshots existed give back what their `changes` recorded), the Entra
 * link is dropped, the link is marked undone. Symbol's own data — id, source, createdAt,
 * `customFields` (training history) — is never touched. `keepEmail` keeps the current address
 * (when the old one belongs to another user by now).
 */
export function undoMerge(user: SymbolUser, input: { nowIso: string; by: string; keepEmail?: boolean }): MergeUndo {
  const found = latestMerge(user);
  if (!found) return { kind: 'not_merged' };
  const { link, index } = found;
  if (link.undone) return { kind: 'already_undone', link };
  const undoableUntil = mergeUndoableUntil(link);
  if (Date.parse(input.nowIso) > Date.parse(undoableUntil)) return { kind: 'expired', link, undoableUntil };

  const current = mergeSnapshot(user);
  const restoredSnapshot: MergeSnapshot = link.previous ?? { ...current, ...legacyBefore(link), entraObjectId: null };
  const emailKept = input.keepEmail === true && restoredSnapshot.email !== current.email;
  const target: MergeSnapshot = { ...restoredSnapshot, ...(emailKept ? { email: current.email } : {}) };
  const undone: SymbolUserLink = { ...link, undone: { at: input.nowIso, by: input.by } };
  const next: SymbolUser = {
    ...user,
    ...target,
    emailKey: target.email.toLowerCase(),
    links: user.links.map((l, i) => (i === index ? undone : l)),
    updatedAt: input.nowIso,
  };
  return { kind: 'undone', user: next, link: undone, restored: fieldChanges(current, target), emailKept };
}

/** What an older link (values recorded, no snapshot) says the fields were before the merge. */
function legacyBefore(link: SymbolUserLink): Partial<MergeSnapshot> {
  const before: Partial<Record<keyof MergeSnapshot, string | null>> = {};
  for (const field of MERGE_SNAPSHOT_FIELDS) {
    const change = link.changes[field];
    if (change === undefined || field === 'status') continue;
    if (field === 'email' && change.before === null) continue;
    before[field] = change.before;
  }
  return before as Partial<MergeSnapshot>;
}
