import { createHash } from 'node:crypto';
import { silentLogger } from '../../src/app/logger';
import { connect, newIntegration } from '../../src/domain/integration';
import { ensureSubscription } from '../../src/use-cases/ensure-subscription';
import { request, TestHarness } from './test-services';

export const TENANT_A = '0f8fad5b-d9cb-469f-a165-70867728950e';
export const TENANT_B = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** A tenant of its own per company (unless a test shares one on purpose). */
export function tenantFor(companyId: string): string {
  const hex = createHash('sha256').update(companyId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface Subscribed {
  companyId: string;
  tenantId: string;
  connectionId: string;
  subscriptionId: string;
  /** What Graph echoes in every notification (the fake Graph keeps it; we store only its hash). */
  clientState: string;
}

/** Connects a company (as the consent callback would) and lets the worker's step ensure its tenant's subscription. */
export async function connectWithSubscription(
  h: TestHarness,
  companyId: string,
  tenantId = tenantFor(companyId),
  email: string | null = `admin@${companyId}.example`,
): Promise<Subscribed> {
  const nowIso = h.clock.now().toISOString();
  const outcome = connect(newIntegration(companyId, nowIso), {
    tenantId,
    admin: { subject: `admin-${companyId}`, email },
    nowIso,
    newConnectionId: `conn-${companyId}`,
  });
  await h.integrations.save(outcome.integration, null);
  const result = await ensureSubscription(h.services, companyId, silentLogger);
  // The tenant's subscription: made now, or made earlier for another company of the tenant.
  if (result !== 'created' && result !== 'attached')
    throw new Error(`expected the tenant's subscription, got ${result}`);
  const subscriptionId = (await h.integrations.get(companyId))?.value.subscription?.id ?? '';
  return {
    companyId,
    tenantId,
    connectionId: `conn-${companyId}`,
    subscriptionId,
    clientState: h.subscriptions.clientStateOf(subscriptionId),
  };
}

/** One change notification as Graph sends it for a user. */
export function change(s: Subscribed, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subscriptionId: s.subscriptionId,
    subscriptionExpirationDateTime: '2030-01-01T00:00:00.0000000Z',
    changeType: 'updated',
    resource: 'Users/6b0a0c8e-0000-4000-8000-000000000001',
    resourceData: {
      '@odata.type': '#Microsoft.Graph.User',
      '@odata.id': 'Users/6b0a0c8e-0000-4000-8000-000000000001',
      id: '6b0a0c8e-0000-4000-8000-000000000001',
      organizationId: s.tenantId,
    },
    clientState: s.clientState,
    tenantId: s.tenantId,
    ...overrides,
  };
}

export function lifecycle(
  s: Subscribed,
  event: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    subscriptionId: s.subscriptionId,
    subscriptionExpirationDateTime: '2030-01-01T00:00:00Z',
    tenantId: s.tenantId,
    clientState: s.clientState,
    lifecycleEvent: event,
    ...overrides,
  };
}

export function webhookPost(route: 'notifications' | 'lifecycle', body: string, headers: Record<string, string> = {}) {
  return request({
    method: 'POST',
    path: `graph/${route}`,
    body,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

export function handshake(route: 'notifications' | 'lifecycle', encodedToken: string) {
  return request({
    method: 'POST',
    path: `graph/${route}?validationToken=${encodedToken}`,
    body: '',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}
