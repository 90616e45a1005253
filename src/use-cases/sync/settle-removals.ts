import { Services } from '../../app/services';
import { Logger } from '../../app/logger';
import { AuditEntry, auditEntry, directoryUserTarget, syncActor } from '../../domain/audit';
import { AppError } from '../../domain/app-error';
import { DirectoryUserRecord } from '../../domain/directory/directory-user';
import { applyRemoval, deletionGuardHolds } from '../../domain/directory/sync-diff';
import { Integration } from '../../domain/integration';
import { SyncCounts } from '../../domain/sync-run';
import { unseenCategory } from '../../domain/sync-preview';
import { SyncRound } from '../../domain/sync-round';
import { DirectoryUserWrite, MAX_DIRECTORY_USER_PAGE_SIZE } from '../../ports/directory-user-store.port';
import { Versioned } from '../../ports/integration-store.port';
import { recordAudit } from '../audit-trail';
import { setSymbolUserActive } from '../symbol-user-effects';

/**
 * The end of a round: users a full round did not return are gone (the sweep), and the removals
 * flagged on the way are applied — unless the deletion guard holds them for an admin.
 */

/** Stored ids compared per query page (ids only: a page of 1,000 is a few tens of KB). */
const SWEEP_PAGE = MAX_DIRECTORY_USER_PAGE_SIZE;
const REMOVALS_PAGE = 500;
/** Reads and decides again of users someone changed meanwhile, before the sweep gives up (and is retried). */
const MAX_CONFLICT_ROUNDS = 3;

export interface SweepResult {
  counts: Partial<SyncCounts>;
  flagged: number;
  /** False when the time budget ran out first (the next invocation sweeps on, after `sweptThrough`). */
  done: boolean;
  /** The last id handled: the next invocation resumes after it. */
  sweptThrough: string | null;
}

/**
 * The stored records a full round did not see: the ids it saw (kept in chunks as it went) against
 * the ids stored, in id order, page by page. Pending and excluded entries it did not see are
 * deleted; approved users are flagged for removal (deactivated at the end, through the deletion
 * guard); the rest (denied, already deactivated or flagged) stays as it is. Writes only for what
 * goes, never one per user seen. Memory: the round's seen ids (about 90 bytes per user).
 */
