import { Services } from '../../app/services';
import { Logger } from '../../app/logger';
import { AuditEntry, auditEntry, directoryUserTarget, syncActor } from '../../domain/audit';
import { DirectoryUserRecord } from '../../domain/directory/directory-user';
import { applyRemoval, deletionGuardHolds } from '../../domain/directory/sync-diff';
import { Integration } from '../../domain/integration';
import { SyncCounts } from '../../domain/sync-run';
import { SyncRound } from '../../domain/sync-round';
import { DirectoryUserWrite } from '../../ports/directory-user-store.port';
import { Versioned } from '../../ports/integration-store.port';
import { recordAudit } from '../audit-trail';
import { setSymbolUserActive } from '../symbol-user-effects';

/**
 * The end of a round: users a full round did not return are gone (the sweep), and the removals
 * flagged on the way are applied — unless the deletion guard holds them for an admin.
 */

const SWEEP_PAGE = 200;
const REMOVALS_PAGE = 500;

export interface SweepResult {
  counts: Partial<SyncCounts>;
  flagged: number;
  /** False when the time budget ran out first (the next invocation sweeps on). */
  done: boolean;
}

/**
 * Pending and excluded entries the round did not see are deleted; approved users are flagged for
 * removal (deactivated at the end, through the deletion guard); the rest is marked seen.
 */
export async function sweepUnseen(
  services: Pick<Services, 'directoryUsers' | 'clock'>,
  companyId: string,
  round: SyncRound,
  outOfTime: () => boolean,
): Promise<SweepResult> {
  const result: SweepResult = { counts: {}, flagged: 0, done: false };
  for (;;) {
    if (outOfTime()) return result;
    // Always the first page: what was handled no longer matches, so the query shrinks as we go.
    const page = await services.directoryUsers.listNotSeenIn(companyId, round.roundId, {
      limit: SWEEP_PAGE,
      cursor: null,
    });
    const detectedAt = services.clock.now().toISOString();
    const writes = page.items.map(({ value, etag }) => sweepWrite(value, etag, round, detectedAt));
    if (writes.length > 0) {
      const outcomes = await services.directoryUsers.write(companyId, writes);
      const removed = outcomes.filter((o, i) => o.ok && writes[i]?.op === 'delete').length;
      result.counts.removed = (result.counts.removed ?? 0) + removed;
      result.flagged += writes.filter((w) => w.op === 'put').length;
    }
    if (page.items.length < SWEEP_PAGE) return { ...result, done: true };
  }
}

function sweepWrite(
  record: DirectoryUserRecord,
  etag: string,
  round: SyncRound,
  detectedAt: string,
): DirectoryUserWrite {
  if (record.status === 'pending' || record.status === 'excluded')
    return { op: 'delete', id: record.id, expectedEtag: etag };
  if (record.status === 'approved' && !record.deactivated && !record.pendingRemoval) {
    const pendingRemoval = { reason: 'not_seen' as const, runId: round.runId, detectedAt };
    return { op: 'put', record: { ...record, seenRound: round.roundId, pendingRemoval }, expectedEtag: etag };
  }
  return { op: 'mark_seen', id: record.id, roundId: round.roundId };
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
      { op: 'put', record: applied.record, expectedEtag: etag },
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
