import { defineWebhookFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { NOTIFICATIONS_ROUTE } from '../domain/graph-subscription';
import { acceptedEmpty, readNotificationBatch, validationHandshake } from '../http/graph-webhook';
import { acceptChangeNotifications } from '../use-cases/accept-change-notifications';

/**
 * Microsoft Graph's change notifications (anonymous: each item is verified by its clientState).
 * The validation handshake is answered before any service is resolved; notifications need only
 * the webhook's light services. Answers 202 fast — verification (a bounded number of store reads)
 * and one coalesced job per company, never a sync inline.
 */
export const graphNotifications = defineWebhookFunction({
  name: 'graph-notifications',
  route: NOTIFICATIONS_ROUTE,
  preflight: validationHandshake,
  handler: async (request, context, services) => {
    const batch = await readNotificationBatch(request);
    await acceptChangeNotifications(services, batch.value, contextLogger(context));
    return acceptedEmpty();
  },
});
