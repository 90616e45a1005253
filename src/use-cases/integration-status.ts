import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { auditEntry, integrationTarget, SettingChanges, settingsChanges, userActor } from '../domain/audit';
import { Integration } from '../domain/integration';
import { applySettingsPatch, IntegrationSettings, notificationRecipients, SettingsPatch } from '../domain/integration-settings';
import { UserCounts } from '../ports/user-counts.port';
import { Principal } from '../ports/token-verifier.port';
import { recordAudit } from './audit-trail';
import { loadIntegration, updateIntegration } from './integration-updates';

export interface IntegrationStatusView {
  companyId: string;
  status: Integration['status'];
  tenantId: string | null;
  connectedAt: string | null;
  connectedBy: { email: string | null } | null;
  /** The tenant's administrator who proved the tenant by signing in and granted consent. */
  consentedBy: Integration['consentedBy'];
  disconnectedAt: string | null;
  lastSync: Integration['lastSync'];
  /** Graph change-notification subscription; null until the first successful sync sets one up. */
  subscription: Integration['subscription'];
  /** Freshness: when the last successful sync finished (the data was confirmed against Entra ID then). */
  confirmedInSyncAt: string | null;
  counts: UserCounts;
  settings: IntegrationSettings;
  /** Who actually receives integration e-mails (the settings' list, or else the admin who connected). */
  notificationRecipients: string[];
}

export function statusView(integration: Integration, counts: UserCounts, confirmedInSyncAt: string | null = null): IntegrationStatusView {
  return {
    companyId: integration.companyId,
    status: integration.status,
    tenantId: integration.tenantId,
    connectedAt: integration.connectedAt,
    connectedBy: integration.connectedBy ? { email: integration.connectedBy.email } : null,
    consentedBy: integration.consentedBy,
    disconnectedAt: integration.disconnectedAt,
    lastSync: integration.lastSync,
    subscription: integration.subscription,
    confirmedInSyncAt,
    counts,
    settings: integration.settings,
    notificationRecipients: notificationRecipients(integration.settings, integration.connectedBy?.email ?? null),
  };
}

export async function getIntegrationStatus(services: Pick<Services, 'integrations' | 'clock' | 'userCounts' | 'syncRuns'>, companyId: string): Promise<IntegrationStatusView> {
  const [{ integration }, counts] = await Promise.all([loadIntegration(services, companyId), services.userCounts.countsFor(companyId)]);
  return statusView(integration, counts, await lastSucceededAt(services, integration));
}

/** Runs looked at for the last success when the latest one did not succeed. */
const RECENT_RUNS = 20;

async function lastSucceededAt(services: Pick<Services, 'syncRuns'>, integration: Integration): Promise<string | null> {
  const last = integration.lastSync;
  if (last === null) return null;
  if (last.status === 'succeeded') return last.finishedAt;
  const { items } = await services.syncRuns.list(integration.companyId, { limit: RECENT_RUNS, cursor: null });
  return items.find((run) => run.status === 'succeeded')?.finishedAt ?? null;
}

/**
 * Settings may be set before the first connection; they are kept across disconnects. A change is
 * recorded in the audit trail with every changed setting's value before and after (a patch that
 * changes nothing records nothing).
 */
export async function updateSettings(services: Pick<Services, 'integrations' | 'clock' | 'audit'>, companyId: string, patch: SettingsPatch, principal: Principal, log: Logger): Promise<IntegrationSettings> {
  const { integration, result } = await updateIntegration<{ at: string; changes: SettingChanges } | null>(services, companyId, (current, nowIso) => {
    const settings = applySettingsPatch(current.settings, patch);
    if (JSON.stringify(settings) === JSON.stringify(current.settings)) return { next: null, result: null };
    return { next: { ...current, settings, updatedAt: nowIso }, result: { at: nowIso, changes: settingsChanges(current.settings, settings) } };
  });
  if (result)
    await recordAudit(services, [auditEntry({ companyId, at: result.at, actor: userActor(principal), action: 'settings_change', target: integrationTarget(companyId), details: { changes: result.changes } })], log);
  return integration.settings;
}
