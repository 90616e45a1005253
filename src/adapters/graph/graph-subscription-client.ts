import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import type { NewSubscription, SubscriptionClient, SubscriptionInfo } from '../../ports/subscription-client.port';
import { parseJson } from '../../shared/json';
import { answerFailure, type GraphAnswer } from './graph-errors';
import type { GraphRequest, GraphTransport } from './graph-transport';

/**
 * Graph `/subscriptions` over the same transport as the delta reads: token failures, retries of
 * 429/503/504 and timeouts behave exactly as for delta pages, and statuses map to the port's
 * error codes through the same mapping (graph-errors.ts), with the subscription-specific cases.
 */

const SubscriptionSchema = z.object({
  id: z.string().min(1).max(128),
  resource: z.string().max(2048),
  changeType: z.string().max(256),
  notificationUrl: z.string().max(2048),
  lifecycleNotificationUrl: z.string().max(2048).nullable().optional(),
  expirationDateTime: z.string().max(64),
});
const SubscriptionListSchema = z.object({ value: z.array(SubscriptionSchema) });

export class GraphSubscriptionClient implements SubscriptionClient {
  constructor(private readonly graph: GraphTransport) {}

  private send(tenantId: string, request: Omit<GraphRequest, 'url'> & { path: string }): Promise<GraphAnswer> {
    return this.graph.send(tenantId, {
      method: request.method,
      url: this.graph.url(request.path),
      body: request.body,
      operation: request.operation,
    });
  }

  private failure(answer: GraphAnswer, what: string): AppError {
    return failure(answer, what, this.graph.clock.now().getTime());
  }

  async create(tenantId: string, subscription: NewSubscription): Promise<SubscriptionInfo> {
    const answer = await this.send(tenantId, {
      method: 'POST',
      path: '/subscriptions',
      body: subscription,
      operation: 'subscription.create',
    });
    if (answer.status !== 201 && answer.status !== 200) throw this.failure(answer, 'create a subscription');
    return parseSubscription(answer.text);
  }

  async renew(tenantId: string, subscriptionId: string, expirationDateTime: string): Promise<SubscriptionInfo> {
    const answer = await this.send(tenantId, {
      method: 'PATCH',
      path: `/subscriptions/${encodeURIComponent(subscriptionId)}`,
      body: { expirationDateTime },
      operation: 'subscription.renew',
    });
    if (answer.status !== 200) throw this.failure(answer, 'renew a subscription');
    return parseSubscription(answer.text);
  }

  async reauthorize(tenantId: string, subscriptionId: string): Promise<void> {
    const answer = await this.send(tenantId, {
      method: 'POST',
      path: `/subscriptions/${encodeURIComponent(subscriptionId)}/reauthorize`,
      operation: 'subscription.reauthorize',
    });
    if (answer.status < 200 || answer.status >= 300) throw this.failure(answer, 'reauthorize a subscription');
  }

  async delete(tenantId: string, subscriptionId: string): Promise<void> {
    const answer = await this.send(tenantId, {
      method: 'DELETE',
      path: `/subscriptions/${encodeURIComponent(subscriptionId)}`,
      operation: 'subscription.delete',
    });
    if (answer.status < 200 || answer.status >= 300) throw this.failure(answer, 'delete a subscription');
  }

  async get(tenantId: string, subscriptionId: string): Promise<SubscriptionInfo | null> {
    const answer = await this.send(tenantId, {
      method: 'GET',
      path: `/subscriptions/${encodeURIComponent(subscriptionId)}`,
      operation: 'subscription.get',
    });
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw this.failure(answer, 'read a subscription');
    return parseSubscription(answer.text);
  }

  async list(tenantId: string): Promise<SubscriptionInfo[]> {
    const answer = await this.send(tenantId, { method: 'GET', path: '/subscriptions', operation: 'subscription.list' });
    if (answer.status !== 200) throw this.failure(answer, 'list subscriptions');
    const parsed = SubscriptionListSchema.safeParse(parseJson(answer.text));
    if (!parsed.success)
      throw new AppError('directory_invalid_response', 'Graph answered with a body that is not a subscription list.');
    return parsed.data.value.map(toInfo);
  }
}

function parseSubscription(text: string): SubscriptionInfo {
  const parsed = SubscriptionSchema.safeParse(parseJson(text));
  if (!parsed.success)
    throw new AppError('directory_invalid_response', 'Graph answered with a body that is not a subscription.');
  return toInfo(parsed.data);
}

function toInfo(s: z.infer<typeof SubscriptionSchema>): SubscriptionInfo {
  return {
    id: s.id,
    resource: s.resource,
    changeType: s.changeType,
    notificationUrl: s.notificationUrl,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
    expirationDateTime: s.expirationDateTime,
  };
}

/** Maps a non-success answer to the port's error codes (messages carry no user data). */
export function failure(answer: GraphAnswer, what: string, nowMs: number): AppError {
  return answerFailure(answer, {
    what,
    nowMs,
    clientError: 'subscription_rejected',
    byStatus: { 404: 'not_found', 409: 'conflict' },
    // A 403 for reaching the per-tenant subscription limit is not a consent problem.
    special: (status, graphCode, graphMessage) =>
      status === 403 && /limit/i.test(graphMessage)
        ? new AppError(
            'subscription_rejected',
            `Graph could not ${what}: the tenant's subscription limit is reached (${status}${graphCode ? ` ${graphCode}` : ''}).`,
            { meta: { status, graphCode } },
          )
        : null,
  });
}
