import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { NOTIFICATIONS_ROUTE } from '../domain/graph-subscription';
import { acceptedEmpty, readNotificationBatch, validationHandshake } from '../http/graph-webhook';
import { acceptChangeNotifications } from '../use-cases/accept-change-notifications';

/**
 * Microsoft Graph's change notifications (anonymous: each item is verified by its clientState).
 * Answers 202 fast — verification and one coalesced job per company, never a sync inline.
 */
export const graphNotifications = defineHttpFunction({
  name: 'graph-notifications',
  methods: ['POST'],
  route: NOTIFICATIONS_ROUTE,
  handler: async (request, context, services) => {
    const handshake = validationHandshake(request);
    if (handshake) return handshake;
    const batch = await readNotificationBatch(request);
    await acceptChangeNotifications(services, batch.value, contextLogger(context));
    return acceptedEmpty();
  },
});
