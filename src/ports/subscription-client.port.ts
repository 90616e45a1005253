/**
 * Microsoft Graph change-notification subscriptions, per customer tenant, as the webhooks need
 * them. Errors are AppErrors with these codes (mapped like the DirectoryClient's):
 * - `not_found`: the subscription does not exist (deleted, expired, or removed by Graph);
 * - `conflict`: Graph refused a duplicate subscription (same resource, changeType and URL);
 * - `consent_revoked`: the app may no longer act on the tenant (AADSTS errors at token time,
 *   401/403 from Graph);
 * - `subscription_rejected`: Graph refused the request itself (e.g. the validation handshake to
 *   the notification URL failed, or the tenant's subscription limit is reached);
 * - `directory_throttled`, `dependency_unavailable`, `directory_invalid_response`: as for delta.
 */

export interface NewSubscription {
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  /** A per-subscription secret Graph echoes in every notification (≤ 128 characters). */
  clientState: string;
  expirationDateTime: string;
}

export interface SubscriptionInfo {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
}

export interface SubscriptionClient {
  create(tenantId: string, subscription: NewSubscription): Promise<SubscriptionInfo>;
  /** PATCHes `expirationDateTime`; `not_found` when the subscription is gone. */
  renew(tenantId: string, subscriptionId: string, expirationDateTime: string): Promise<SubscriptionInfo>;
  /** `POST /subscriptions/{id}/reauthorize` (after a `reauthorizationRequired` lifecycle event). */
  reauthorize(tenantId: string, subscriptionId: string): Promise<void>;
  /** `not_found` when it does not exist (callers that only want it gone tolerate that). */
  delete(tenantId: string, subscriptionId: string): Promise<void>;
  /** Null when it does not exist. */
  get(tenantId: string, subscriptionId: string): Promise<SubscriptionInfo | null>;
  /** The app's subscriptions in the tenant (at most 100 per app per tenant). */
  list(tenantId: string): Promise<SubscriptionInfo[]>;
}
