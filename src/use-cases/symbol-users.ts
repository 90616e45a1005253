import { Services } from '../app/services';
import { AppError, isAppError } from '../domain/app-error';
import { SymbolUser } from '../domain/symbol-user';
import { latestMerge, mergeUndoableUntil } from '../domain/symbol-user-merge';
import { Page } from '../ports/sync-run-store.port';

export interface SymbolUserView {
  id: string;
  email: string;
  givenName: string | null;
  surname: string | null;
  displayName: string | null;
  jobTitle: string | null;
  department: string | null;
  entraObjectId: string | null;
  status: SymbolUser['status'];
  source: SymbolUser['source'];
  customFields: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  deactivatedAt: string | null;
  /** Merged with an existing user on approval (details in `GET …/users/{id}`). */
  merged: boolean;
}

export function symbolUserView(user: SymbolUser): SymbolUserView {
  return {
    id: user.id,
    email: user.email,
    givenName: user.givenName,
    surname: user.surname,
    displayName: user.displayName,
    jobTitle: user.jobTitle,
    department: user.department,
    entraObjectId: user.entraObjectId,
    status: user.status,
    source: user.source,
    customFields: user.customFields,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    deactivatedAt: user.deactivatedAt,
    merged: user.links.some((l) => l.merged && !l.undone),
  };
}

export interface MergeRecord {
  mergedAt: string;
  /** Who approved (a Symbol user's subject, or `auto-approval`). */
  by: string;
  entraObjectId: string;
  changed: Record<string, { before: string | null; after: string | null }>;
  undoableUntil: string;
}

export interface SymbolUserDetailView extends SymbolUserView {
  /** The latest merge of this user with a directory user, or null if it was never merged. */
  merge: MergeRecord | null;
}

/** The user's latest merge while it holds (an undone merge is history: the audit trail has it). */
export function mergeRecordOf(user: SymbolUser): MergeRecord | null {
  const link = latestMerge(user)?.link;
  if (!link || link.undone) return null;
  // Links recorded before values were kept name the fields only.
  const changed = Object.keys(link.changes).length > 0 ? link.changes : Object.fromEntries(link.changedFields.map((f) => [f, { before: null, after: null }]));
  return { mergedAt: link.at, by: link.by, entraObjectId: link.entraObjectId, changed, undoableUntil: mergeUndoableUntil(link) };
}

export function symbolUserDetailView(user: SymbolUser): SymbolUserDetailView {
  return { ...symbolUserView(user), merge: mergeRecordOf(user) };
}

/** One Symbol user, with its merge record; 404 when the company has no such user. */
export async function getSymbolUser(services: Pick<Services, 'symbolUsers'>, companyId: string, userId: string): Promise<SymbolUserDetailView> {
  const found = await services.symbolUsers.get(companyId, userId);
  if (!found) throw new AppError('not_found', 'No such user in this company.');
  return symbolUserDetailView(found.value);
}

export async function listSymbolUsers(services: Pick<Services, 'symbolUsers'>, companyId: string, query: { status: SymbolUser['status'] | null; limit: number; cursor: string | null }): Promise<Page<SymbolUserView>> {
  const page = await services.symbolUsers.list(companyId, query);
  return { items: page.items.map(symbolUserView), nextCursor: page.nextCursor };
}

export interface NewSymbolUser {
  email: string;
  givenName?: string | undefined;
  surname?: string | undefined;
  displayName?: string | undefined;
  jobTitle?: string | undefined;
  department?: string | undefined;
  source: 'manual' | 'csv';
  customFields?: Record<string, string> | undefined;
}

/** Adds a user by hand (as the admin UI or a CSV import does): the e-mail is unique per company. */
export async function addSymbolUser(services: Pick<Services, 'symbolUsers' | 'ids' | 'clock'>, companyId: string, input: NewSymbolUser): Promise<SymbolUserView> {
  const nowIso = services.clock.now().toISOString();
  const user: SymbolUser = {
    id: services.ids.uuid(),
    companyId,
    email: input.email,
    emailKey: input.email.toLowerCase(),
    givenName: input.givenName ?? null,
    surname: input.surname ?? null,
    displayName: input.displayName ?? ([input.givenName, input.surname].filter(Boolean).join(' ') || null),
    jobTitle: input.jobTitle ?? null,
    department: input.department ?? null,
    officeLocation: null,
    mobilePhone: null,
    country: null,
    city: null,
    employeeId: null,
    managerEntraId: null,
    entraObjectId: null,
    status: 'active',
    source: input.source,
    createdAt: nowIso,
    updatedAt: nowIso,
    deactivatedAt: null,
    customFields: input.customFields ?? {},
    links: [],
  };
  try {
    return symbolUserView((await services.symbolUsers.save(user, null)).value);
  } catch (error) {
    if (isAppError(error, 'conflict')) throw new AppError('conflict', 'A user with this e-mail address already exists in this company.', { errors: [{ field: 'email', message: 'is already used by another user' }] });
    throw error;
  }
}
