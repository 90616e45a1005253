import { z } from 'zod';
import { CompanyIdSchema } from './company-id';
import { DEFAULT_SETTINGS, IntegrationSettingsSchema } from './integration-settings';
import { SubscriptionSummarySchema } from './graph-subscription';

export const IntegrationStatusSchema = z.enum(['not_connected', 'connected', 'consent_revoked', 'error', 'disconnected']);
export type IntegrationStatus = z.infer<typeof IntegrationStatusSchema>;

export const AdminIdentitySchema = z
  .object({
    /** The admin's subject (`sub`) in Symbol's identity provider. */
    subject: z.string().min(1).max(256),
    email: z.email().max(254).nullable(),
  })
  .strict();
export type AdminIdentity = z.infer<typeof AdminIdentitySchema>;

const IsoDateSchema = z.iso.datetime({ offset: true });

/** The tenant's administrator who signed in and granted consent (from the validated id_token). */
export const TenantAdminSchema = z
  .object({
    objectId: z.string().min(1).max(64),
    username: z.string().min(1).max(256).nullable(),
  })
  .strict();
export type TenantAdmin = z.infer<typeof TenantAdminSchema>;

export const LastSyncSchema = z
  .object({
    runId: z.string().min(1).max(128),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'held']),
    trigger: z.string().min(1).max(32),
    mode: z.enum(['full', 'delta']),
    queuedAt: IsoDateSchema,
    finishedAt: IsoDateSchema.nullable(),
  })
  .strict();
export type LastSync = z.infer<typeof LastSyncSchema>;

export const IntegrationSchema = z
  .object({
    companyId: CompanyIdSchema,
    status: IntegrationStatusSchema,
    tenantId: z.string().nullable(),
    /**
     * Changes whenever the company is connected to a (different) tenant. Jobs carry it, so work
     * queued for an earlier connection is recognised as stale and dropped.
     */
    connectionId: z.string().nullable(),
    connectedAt: IsoDateSchema.nullable(),
    connectedBy: AdminIdentitySchema.nullable(),
    /** Who proved the tenant: the Entra admin who signed in and consented (older documents: null). */
    consentedBy: TenantAdminSchema.nullable().default(null),
    disconnectedAt: IsoDateSchema.nullable(),
    settings: IntegrationSettingsSchema,
    lastSync: LastSyncSchema.nullable(),
    /** The Graph change-notification subscription (null until the first successful sync makes one). */
    subscription: SubscriptionSummarySchema.nullable().default(null),
    createdAt: IsoDateSchema,
    updatedAt: IsoDateSchema,
  })
  .strict();
export type Integration = z.infer<typeof IntegrationSchema>;

/** The state of a company that has never been connected. Not stored until something changes. */
export function newIntegration(companyId: string, nowIso: string): Integration {
  return {
    companyId,
    status: 'not_connected',
    tenantId: null,
    connectionId: null,
    connectedAt: null,
    connectedBy: null,
    consentedBy: null,
    disconnectedAt: null,
    settings: DEFAULT_SETTINGS,
    lastSync: null,
    subscription: null,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
}

export type ConnectOutcome =
  /** First connection, a reconnection after disconnect/revocation, or a switch to another tenant. */
  | { kind: 'connected'; integration: Integration; replacedTenantId: string | null }
  /** The company is already connected to this very tenant: nothing changes. */
  | { kind: 'unchanged'; integration: Integration };

/**
 * Decides what a successful admin consent does to a company's integration. Pure: the caller
 * supplies the time and a fresh connection id.
 */
export function connect(
  current: Integration,
  input: { tenantId: string; admin: AdminIdentity; tenantAdmin?: TenantAdmin; nowIso: string; newConnectionId: string },
): ConnectOutcome {
  if (current.status === 'connected' && current.tenantId === input.tenantId) {
    return { kind: 'unchanged', integration: current };
  }
  const sameTenant = current.tenantId === input.tenantId;
  const integration: Integration = {
    ...current,
    status: 'connected',
    tenantId: input.tenantId,
    // Same tenant after a disconnect or revoked consent: the directory data still belongs to it.
    connectionId: sameTenant && current.connectionId ? current.connectionId : input.newConnectionId,
    connectedAt: input.nowIso,
    connectedBy: input.admin,
    consentedBy: input.tenantAdmin ?? null,
    disconnectedAt: null,
    // A (re)connection always starts with a fresh full import, queued right after this write.
    lastSync: null,
    updatedAt: input.nowIso,
  };
  return { kind: 'connected', integration, replacedTenantId: current.tenantId !== null && !sameTenant ? current.tenantId : null };
}

export function disconnect(current: Integration, nowIso: string): Integration {
  if (current.status === 'not_connected' || current.status === 'disconnected') return current;
  return { ...current, status: 'disconnected', disconnectedAt: nowIso, updatedAt: nowIso };
}

export function isLive(integration: Integration): boolean {
  return integration.status === 'connected';
}

/**
 * Connected with `importOnConnect` off and never synced: only an admin starts the first import
 * (Sync Now); previews may run before it. Timers and webhooks leave such a company alone.
 */
export function awaitsFirstImport(integration: Integration): boolean {
  return integration.lastSync === null && !integration.settings.importOnConnect;
}
