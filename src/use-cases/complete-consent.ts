import { z } from 'zod';
import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { isAppError } from '../domain/app-error';
import { auditEntry, integrationTarget, userActor } from '../domain/audit';
import { GuidSchema } from '../domain/company-id';
import { adminConsentUrl, ConsentErrorCode, ConsentNonce, ConsentStatePayload, ConsentStep, holdsTenantAdminRole } from '../domain/consent';
import { awaitsFirstImport, connect, Integration } from '../domain/integration';
import { notificationRecipients } from '../domain/integration-settings';
import { IntegrationConnectedMessage, NotificationMessage } from '../domain/notification-message';
import { queuedRun } from '../domain/sync-run';
import { NOTIFICATIONS_QUEUE } from '../domain/sync-job';
import { VerifiedSignIn } from '../ports/entra-sign-in.port';
import { digestsEqual, MAX_STATE_LENGTH, shortDigest, signState, stateKeys, verifyState } from './consent-state';
import { consentRedirectUri } from './start-consent';
import { tenantCompanies } from './subscription-lookup';
import { enqueueSyncRun, lastSyncOf } from './enqueue-sync';
import { updateIntegration } from './integration-updates';
import { recordAudit } from './audit-trail';

/** Microsoft adds parameters of its own (trace ids, session_state, …): unknown ones are ignored, known ones bounded. */
export const ConsentCallbackQuerySchema = z.object({
  state: z.string().max(MAX_STATE_LENGTH).optional(),
  code: z.string().max(8192).optional(),
  admin_consent: z.string().max(16).optional(),
  tenant: z.string().max(64).optional(),
  scope: z.string().max(4096).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(4096).optional(),
});
export type ConsentCallbackQuery = z.infer<typeof ConsentCallbackQuerySchema>;

export interface ConsentCallbackInput {
  query: ConsentCallbackQuery;
  /** The browser's connect-flow cookies (name prefix BINDING_COOKIE_PREFIX). */
  bindingCookies: ReadonlyArray<{ name: string; value: string }>;
}

export type ConsentOutcome = (
  | { kind: 'connected' | 'unchanged'; companyId: string; runId: string | null }
  /** The sign-in proved a tenant admin: on to Microsoft's admin consent for that tenant. */
  | { kind: 'consent_required'; companyId: string }
  | { kind: 'error'; code: ConsentErrorCode; companyId: string | null }
) & {
  redirectTo: string;
  /** Binding cookies to clear: the flow is over. */
  clearCookies: string[];
};

export function consentResultUrl(adminUiUrl: string, companyId: string | null, result: { status: 'connected' } | { status: 'error'; code: ConsentErrorCode }): string {
  // Without a verified state the company is unknown: the admin UI's generic settings page gets the code.
  const path = companyId ? `/companies/${encodeURIComponent(companyId)}/settings/entra` : '/settings/entra';
  const query = result.status === 'connected' ? 'status=connected' : `status=error&code=${result.code}`;
  return `${adminUiUrl}${path}?${query}`;
}

type CallbackServices = Services;

/**
 * Microsoft's redirect, for both steps of the connect flow. Nothing is believed before the state
 * is verified (signature, expiry), its nonce consumed exactly once, and the browser shown to be
 * the one that started the flow. The sign-in step then proves the tenant and the admin's role;
 * the consent step connects the company to that tenant only.
 */
export async function completeConsent(services: CallbackServices, input: ConsentCallbackInput, log: Logger): Promise<ConsentOutcome> {
  const { config, clock, secrets, consentNonces } = services;
  const { query } = input;
  let step: ConsentStep | null = null;
  let clearCookies: string[] = [];
  const fail = (code: ConsentErrorCode, companyId: string | null, reason?: string): ConsentOutcome => {
    // Ids and codes only: never the tenant admin's name, a token or the state.
    log.warn('consent.rejected', { code, companyId, step, ...(reason ? { reason } : {}) });
    return { kind: 'error', code, companyId, redirectTo: consentResultUrl(config.adminUiUrl, companyId, { status: 'error', code }), clearCookies };
  };

  if (!query.state) return fail('invalid_state', null);
  const now = clock.now();
  const keys = await stateKeys(secrets);
  const verification = verifyState(query.state, keys.accepted, Math.floor(now.getTime() / 1000));
  if (!verification.ok) {
    if (verification.code === 'expired_state') {
      step = verification.payload.s;
      await consentNonces.consume(verification.payload.c, verification.payload.n);
      return fail('expired_state', verification.payload.c);
    }
    return fail('invalid_state', null);
  }
  const payload = verification.payload;
  const companyId = payload.c;
  step = payload.s;
  const cookie = input.bindingCookies.find((c) => digestsEqual(shortDigest(c.value), payload.b));
  if (cookie) clearCookies = [cookie.name];

  const record = await consentNonces.consume(companyId, payload.n);
  if (!record) return fail('replayed_state', companyId);
  if (Date.parse(record.expiresAt) <= now.getTime()) return fail('expired_state', companyId);
  if (record.step !== payload.s || !digestsEqual(record.browserHash, payload.b) || !digestsEqual(shortDigest(record.requestedBy.subject), payload.u)) {
    return fail('invalid_state', companyId, 'record_mismatch');
  }
  // A forwarded link: Microsoft's answer reached a browser that did not start this flow.
  if (!cookie) return fail('browser_mismatch', companyId);

  if (query.error !== undefined) {
    if (payload.s === 'consent') return fail(query.error === 'access_denied' ? 'consent_declined' : 'consent_failed', companyId, 'microsoft_error');
    return fail('sign_in_failed', companyId, 'microsoft_error');
  }
  return payload.s === 'signin' ? signedIn(services, { payload, record, code: query.code }, fail, log) : consented(services, { payload, record, query }, fail, clearCookies, log);
}

