import { createHash } from 'node:crypto';
import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { isAppError } from '../domain/app-error';
import { awaitsFirstImport, Integration } from '../domain/integration';
import { reconcileMode, spreadOffsetMs, syncUnderway } from '../domain/reconciliation';
import { mapWithConcurrency } from '../shared/bounded-concurrency';
import { enqueueDerivedSync } from './webhook-sync-jobs';

/**
 * The reconciliation timer (the safety net under webhooks, which can be late, duplicated or
 * lost): a sync for every connected company — a full round when its last one is older than
 * SYNC_FULL_ROUND_DAYS, a delta otherwise — each scheduled at its own offset within
 * SYNC_RECONCILE_SPREAD_SECONDS so thousands of companies do not hit Graph in the same second.
 * A company whose sync is already on its way is skipped. Message ids are per company and
 * ten-minute slot, so a timer that fires twice queues nothing twice.
 */

export interface ReconcileSummary {
  scanned: number;
  queued: number;
  full: number;
  skipped: number;
  failed: number;
  invalid: number;
}

const SLOT_MS = 10 * 60 * 1000;

type ReconcileServices = Pick<Services, 'integrationLister' | 'syncState' | 'queue' | 'clock' | 'config'>;

export async function reconcileSyncs(services: ReconcileServices, log: Logger, options: { concurrency?: number; pageSize?: number } = {}): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { scanned: 0, queued: 0, full: 0, skipped: 0, failed: 0, invalid: 0 };
  const nowMs = services.clock.now().getTime();
  const slot = Math.floor(nowMs / SLOT_MS);
  const onInvalid = () => {
    summary.invalid++;
  };
  for await (const page of services.integrationLister.connected(options.pageSize ?? 100, onInvalid)) {
    await mapWithConcurrency(page, options.concurrency ?? 8, async (integration) => {
      summary.scanned++;
      try {
        const mode = await reconcileOne(services, integration, nowMs, slot);
        if (mode === null) summary.skipped++;
        else {
          summary.queued++;
          if (mode === 'full') summary.full++;
        }
      } catch (error) {
        summary.failed++;
        log.error('sync.reconcile_failed', { companyId: integration.companyId, code: isAppError(error) ? error.code : 'internal_error' });
      }
    });
  }
  log.info('sync.reconcile_done', { ...summary });
  return summary;
}

async function reconcileOne(services: ReconcileServices, integration: Integration, nowMs: number, slot: number): Promise<'full' | 'delta' | null> {
  if (!integration.connectionId || syncUnderway(integration.lastSync, nowMs) || awaitsFirstImport(integration)) return null;
  const state = await services.syncState.get(integration.companyId);
  const mode = reconcileMode(state?.value ?? null, integration.connectionId, nowMs, services.config.reconcile.fullRoundDays);
  const messageId = `reconcile:${integration.companyId}:${slot}`;
  const offset = spreadOffsetMs(createHash('sha256').update(messageId).digest().readUIntBE(0, 6), services.config.reconcile.spreadSeconds * 1000);
  await enqueueDerivedSync(services, {
    companyId: integration.companyId,
    connectionId: integration.connectionId,
    mode,
    trigger: 'schedule',
    messageId,
    runPrefix: 'rc',
    ...(offset > 0 ? { scheduledEnqueueTime: new Date(nowMs + offset) } : {}),
  });
  return mode;
}
