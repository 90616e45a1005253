import { mailboxAddress } from './directory/classification';
import { DirectoryAttributes } from './directory/directory-user';
import { SymbolUser } from './symbol-user';

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
    links: [{ entraObjectId: input.entraObjectId, at: input.nowIso, by: input.by, merged: false, changedFields: [], changes: {} }],
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
