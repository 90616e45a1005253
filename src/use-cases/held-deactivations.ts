import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { auditEntry, integrationTarget, userActor } from '../domain/audit';
import { mailboxAddress } from '../domain/directory/classification';
import { RemovalReason } from '../domain/directory/directory-user';
import { displayNameOf } from '../domain/directory/review-keys';
import { Page } from '../ports/sync-run-store.port';
import { Principal } from '../ports/token-verifier.port';
import { recordAudit } from './audit-trail';
import { loadIntegration } from './integration-updates';
import { requestSync, RequestSyncResult } from './request-sync';

/** What the directory said about a user the deletion guard holds, in the admin's words. */
const REMOVAL_REASONS: Record<RemovalReason, string> = {
  deleted: 'Deleted from Entra ID for good.',
  soft_deleted: 'Deleted in Entra ID (in the recycle bin, restorable there for 30 days).',
  disabled: 'Sign-in was blocked in Entra ID (account disabled).',
  not_seen: 'Missing from a full read of the directory: removed while change tracking was being reset.',
  out_of_scope: "Left the company's sync scope (no longer in its groups or domains).",
};

export interface HeldDeactivationView {
  /** Entra object id. */
  id: string;
  displayName: string;
  email: string | null;
  /** The Symbol user that would be deactivated. */
  symbolUserId: string | null;
  reason: RemovalReason;
  reasonText: string;
  detectedAt: string;
  /** The sync run that saw the removal. */
  runId: string;
}

export interface HeldDeactivationsPage extends Page<HeldDeactivationView> {
  /** Why they are held: the company's deletion-guard settings and its last held run. */
  guard: { thresholdPercent: number; thresholdMinimum: number; heldRunId: string | null };
}

/**
 * Approved users whose deactivation waits: the removals a run saw but the deletion guard held (or
 * that a run in progress will settle when it ends). Release applies them all.
 */
export async function listHeldDeactivations(services: Pick<Services, 'directoryUsers' | 'integrations' | 'clock'>, companyId: string, options: { limit: number; cursor: string | null }): Promise<HeldDeactivationsPage> {
  const [page, { integration }] = await Promise.all([services.directoryUsers.listPendingRemovals(companyId, null, options), loadIntegration(services, companyId)]);
  const items = page.items.flatMap(({ value: r }) =>
    r.pendingRemoval
      ? [
          {
            id: r.id,
            displayName: displayNameOf(r.attributes),
            email: mailboxAddress(r.attributes),
            symbolUserId: r.symbolUserId,
            reason: r.pendingRemoval.reason,
            reasonText: REMOVAL_REASONS[r.pendingRemoval.reason],
            detectedAt: r.pendingRemoval.detectedAt,
            runId: r.pendingRemoval.runId,
          },
        ]
      : [],
  );
  const lastSync = integration.lastSync;
  return {
    items,
    nextCursor: page.nextCursor,
    guard: {
      thresholdPercent: integration.settings.deletionThresholdPercent,
      thresholdMinimum: integration.settings.deletionThresholdMinimum,
      heldRunId: lastSync?.status === 'held' ? lastSync.runId : null,
    },
  };
}

/** Held deactivations counted per page while recording a release. */
const COUNT_PAGE = 1000;

/**
 * The admin's answer to the deletion guard: a sync run on the company's session (never beside
 * another run) that applies every pending deactivation. The release is recorded in the audit
 * trail with how many were held; each deactivation the run then applies is recorded by the run.
 */
export async function releaseHeldDeactivations(
  services: Pick<Services, 'integrations' | 'clock' | 'ids' | 'syncRuns' | 'queue' | 'directoryUsers' | 'audit'>,
  companyId: string,
  principal: Principal,
  log: Logger,
): Promise<RequestSyncResult> {
  let held = 0;
  let cursor: string | null = null;
  do {
    const page = await services.directoryUsers.listPendingRemovals(companyId, null, { limit: COUNT_PAGE, cursor });
    held += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== null);
  const result = await requestSync(services, { companyId, full: false, trigger: 'manual', releaseHeld: true });
  const at = services.clock.now().toISOString();
  await recordAudit(services, [auditEntry({ companyId, at, actor: userActor(principal), action: 'held_release', target: integrationTarget(companyId), details: { runId: result.runId, held } })], log);
  return result;
}
