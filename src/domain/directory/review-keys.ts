import { mailboxAddress } from './classification';
import { DirectoryAttributes } from './directory-user';

/**
 * What the "Pending for approval" list searches and sorts by: lower-cased prefixes of the name
 * parts and addresses, and a sort key (display name, then id) that gives a stable order.
 */
export interface ReviewKeys {
  sortKey: string;
  name: string;
  given: string;
  surname: string;
  mail: string;
  upn: string;
}

export function displayNameOf(attributes: DirectoryAttributes): string {
  return attributes.displayName ?? ([attributes.givenName, attributes.surname].filter(Boolean).join(' ') || mailboxAddress(attributes) || attributes.userPrincipalName || '');
}

export function reviewKeys(id: string, attributes: DirectoryAttributes): ReviewKeys {
  const lower = (value: string | null) => (value ?? '').trim().toLowerCase();
  const name = lower(displayNameOf(attributes));
  return {
    // \u0000 keeps "ann" before "anna" and ties ordered by id.
    sortKey: `${name}\u0000${id}`,
    name,
    given: lower(attributes.givenName),
    surname: lower(attributes.surname),
    mail: lower(mailboxAddress(attributes)),
    upn: lower(attributes.userPrincipalName),
  };
}

/** Normalises a search term the way the keys are normalised. */
export function searchTerm(term: string): string {
  return term.trim().toLowerCase();
}
