import { Services } from '../app/services';
import { Logger } from '../app/logger';
import { auditEntry, integrationTarget, SettingChanges, settingsChanges, userActor } from '../domain/audit';
import { Integration } from '../domain/integration';
import { sameScope } from '../domain/directory/group-scope-state';
import { isScoped } from '../domain/directory/scope';
import { SyncState } from '../domain/sync-state';
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
  /** The sync scope as it stands: which groups (by name), which domains, and whether it is in effect. */
  scope: ScopeStatus;
}

export interface ScopeStatus {
  groups: Array<{ id: string; displayName: string | null }>;
  domains: string[];
  /**
   * `everyone`: no scope. `applied`: every stored decision reflects it. `pending`: set or changed
   * since the last sync, which applies it. `groups_unreadable`: the tenant's consent lacks
   * GroupMember.Read.All, so group memberships cannot be read (nobody is moved, new users are not
   * added) until a tenant admin connects again and consents.
   */
  state: 'everyone' | 'applied' | 'pending' | 'groups_unreadable';
  /** Groups nested too deep to follow (beyond 50 tracked groups): their members count as outside. */
  untrackedGroups: number;
}

export function scopeStatus(settings: IntegrationSettings, state: Pick<SyncState, 'groups' | 'scopeApplied'> | null): ScopeStatus {
  const scope = settings.scope;
  const groups = state?.groups ?? null;
  const names = groups?.names ?? {};
  const view = { groups: scope.groups.map((id) => ({ id, displayName: names[id] ?? null })), domains: scope.domains, untrackedGroups: groups?.untracked ?? 0 };
  if (!isScoped(scope)) return { ...view, state: 'everyone' };
  if (scope.groups.length > 0 && groups?.readable === false) return { ...view, state: 'groups_unreadable' };
  return { ...view, state: sameScope(state?.scopeApplied ?? null, scope) ? 'applied' : 'pending' };
}

export function statusView(integration: Integration, counts: UserCounts, confirmedInSyncAt: string | null = null, syncState: Pick<SyncState, 'groups' | 'scopeApplied'> | null = null): IntegrationStatusView {
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
    scope: scopeStatus(integration.settings, syncState),
  };
}

export async function getIntegrationStatus(services: Pick<Services, 'integrations' | 'clock' | 'userCounts' | 'syncRuns' | 'syncState'>, companyId: string): Promise<IntegrationStatusView> {
  const [{ integration }, counts, state] = await Promise.all([loadIntegration(services, companyId), services.userCounts.countsFor(companyId), services.syncState.get(companyId)]);
  return statusView(integration, counts, await lastSucceededAt(services, integration), state?.value ?? null);
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
