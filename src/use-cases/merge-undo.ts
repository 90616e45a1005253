import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { AppError, isAppError } from '../domain/app-error';
import { auditEntry, symbolUserTarget, userActor } from '../domain/audit';
import { DirectoryUserRecord } from '../domain/directory/directory-user';
import { MERGE_UNDO_DAYS, MergeUndo, undoMerge } from '../domain/symbol-user-merge';
import { Principal } from '../ports/token-verifier.port';
import { recordAudit } from './audit-trail';
import { SymbolUserDetailView, symbolUserDetailView } from './symbol-users';

type UndoServices = Pick<Services, 'symbolUsers' | 'directoryUsers' | 'clock' | 'audit'>;

const MAX_ATTEMPTS = 5;

/**
 * Undoes a Symbol user's latest merge with a directory user, within MERGE_UNDO_DAYS of it: the
 * directory user returns to pending, then the Symbol user gets back the fields the merge changed
 * (the snapshot kept in the merge's link) and loses the Entra link. Symbol's own data — the id,
 * `customFields` (training history), the source — is never touched.
 *
 * Two documents in two containers change, in this order, each on the etag it was read with:
 *
 * 1. the directory record (approved → pending): from then on no sync follows the Symbol user;
 * 2. the Symbol user (restored, link marked undone).
 *
 * A sync that read the record before step 1 and acts on the Symbol user afterwards finds it
 * either still linked (then step 2's etag no longer matches: read again, restore again) or no
 * longer linked to that directory user (then the sync leaves it alone, and its record write
 * fails on step 1's etag). A crash between the steps leaves a pending record and a linked user:
 * calling undo again finishes it. Calling it after it finished answers the user as it is.
 */
export async function undoMergeOfUser(services: UndoServices, companyId: string, userId: string, principal: Principal, log: Logger): Promise<SymbolUserDetailView> {
  for (let attempt = 1; ; attempt++) {
    const current = await services.symbolUsers.get(companyId, userId);
    if (!current) throw new AppError('not_found', 'No such user in this company.');
    const nowIso = services.clock.now().toISOString();
    let plan: MergeUndo = undoMerge(current.value, { nowIso, by: principal.subject });
    if (plan.kind === 'not_merged') throw new AppError('not_merged', 'This user was never merged with a directory user: there is nothing to undo.');
    if (plan.kind === 'already_undone') return symbolUserDetailView(current.value);
    if (plan.kind === 'expired') throw new AppError('undo_expired', `A merge can be undone for ${MERGE_UNDO_DAYS} days; this one could be undone until ${plan.undoableUntil}.`);

    // The address the user had before the merge may belong to another user by now.
    if (plan.user.emailKey !== current.value.emailKey) {
      const holders = await services.symbolUsers.findByEmailKeys(companyId, [plan.user.emailKey]);
      if (holders.some((h) => h.value.id !== userId)) {
        throw new AppError('conflict', 'The e-mail address this user had before the merge belongs to another user now. Change or remove that user first.', { errors: [{ field: 'email', message: 'is used by another user' }] });
      }
    }

    const entraObjectId = plan.link.entraObjectId;
    const record = (await services.directoryUsers.getMany(companyId, [entraObjectId])).get(entraObjectId);
    if (record && record.value.status === 'approved' && record.value.symbolUserId === userId) {
      const [written] = await services.directoryUsers.write(companyId, [{ op: 'put', record: backToPending(record.value), expected: record }]);
      if (!written?.ok) {
        if (attempt >= MAX_ATTEMPTS) throw changedMeanwhile();
        continue;
      }
    }

    let saved;
    try {
      saved = await services.symbolUsers.save(plan.user, current);
    } catch (error) {
      if (isAppError(error, 'precondition_failed') && attempt < MAX_ATTEMPTS) continue;
      if (!isAppError(error, 'conflict')) throw isAppError(error, 'precondition_failed') ? changedMeanwhile() : error;
      // The old address was taken between the check and the write: everything else is undone, the address stays.
      plan = undoMerge(current.value, { nowIso, by: principal.subject, keepEmail: true });
      if (plan.kind !== 'undone') throw changedMeanwhile();
      try {
        saved = await services.symbolUsers.save(plan.user, current);
      } catch (retryError) {
        if (isAppError(retryError, 'precondition_failed') && attempt < MAX_ATTEMPTS) continue;
        throw retryError;
      }
    }
    const pendingNow = (await services.directoryUsers.getMany(companyId, [entraObjectId])).get(entraObjectId)?.value.status === 'pending';
    await recordAudit(
      services,
      [
        auditEntry({
          companyId,
          at: nowIso,
          actor: userActor(principal),
          action: 'merge_undo',
          target: symbolUserTarget(saved.value),
          details: { entraObjectId, mergedAt: plan.link.at, restored: plan.restored, returnedToPending: pendingNow, emailKept: plan.emailKept },
        }),
      ],
      log,
    );
    log.info('users.merge_undone', { companyId, fields: Object.keys(plan.restored).length, returnedToPending: pendingNow, emailKept: plan.emailKept });
    return symbolUserDetailView(saved.value);
  }
}

/** The directory user as an entry waiting for approval again: no Symbol user, no decision, nothing to deactivate. */
function backToPending(record: DirectoryUserRecord): DirectoryUserRecord {
  return { ...record, status: 'pending', symbolUserId: null, decidedAt: null, decidedBy: null, deactivated: null, pendingRemoval: null };
}

function changedMeanwhile(): AppError {
  return new AppError('conflict', 'The user kept changing while the merge was undone (a sync was running). Try again.');
}
