import { Services } from '../app/services';
import { isAppError } from '../domain/app-error';
import { addressesOf } from '../domain/directory/classification';
import { DirectoryAttributes } from '../domain/directory/directory-user';
import { SymbolUser } from '../domain/symbol-user';
import { followDirectory, setActive, symbolUserFromDirectory } from '../domain/symbol-user-merge';
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
  | { kind: 'approved'; symbolUserId: string; merged: boolean }
  /** Several Symbol users share the directory user's addresses: an admin must choose. */
  | { kind: 'ambiguous'; candidateIds: string[] }
  /** The directory user has no mailbox address, so it cannot be a Symbol user. */
  | { kind: 'no_mailbox' };

/** The id a directory user gets when it becomes a new Symbol user: stable, so retries converge. */
export function symbolUserIdFor(entraObjectId: string): string {
  return `entra-${entraObjectId}`;
}

export async function approveIntoSymbol(services: Deps, input: { companyId: string; entraObjectId: string; attributes: DirectoryAttributes; nowIso: string }): Promise<ApproveOutcome> {
  for (let attempt = 1; ; attempt++) {
    const candidates = await services.symbolUsers.findByEmailKeys(input.companyId, addressesOf(input.attributes));
    const linked = candidates.find((c) => c.value.entraObjectId === input.entraObjectId) ?? (await services.symbolUsers.get(input.companyId, symbolUserIdFor(input.entraObjectId)));
    const target: Versioned<SymbolUser> | null | 'ambiguous' = linked ?? pickMergeTarget(candidates, input.entraObjectId);
    if (target === 'ambiguous') return { kind: 'ambiguous', candidateIds: candidates.map((c) => c.value.id).sort() };
    try {
      if (target) {
        const followed = followDirectory(target.value, input.entraObjectId, input.attributes, input.nowIso).user;
        const next = setActive(followed, true, input.nowIso);
        if (next !== target.value) await services.symbolUsers.save(next, target.etag);
        return { kind: 'approved', symbolUserId: target.value.id, merged: target.value.source !== 'entra' || target.value.id !== symbolUserIdFor(input.entraObjectId) };
      }
      const created = symbolUserFromDirectory({ id: symbolUserIdFor(input.entraObjectId), companyId: input.companyId, entraObjectId: input.entraObjectId, attributes: input.attributes, nowIso: input.nowIso });
      if (!created) return { kind: 'no_mailbox' };
      await services.symbolUsers.save(created, null);
      return { kind: 'approved', symbolUserId: created.id, merged: false };
    } catch (error) {
      // Someone created or changed a matching user meanwhile: look again.
      const raced = isAppError(error, 'conflict') || isAppError(error, 'precondition_failed');
      if (!raced || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

function pickMergeTarget(candidates: Array<Versioned<SymbolUser>>, entraObjectId: string): Versioned<SymbolUser> | null | 'ambiguous' {
  // A user already linked to another Entra user is never taken over.
  const free = candidates.filter((c) => c.value.entraObjectId === null || c.value.entraObjectId === entraObjectId);
  if (free.length === 0) return null;
  if (free.length > 1) return 'ambiguous';
  return free[0] ?? null;
}

/** Makes a linked Symbol user follow its directory details (rename included). Missing user → false. */
export async function followOnSymbolUser(services: Deps, input: { companyId: string; symbolUserId: string; entraObjectId: string; attributes: DirectoryAttributes; nowIso: string; active?: boolean }): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const current = await services.symbolUsers.get(input.companyId, input.symbolUserId);
    if (!current) return false;
    let next = followDirectory(current.value, input.entraObjectId, input.attributes, input.nowIso).user;
    if (input.active !== undefined) next = setActive(next, input.active, input.nowIso);
    if (next === current.value) return true;
    try {
      await services.symbolUsers.save(next, current.etag);
      return true;
    } catch (error) {
      if (isAppError(error, 'conflict')) {
        // The new address already belongs to another Symbol user: keep the old one, follow the rest.
        const withoutEmail = { ...next, email: current.value.email, emailKey: current.value.emailKey };
        await services.symbolUsers.save(withoutEmail, current.etag);
        return true;
      }
      if (!isAppError(error, 'precondition_failed') || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** Deactivates (history kept) or reactivates a Symbol user. Missing user → false. */
export async function setSymbolUserActive(services: Deps, input: { companyId: string; symbolUserId: string; active: boolean; nowIso: string }): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const current = await services.symbolUsers.get(input.companyId, input.symbolUserId);
    if (!current) return false;
    const next = setActive(current.value, input.active, input.nowIso);
    if (next === current.value) return true;
    try {
      await services.symbolUsers.save(next, current.etag);
      return true;
    } catch (error) {
      if (!isAppError(error, 'precondition_failed') || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