export async function sweepUnseen(
  services: Pick<Services, 'directoryUsers' | 'roundSeen' | 'clock'>,
  companyId: string,
  round: SyncRound,
  outOfTime: () => boolean,
): Promise<SweepResult> {
  const result: SweepResult = { counts: {}, flagged: 0, done: false, sweptThrough: round.sweptThrough };
  if (outOfTime()) return result;
  const seen = await services.roundSeen.load(companyId, round.roundId, round.seenChunks);
  let cursor: string | null = null;
  do {
    if (outOfTime()) return result;
    // One query in id order, paged by its continuation; a resumed sweep starts after the last id it handled.
    const page = await services.directoryUsers.listIds(companyId, {
      after: round.sweptThrough,
      limit: SWEEP_PAGE,
      cursor,
    });
    // Users someone changed meanwhile (an admin deciding) are read and decided again, a few times at most.
    let unseen = page.items.filter((id) => !seen.has(id));
    for (let attempt = 1; attempt <= MAX_CONFLICT_ROUNDS && unseen.length > 0; attempt++) {
      const stored = await services.directoryUsers.getMany(companyId, unseen);
      const detectedAt = services.clock.now().toISOString();
      const writes = [...stored.values()].flatMap((version) => sweepWrite(version, round, detectedAt));
      const outcomes = writes.length > 0 ? await services.directoryUsers.write(companyId, writes) : [];
      const applied = (op: DirectoryUserWrite['op']) => outcomes.filter((o, i) => o.ok && writes[i]?.op === op).length;
      result.counts.removed = (result.counts.removed ?? 0) + applied('delete');
      result.flagged += applied('put');
      unseen = outcomes.filter((o) => !o.ok).map((o) => o.id);
    }
    if (unseen.length > 0)
      throw new AppError(
        'dependency_unavailable',
        `${unseen.length} users kept changing during the sweep; it will be retried.`,
      );
    result.sweptThrough = page.items.at(-1) ?? result.sweptThrough;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { ...result, done: true };
}

function sweepWrite(
  version: Versioned<DirectoryUserRecord>,
  round: SyncRound,
  detectedAt: string,
): DirectoryUserWrite[] {
  const record = version.value;
  // Seen after all: written by this round (a full round's writes carry its id), or marked seen by
  // the version before seen-id chunks existed, in a round that was in progress when it was replaced.
  if (record.seenRound === round.roundId) return [];
  // The same rule a preview's sweep reports (domain/sync-preview.ts).
  const category = unseenCategory(record);
  if (category === 'removed') return [{ op: 'delete', expected: version }];
  if (category === 'deactivated' && !record.pendingRemoval) {
    const pendingRemoval = { reason: 'not_seen' as const, runId: round.runId, detectedAt };
    return [{ op: 'put', record: { ...record, pendingRemoval }, expected: version }];
  }
  return [];
}

export interface Settlement {
  counts: Partial<SyncCounts>;
  /** Deactivations the deletion guard holds (0 when applied or when there were none). */
  held: number;
  /** The guard's base: approved users whose Symbol user is active. */
  activeSynced: number;
}

export const NOTHING_TO_SETTLE: Settlement = { counts: {}, held: 0, activeSynced: 0 };

/**
 * Applies the company's pending removals, unless the deletion guard holds them (and the admin did
 * not release them). Each deactivation is recorded in the audit trail (one write at the end).
 */
export async function settleRemovals(
  services: Pick<Services, 'directoryUsers' | 'symbolUsers' | 'clock' | 'audit'>,
  integration: Integration,
  run: { runId: string; released: boolean },
  log: Logger,
): Promise<Settlement> {
  const { released } = run;
  const { companyId } = integration;
  const pending = await allPendingRemovals(services, companyId);
  if (pending.length === 0) return NOTHING_TO_SETTLE;
  const activeSynced = await services.directoryUsers.countActiveApproved(companyId);
  if (!released && deletionGuardHolds(pending.length, activeSynced, integration.settings)) {
    return { counts: { held: pending.length }, held: pending.length, activeSynced };
  }
  let deactivated = 0;
  const audit: AuditEntry[] = [];
  for (const { value: record, etag } of pending) {
    const nowIso = services.clock.now().toISOString();
    const applied = applyRemoval(record, nowIso);
    const symbolUserId = applied.deactivateSymbolUserId;
    const effect = symbolUserId
      ? await setSymbolUserActive(services, {
          companyId,
          symbolUserId,
          entraObjectId: record.id,
          active: false,
          nowIso,
        })
      : 'missing';
    const [outcome] = await services.directoryUsers.write(companyId, [
      { op: 'put', record: applied.record, expected: { value: record, etag } },
    ]);
    if (!outcome?.ok) continue;
    deactivated++;
    if (symbolUserId && effect === 'done')
      audit.push(
        auditEntry({
          companyId,
          at: nowIso,
          actor: syncActor(run.runId),
          action: 'deactivate',
          target: { ...directoryUserTarget(record), type: 'symbol_user', id: symbolUserId },
          details: { entraObjectId: record.id, reason: applied.record.deactivated?.reason ?? 'not_seen', released },
        }),
      );
  }
  await recordAudit(services, audit, log);
  return { counts: { deactivated }, held: 0, activeSynced };
}

async function allPendingRemovals(
  services: Pick<Services, 'directoryUsers'>,
  companyId: string,
): Promise<Array<Versioned<DirectoryUserRecord>>> {
  const pending: Array<Versioned<DirectoryUserRecord>> = [];
  let cursor: string | null = null;
  do {
    const page = await services.directoryUsers.listPendingRemovals(companyId, null, { limit: REMOVALS_PAGE, cursor });
    pending.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return pending;
}
