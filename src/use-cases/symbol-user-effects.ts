import { Services } from '../app/services';
import { isAppError } from '../domain/app-error';
import { addressesOf } from '../domain/directory/classification';
import { DirectoryAttributes } from '../domain/directory/directory-user';
import { FieldChanges } from '../domain/audit';
import { SymbolUser, SymbolUserLink } from '../domain/symbol-user';
import { followDirectory, mergeLink, setActive, symbolUserFromDirectory } from '../domain/symbol-user-merge';
import { matchSymbolUser } from '../domain/symbol-user-matching';
import { Versioned } from '../ports/integration-store.port';

/**
 * The Symbol-user side of the directory: approving (create, or merge with an existing user found
 * by e-mail), following directory changes, activating and deactivating. Every operation is
 * idempotent (deterministic ids, read-modify-write on etags), so a redelivered sync job or a
 * repeated approval never makes a second user.
 */

type Deps = Pick<Services, 'symbolUsers'>;

const MAX_ATTEMPTS = 5;

export type ApproveOutcome =
  /** `mergedNow`: this call merged the directory user into an existing Symbol user (the user after it, and what changed). */
  | { kind: 'approved'; symbolUserId: string; merged: boolean; mergedNow: { user: SymbolUser; changes: FieldChanges } | null }
  /** Several Symbol users share the directory user's addresses: an admin must choose. */
  | { kind: 'ambiguous'; candidateIds: string[] }
  /** The directory user has no mailbox address, so it cannot be a Symbol user. */
  | { kind: 'no_mailbox' }
  /** Its address belongs to a Symbol user already linked to another Entra user. */
  | { kind: 'email_taken' };

/** The id a directory user gets when it becomes a new Symbol user: stable, so retries converge. */
export function symbolUserIdFor(entraObjectId: string): string {
  return `entra-${entraObjectId}`;
}

/**
 * Adds an approved directory user to the Symbol user list: the user already linked to it, else
 * the one Symbol user that has one of its addresses (merge: keeps id, status history and
 * custom data, takes the directory's details, records who/when/what changed), else a new user.
 */
export async function approveIntoSymbol(
  services: Deps,
  input: { companyId: string; entraObjectId: string; attributes: DirectoryAttributes; nowIso: string; by: string },
  /** Candidates already looked up for many approvals at once (one query instead of one per user); used for the first attempt only. */
  prefetched?: ReadonlyArray<Versioned<SymbolUser>>,
): Promise<ApproveOutcome> {
  let createConflicted = false;
  for (let attempt = 1; ; attempt++) {
    const candidates = attempt === 1 && prefetched ? [...prefetched] : await services.symbolUsers.findByEmailKeys(input.companyId, addressesOf(input.attributes));
    const own = await services.symbolUsers.get(input.companyId, symbolUserIdFor(input.entraObjectId));
    const all = own && !candidates.some((c) => c.value.id === own.value.id) ? [...candidates, own] : candidates;
    const match = matchSymbolUser(input.entraObjectId, input.attributes, all.map((c) => c.value));
    if (match.kind === 'ambiguous') return { kind: 'ambiguous', candidateIds: match.userIds };
    const target: Versioned<SymbolUser> | null = match.kind === 'none' ? null : (all.find((c) => c.value.id === match.userId) ?? null);
    try {
      if (target) {
        const merged = target.value.source !== 'entra' || target.value.id !== symbolUserIdFor(input.entraObjectId);
        const alreadyLinked = target.value.entraObjectId === input.entraObjectId;
        const followed = followDirectory(target.value, input.entraObjectId, input.attributes, input.nowIso);
        let next = setActive(followed.user, true, input.nowIso);
        let link: SymbolUserLink | null = null;
        if (!alreadyLinked) {
          // The link keeps who, when, what changed and (for a merge) the user as it was: enough to undo it.
          link = mergeLink(target.value, next, { entraObjectId: input.entraObjectId, nowIso: input.nowIso, by: input.by, merged });
          next = { ...next, links: [...target.value.links, link].slice(-20), updatedAt: input.nowIso };
        }
        if (next !== target.value) await services.symbolUsers.save(next, target);
        return { kind: 'approved', symbolUserId: target.value.id, merged, mergedNow: link?.merged ? { user: next, changes: link.changes } : null };
      }
      if (createConflicted) return { kind: 'email_taken' };
      const created = symbolUserFromDirectory({ id: symbolUserIdFor(input.entraObjectId), companyId: input.companyId, entraObjectId: input.entraObjectId, attributes: input.attributes, nowIso: input.nowIso, by: input.by });
      if (!created) return { kind: 'no_mailbox' };
      await services.symbolUsers.save(created, null);
      return { kind: 'approved', symbolUserId: created.id, merged: false, mergedNow: null };
    } catch (error) {
      // Someone created or changed a matching user meanwhile: look again. A create that conflicts
      // twice means the address is held by a user linked elsewhere.
      const raced = isAppError(error, 'conflict') || isAppError(error, 'precondition_failed');
      if (!raced || attempt >= MAX_ATTEMPTS) throw error;
      if (isAppError(error, 'conflict') && !target) createConflicted = true;
    }
  }
}

/**
 * What happened to the Symbol user: changed (or already as asked), gone, or no longer linked to
 * this directory user (an admin undid the merge after the sync had read the directory record).
 */
export type SymbolUserEffect = 'done' | 'missing' | 'unlinked';

/** Makes a linked Symbol user follow its directory details (rename included); a user no longer linked to it is left alone. */
export async function followOnSymbolUser(services: Deps, input: { companyId: string; symbolUserId: string; entraObjectId: string; attributes: DirectoryAttributes; nowIso: string; active?: boolean }): Promise<SymbolUserEffect> {
  for (let attempt = 1; ; attempt++) {
    const current = await services.symbolUsers.get(input.companyId, input.symbolUserId);
    if (!current) return 'missing';
    if (current.value.entraObjectId !== input.entraObjectId) return 'unlinked';
    let next = followDirectory(current.value, input.entraObjectId, input.attributes, input.nowIso).user;
    if (input.active !== undefined) next = setActive(next, input.active, input.nowIso);
    if (next === current.value) return 'done';
    try {
      await services.symbolUsers.save(next, current);
      return 'done';
    } catch (error) {
      if (isAppError(error, 'conflict')) {
        // The new address already belongs to another Symbol user: keep the old one, follow the rest.
        const withoutEmail = { ...next, email: current.value.email, emailKey: current.value.emailKey };
        await services.symbolUsers.save(withoutEmail, current);
        return 'done';
      }
      if (!isAppError(error, 'precondition_failed') || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** Deactivates (history kept) or reactivates the Symbol user linked to a directory user; one no longer linked to it is left alone. */
export async function setSymbolUserActive(services: Deps, input: { companyId: string; symbolUserId: string; entraObjectId: string; active: boolean; nowIso: string }): Promise<SymbolUserEffect> {
  for (let attempt = 1; ; attempt++) {
    const current = await services.symbolUsers.get(input.companyId, input.symbolUserId);
    if (!current) return 'missing';
    if (current.value.entraObjectId !== input.entraObjectId) return 'unlinked';
    const next = setActive(current.value, input.active, input.nowIso);
    if (next === current.value) return 'done';
    try {
      await services.symbolUsers.save(next, current);
      return 'done';
    } catch (error) {
      if (!isAppError(error, 'precondition_failed') || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
