import { z } from 'zod';
import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { isAppError } from '../domain/app-error';
import { GuidSchema } from '../domain/company-id';
import { connect, Integration } from '../domain/integration';
import { notificationRecipients } from '../domain/integration-settings';
import { IntegrationConnectedMessage, NotificationMessage } from '../domain/notification-message';
import { queuedRun } from '../domain/sync-run';
import { NOTIFICATIONS_QUEUE } from '../domain/sync-job';
import { MAX_STATE_LENGTH, verifyState } from './consent-state';
import { enqueueSyncRun, lastSyncOf } from './enqueue-sync';
import { updateIntegration } from './integration-updates';

/** Microsoft adds parameters of its own (trace ids, …): unknown ones are ignored, known ones bounded. */
export const ConsentCallbackQuerySchema = z.object({
  state: z.string().max(MAX_STATE_LENGTH).optional(),
  admin_consent: z.string().max(16).optional(),
  tenant: z.string().max(64).optional(),
  scope: z.string().max(4096).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(4096).optional(),
});
export type ConsentCallbackQuery = z.infer<typeof ConsentCallbackQuerySchema>;

export type ConsentErrorCode = 'invalid_state' | 'expired_state' | 'replayed_state' | 'consent_declined' | 'consent_failed' | 'internal_error';

export type ConsentOutcome =
  | { kind: 'connected' | 'unchanged'; companyId: string; redirectTo: string; runId: string | null }
  | { kind: 'error'; code: ConsentErrorCode; companyId: string | null; redirectTo: string };

export function consentResultUrl(adminUiUrl: string, companyId: string | null, result: { status: 'connected' } | { status: 'error'; code: ConsentErrorCode }): string {
  // Without a verified state the company is unknown: the admin UI's generic settings page gets the code.
  const path = companyId ? `/companies/${encodeURIComponent(companyId)}/settings/entra` : '/settings/entra';
  const query = result.status === 'connected' ? 'status=connected' : `status=error&code=${result.code}`;
  return `${adminUiUrl}${path}?${query}`;
}

/**
 * Microsoft's redirect after the admin-consent page. The state is verified (signature, expiry)
 * and its nonce consumed exactly once before anything else is believed; only then is the
 * tenant recorded for that company and the first full import queued.
 */
export async function completeConsent(services: Services, query: ConsentCallbackQuery, log: Logger): Promise<ConsentOutcome> {
  const { config, clock, secrets, consentNonces } = services;
  const fail = (code: ConsentErrorCode, companyId: string | null): ConsentOutcome => {
    log.warn('consent.rejected', { code, companyId });
    return { kind: 'error', code, companyId, redirectTo: consentResultUrl(config.adminUiUrl, companyId, { status: 'error', code }) };
  };

  if (!query.state) return fail('invalid_state', null);
  const now = clock.now();
  const verification = verifyState(query.state, await secrets.get('state-signing-key'), Math.floor(now.getTime() / 1000));
  if (!verification.ok) {
    if (verification.code === 'expired_state') {
      await consentNonces.consume(verification.payload.c, verification.payload.n);
      return fail('expired_state', verification.payload.c);
    }
    return fail('invalid_state', null);
  }
  const companyId = verification.payload.c;
  const nonce = await consentNonces.consume(companyId, verification.payload.n);
  if (!nonce) return fail('replayed_state', companyId);
  if (Date.parse(nonce.expiresAt) <= now.getTime()) return fail('expired_state', companyId);

  if (query.error !== undefined) return fail(query.error === 'access_denied' ? 'consent_declined' : 'consent_failed', companyId);
  const tenant = GuidSchema.safeParse(query.tenant);
  if (query.admin_consent?.toLowerCase() !== 'true' || !tenant.success) return fail('consent_failed', companyId);

  try {
    const { integration, result } = await updateIntegration(services, companyId, (current, nowIso) => {
      const outcome = connect(current, { tenantId: tenant.data, admin: nonce.requestedBy, nowIso, newConnectionId: services.ids.uuid() });
      return { next: outcome.kind === 'connected' ? outcome.integration : null, result: outcome };
    });
    const runId = await ensureInitialSync(services, integration);
    if (result.kind === 'connected') {
      log.info('consent.connected', { companyId, replacedTenant: result.replacedTenantId !== null, runId });
      await sendConnectedEmail(services, integration, runId, log);
    } else {
      log.info('consent.unchanged', { companyId, runId });
    }
    return { kind: result.kind, companyId, runId, redirectTo: consentResultUrl(config.adminUiUrl, companyId, { status: 'connected' }) };
  } catch (error) {
    log.error('consent.failed', { companyId, code: isAppError(error) ? error.code : 'internal_error', error: error instanceof Error ? error.message : 'unknown' });
    return fail('internal_error', companyId);
  }
}

/**
 * Queues the first full import of a connection. Idempotent: a reconnection to the same tenant, or
 * a retry after a failed enqueue, re-sends the same queued run (a Service Bus duplicate) rather
 * than starting a second one.
 */
async function ensureInitialSync(services: Services, integration: Integration): Promise<string | null> {
  if (!integration.connectionId) return null;
  const existing = integration.lastSync;
  if (existing && existing.status !== 'queued') return null;
  const run = existing
    ? (await services.syncRuns.get(integration.companyId, existing.runId)) ??
      queuedRun({ runId: existing.runId, companyId: integration.companyId, connectionId: integration.connectionId, trigger: 'connect', mode: existing.mode, nowIso: existing.queuedAt })
    : queuedRun({ runId: services.ids.uuid(), companyId: integration.companyId, connectionId: integration.connectionId, trigger: 'connect', mode: 'full', nowIso: services.clock.now().toISOString() });
  if (!existing) {
    const connectionId = integration.connectionId;
    await updateIntegration(services, integration.companyId, (current, nowIso) => {
      // Only the connection we just made, and only if nobody queued a run for it meanwhile.
      if (current.connectionId !== connectionId || current.lastSync !== null) return { next: null, result: undefined };
      return { next: { ...current, lastSync: lastSyncOf(run), updatedAt: nowIso }, result: undefined };
    });
  }
  await enqueueSyncRun(services, run);
  return run.runId;
}

async function sendConnectedEmail(services: Services, integration: Integration, runId: string | null, log: Logger): Promise<void> {
  const to = notificationRecipients(integration.settings, integration.connectedBy?.email ?? null);
  if (to.length === 0 || !integration.tenantId || !integration.connectedAt) {
    log.warn('consent.no_recipient', { companyId: integration.companyId });
    return;
  }
  const message: IntegrationConnectedMessage = {
    kind: 'integration-connected',
    version: 1,
    companyId: integration.companyId,
    to,
    tenantId: integration.tenantId,
    connectedAt: integration.connectedAt,
  };
  try {
    await services.queue.send(NOTIFICATIONS_QUEUE, { messageId: `connected:${integration.connectionId ?? ''}:${runId ?? integration.connectedAt}`, body: message satisfies NotificationMessage, subject: message.kind });
  } catch (error) {
    // The connection stands even if the confirmation cannot be queued; the admin UI shows it.
    log.error('consent.email_not_queued', { companyId: integration.companyId, error: error instanceof Error ? error.message : 'unknown' });
  }
}
