import { z } from 'zod';
import { GuidSchema } from './company-id';

/**
 * Microsoft Graph change-notification subscriptions on a customer tenant's `/users`: what we ask
 * Graph for, what we keep about each subscription, and the pure rules around them (expiry,
 * renewal, the coalescing window of webhook-triggered syncs).
 */

export const SUBSCRIPTION_RESOURCE = '/users';
/** Users support only these two; creation and soft deletion arrive as `updated`. */
export const SUBSCRIPTION_CHANGE_TYPE = 'updated,deleted';
/** Graph's maximum lifetime of a `/users` subscription (just under 29 days). */
export const MAX_SUBSCRIPTION_MINUTES = 41_760;
/** What we ask for: a minute under the maximum, so clock skew never makes Graph refuse it. */
export const SUBSCRIPTION_LIFETIME_MINUTES = 41_700;
/** The renewal timer renews subscriptions that expire within this long. */
export const RENEW_WITHIN_MS = 48 * 60 * 60 * 1000;
/** Routes under `/api` where Graph delivers (the same on every instance and in `npm start`). */
export const NOTIFICATIONS_ROUTE = 'graph/notifications';
export const LIFECYCLE_ROUTE = 'graph/lifecycle';
/** Graph's own limit on clientState. */
export const MAX_CLIENT_STATE_LENGTH = 128;

const IsoDate = z.iso.datetime({ offset: true });
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest');

/** The summary kept on the integration and shown in `GET …/entra`. */
export const SubscriptionSummarySchema = z
  .object({
    id: z.string().min(1).max(128),
    expiresAt: IsoDate,
    /** When a verified notification last arrived (updated at most about once a minute). */
    lastNotificationAt: IsoDate.nullable(),
  })
  .strict();
export type SubscriptionSummary = z.infer<typeof SubscriptionSummarySchema>;

/**
 * One document per subscription (container `graph-subscriptions`, partitioned by its own id), so
 * the webhook maps a notification to its tenant with a point read. Subscriptions belong to a
 * tenant, not a company: one tenant, however many Symbol companies are connected to it, has one
 * `/users` subscription, and each notification fans out to every company connected to that
 * tenant. The clientState itself is never stored: only its SHA-256, compared in constant time.
 */
export const SubscriptionRecordSchema = z
  .object({
    subscriptionId: GuidSchema,
    tenantId: GuidSchema,
    clientStateHash: Sha256Hex,
    expiresAt: IsoDate,
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .strict();
export type SubscriptionRecord = z.infer<typeof SubscriptionRecordSchema>;

export function subscriptionUrls(notificationUrlBase: string): { notificationUrl: string; lifecycleNotificationUrl: string } {
  const base = notificationUrlBase.replace(/\/+$/, '');
  return { notificationUrl: `${base}/api/${NOTIFICATIONS_ROUTE}`, lifecycleNotificationUrl: `${base}/api/${LIFECYCLE_ROUTE}` };
}

/** The expiration to ask for when creating or renewing at `nowMs`. */
export function subscriptionExpiry(nowMs: number): string {
  return new Date(nowMs + SUBSCRIPTION_LIFETIME_MINUTES * 60_000).toISOString();
}

export function needsRenewal(expiresAtIso: string, nowMs: number, withinMs: number = RENEW_WITHIN_MS): boolean {
  const at = Date.parse(expiresAtIso);
  return Number.isNaN(at) || at - nowMs <= withinMs;
}

/**
 * Webhook-triggered syncs are coalesced per company per window: every notification in window
 * `bucket` maps to the same message id (a Service Bus duplicate after the first), and the job is
 * scheduled for the end of the window, so it runs after every notification of the window arrived
 * and a change reported late in the window is never swallowed by a job that already ran.
 */
export function coalescingWindow(nowMs: number, windowSeconds: number): { bucket: number; dueAt: Date } {
  const windowMs = windowSeconds * 1000;
  const bucket = Math.floor(nowMs / windowMs);
  return { bucket, dueAt: new Date((bucket + 1) * windowMs) };
}

// ---- Graph's payloads --------------------------------------------------------------------------

/**
 * One item of a change-notification or lifecycle POST. Graph adds properties over time, so
 * unknown ones are dropped, not refused; the ones we act on are bounded.
 */
export const GraphNotificationItemSchema = z.object({
  subscriptionId: z.string().min(1).max(128),
  /** Null or missing when the subscription has none (ours always do): such an item is not ours. */
  clientState: z.string().max(1024).nullable().optional(),
  tenantId: z.string().max(64).optional(),
  changeType: z.string().max(64).optional(),
  resource: z.string().max(2048).optional(),
  subscriptionExpirationDateTime: z.string().max(64).optional(),
  /** Lifecycle notifications only: `reauthorizationRequired`, `subscriptionRemoved`, `missed`. */
  lifecycleEvent: z.string().max(64).optional(),
});
export type GraphNotificationItem = z.infer<typeof GraphNotificationItemSchema>;

/**
 * Items accepted in one POST. Graph batches several notifications (possibly of several
 * subscriptions, even tenants) in one POST, far fewer than this; a bigger body is not Graph's.
 */
export const MAX_NOTIFICATION_ITEMS = 1000;

export const GraphNotificationBatchSchema = z.object({
  value: z.array(GraphNotificationItemSchema).min(1).max(MAX_NOTIFICATION_ITEMS),
});
export type GraphNotificationBatch = z.infer<typeof GraphNotificationBatchSchema>;

export const LIFECYCLE_EVENTS = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

export function lifecycleEventOf(value: string | undefined): LifecycleEvent | null {
  return (LIFECYCLE_EVENTS as readonly string[]).includes(value ?? '') ? (value as LifecycleEvent) : null;
}

/**
 * Why an item was not acted on (counted and logged, never answered differently):
 * - `malformed_ids`: its subscription or tenant id is not GUID-shaped (no lookup is spent on it);
 * - `lookup_budget`: the request already spent its lookups on unknown subscriptions (an anonymous
 *   flood costs a bounded number of store reads per request);
 * - `unknown_subscription`, `bad_client_state`, `tenant_mismatch`: looked up, and not ours.
 */
export const IGNORED_REASONS = ['malformed_ids', 'lookup_budget', 'unknown_subscription', 'bad_client_state', 'tenant_mismatch'] as const;
export type IgnoredReason = (typeof IGNORED_REASONS)[number];

export function noneIgnored(): Record<IgnoredReason, number> {
  return { malformed_ids: 0, lookup_budget: 0, unknown_subscription: 0, bad_client_state: 0, tenant_mismatch: 0 };
}

const GUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuidShaped(value: string | undefined): value is string {
  return value !== undefined && GUID_SHAPE.test(value);
}
