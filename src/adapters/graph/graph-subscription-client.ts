import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import type { NewSubscription, SubscriptionClient, SubscriptionInfo } from '../../ports/subscription-client.port';
import type { GraphAnswer, GraphCall } from './graph-directory-client';

/**
 * Graph `/subscriptions` through the same per-tenant Graph client and credential as the delta
 * reads (GraphDirectoryClient.send): token failures, retries of 429/503/504 and timeouts behave
 * exactly as for delta pages. Statuses are mapped here, in one place, to the port's error codes.
 */

/** What the subscription client needs from the Graph transport (GraphDirectoryClient provides it). */
export interface GraphTransport {
  send(tenantId: string, request: GraphCall): Promise<GraphAnswer>;
}

const SubscriptionSchema = z.object({
  id: z.string().min(1).max(128),
  resource: z.string().max(2048),
  changeType: z.string().max(256),
  notificationUrl: z.string().max(2048),
  lifecycleNotificationUrl: z.string().max(2048).nullable().optional(),
  expirationDateTime: z.string().max(64),
});
const SubscriptionListSchema = z.object({ value: z.array(SubscriptionSchema) });
const GraphErrorBodySchema = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }) });

const THROTTLED = new Set([429, 503, 504]);

export class GraphSubscriptionClient implements SubscriptionClient {
  constructor(private readonly graph: GraphTransport) {}

  async create(tenantId: string, subscription: NewSubscription): Promise<SubscriptionInfo> {
    const answer = await this.graph.send(tenantId, { method: 'POST', path: '/subscriptions', body: subscription, operation: 'subscription.create' });
    if (answer.status !== 201 && answer.status !== 200) throw failure(answer, 'create a subscription');
    return parseSubscription(answer.text);
  }

  async renew(tenantId: string, subscriptionId: string, expirationDateTime: string): Promise<SubscriptionInfo> {
    const answer = await this.graph.send(tenantId, { method: 'PATCH', path: `/subscriptions/${encodeURIComponent(subscriptionId)}`, body: { expirationDateTime }, operation: 'subscription.renew' });
    if (answer.status !== 200) throw failure(answer, 'renew a subscription');
    return parseSubscription(answer.text);
  }

  async reauthorize(tenantId: string, subscriptionId: string): Promise<void> {
    const answer = await this.graph.send(tenantId, { method: 'POST', path: `/subscriptions/${encodeURIComponent(subscriptionId)}/reauthorize`, operation: 'subscription.reauthorize' });
    if (answer.status < 200 || answer.status >= 300) throw failure(answer, 'reauthorize a subscription');
  }

  async delete(tenantId: string, subscriptionId: string): Promise<void> {
    const answer = await this.graph.send(tenantId, { method: 'DELETE', path: `/subscriptions/${encodeURIComponent(subscriptionId)}`, operation: 'subscription.delete' });
    if (answer.status < 200 || answer.status >= 300) throw failure(answer, 'delete a subscription');
  }

  async get(tenantId: string, subscriptionId: string): Promise<SubscriptionInfo | null> {
    const answer = await this.graph.send(tenantId, { method: 'GET', path: `/subscriptions/${encodeURIComponent(subscriptionId)}`, operation: 'subscription.get' });
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw failure(answer, 'read a subscription');
    return parseSubscription(answer.text);
  }

  async list(tenantId: string): Promise<SubscriptionInfo[]> {
    const answer = await this.graph.send(tenantId, { method: 'GET', path: '/subscriptions', operation: 'subscription.list' });
    if (answer.status !== 200) throw failure(answer, 'list subscriptions');
    const parsed = SubscriptionListSchema.safeParse(parseJson(answer.text));
    if (!parsed.success) throw new AppError('directory_invalid_response', 'Graph answered with a body that is not a subscription list.');
    return parsed.data.value.map(toInfo);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseSubscription(text: string): SubscriptionInfo {
  const parsed = SubscriptionSchema.safeParse(parseJson(text));
  if (!parsed.success) throw new AppError('directory_invalid_response', 'Graph answered with a body that is not a subscription.');
  return toInfo(parsed.data);
}

function toInfo(s: z.infer<typeof SubscriptionSchema>): SubscriptionInfo {
  return { id: s.id, resource: s.resource, changeType: s.changeType, notificationUrl: s.notificationUrl, lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null, expirationDateTime: s.expirationDateTime };
}

/** Maps a non-success answer to the port's error codes (messages carry no user data). */
export function failure(answer: GraphAnswer, what: string): AppError {
  const { status } = answer;
  const body = GraphErrorBodySchema.safeParse(parseJson(answer.text));
  const graphCode = body.success ? (body.data.error.code ?? null) : null;
  const graphMessage = body.success ? (body.data.error.message ?? '') : '';
  const meta = { status, graphCode };
  const label = `${status}${graphCode ? ` ${graphCode}` : ''}`;
  if (status === 404) return new AppError('not_found', `Graph could not ${what}: the subscription does not exist (${label}).`, { meta });
  if (status === 409) return new AppError('conflict', `Graph could not ${what}: a subscription like it already exists (${label}).`, { meta });
  // A 403 for reaching the per-tenant subscription limit is not a consent problem.
  if (status === 403 && /limit/i.test(graphMessage)) return new AppError('subscription_rejected', `Graph could not ${what}: the tenant's subscription limit is reached (${label}).`, { meta });
  if (status === 401 || status === 403) return new AppError('consent_revoked', `Graph refused the app's access to the tenant (${label}).`, { meta });
  if (THROTTLED.has(status)) {
    const retryAfter = answer.headers.get('retry-after');
    const retryAfterSeconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) : null;
    return new AppError('directory_throttled', `Graph is throttling or unavailable (${status}) after the client's retries.`, { meta: { ...meta, retryAfterSeconds } });
  }
  if (status >= 500) return new AppError('dependency_unavailable', `Graph answered ${status}.`, { meta });
  // 400 and other 4xx: Graph refused the request itself (e.g. the notification URL failed validation).
  return new AppError('subscription_rejected', `Graph could not ${what} (${label}).`, { meta });
}