type Fail = (code: ConsentErrorCode, companyId: string | null, reason?: string) => ConsentOutcome;

/** Step 1: the admin signed in. Redeem the code, validate the id_token, check the role, then ask for consent. */
async function signedIn(services: CallbackServices, input: { payload: ConsentStatePayload; record: ConsentNonce; code: string | undefined }, fail: Fail, log: Logger): Promise<ConsentOutcome> {
  const { config, clock, ids, secrets, consentNonces, signIn } = services;
  const { payload, record } = input;
  const companyId = payload.c;
  if (!input.code) return fail('sign_in_failed', companyId, 'no_code');
  let verified: VerifiedSignIn;
  try {
    verified = await signIn.redeem({ code: input.code, codeVerifier: record.pkceVerifier, redirectUri: consentRedirectUri(config.publicBaseUrl), expectedNonce: record.oidcNonce });
  } catch (error) {
    if (isAppError(error, 'invalid_id_token')) return fail('invalid_id_token', companyId, String(error.meta.reason ?? 'unknown'));
    if (isAppError(error, 'sign_in_failed')) return fail('sign_in_failed', companyId, `aadsts_${String(error.meta.aadsts ?? 'none')}`);
    log.error('consent.sign_in_unavailable', { companyId, code: isAppError(error) ? error.code : 'internal_error', error: error instanceof Error ? error.message : 'unknown' });
    return fail('internal_error', companyId, 'sign_in_unavailable');
  }
  if (!holdsTenantAdminRole(verified.roleTemplateIds)) return fail('not_an_admin', companyId, `roles_${verified.roleTemplateIds.length}`);

  const now = clock.now();
  const next: ConsentNonce = {
    ...record,
    nonce: ids.token(24),
    step: 'consent',
    issuedAt: now.toISOString(),
    proven: { tenantId: verified.tenantId, objectId: verified.objectId, username: verified.username, signedInAt: now.toISOString() },
  };
  try {
    await consentNonces.put(next);
    const keys = await stateKeys(secrets);
    const state = signState({ ...payload, n: next.nonce, s: 'consent', t: verified.tenantId }, keys.current);
    log.info('consent.signed_in', { companyId, tenantId: verified.tenantId });
    return {
      kind: 'consent_required',
      companyId,
      redirectTo: adminConsentUrl({ loginBaseUrl: config.entra.loginBaseUrl, tenantId: verified.tenantId, clientId: config.entra.clientId, redirectUri: consentRedirectUri(config.publicBaseUrl), state }),
      clearCookies: [],
    };
  } catch (error) {
    log.error('consent.failed', { companyId, step: 'signin', code: isAppError(error) ? error.code : 'internal_error', error: error instanceof Error ? error.message : 'unknown' });
    return fail('internal_error', companyId);
  }
}

/** Step 2: Microsoft says consent was granted. Connect — to the proven tenant only. */
async function consented(
  services: CallbackServices,
  input: { payload: ConsentStatePayload; record: ConsentNonce; query: ConsentCallbackQuery },
  fail: Fail,
  clearCookies: string[],
  log: Logger,
): Promise<ConsentOutcome> {
  const { config } = services;
  const { payload, record, query } = input;
  const companyId = payload.c;
  const proven = record.proven;
  if (!proven || payload.t !== proven.tenantId) return fail('invalid_state', companyId, 'record_mismatch');
  const tenant = GuidSchema.safeParse(query.tenant);
  if (query.admin_consent?.toLowerCase() !== 'true' || !tenant.success) return fail('consent_failed', companyId, 'no_consent');
  if (tenant.data !== proven.tenantId) return fail('tenant_mismatch', companyId);

  try {
    const { integration, result } = await updateIntegration(services, companyId, (current, nowIso) => {
      const outcome = connect(current, {
        tenantId: proven.tenantId,
        admin: record.requestedBy,
        tenantAdmin: { objectId: proven.objectId, username: proven.username },
        nowIso,
        newConnectionId: services.ids.uuid(),
      });
      return { next: outcome.kind === 'connected' ? outcome.integration : null, result: outcome };
    });
    tenantCompanies(services.integrationLister).forget(proven.tenantId);
    const runId = await ensureInitialSync(services, integration);
    if (result.kind === 'connected') {
      log.info('consent.connected', { companyId, tenantId: proven.tenantId, replacedTenant: result.replacedTenantId !== null, runId });
      const details = { tenantId: proven.tenantId, previousTenantId: result.replacedTenantId, consentedBy: integration.consentedBy };
      await recordAudit(services, [auditEntry({ companyId, at: integration.connectedAt ?? services.clock.now().toISOString(), actor: userActor(record.requestedBy), action: 'connect', target: integrationTarget(companyId), details })], log);
      await sendConnectedEmail(services, integration, runId, log);
    } else {
      log.info('consent.unchanged', { companyId, runId });
    }
    return { kind: result.kind, companyId, runId, redirectTo: consentResultUrl(config.adminUiUrl, companyId, { status: 'connected' }), clearCookies };
  } catch (error) {
    log.error('consent.failed', { companyId, step: 'consent', code: isAppError(error) ? error.code : 'internal_error', error: error instanceof Error ? error.message : 'unknown' });
    return fail('internal_error', companyId);
  }
}

/**
 * Queues the first full import of a connection. Idempotent: a reconnection to the same tenant, or
 * a retry after a failed enqueue, re-sends the same queued run (a Service Bus duplicate) rather
 * than starting a second one.
 */
async function ensureInitialSync(services: Services, integration: Integration): Promise<string | null> {
  if (!integration.connectionId || awaitsFirstImport(integration)) return null;
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
