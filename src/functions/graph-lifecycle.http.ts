import { defineHttpFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { LIFECYCLE_ROUTE } from '../domain/graph-subscription';
import { acceptedEmpty, readNotificationBatch, validationHandshake } from '../http/graph-webhook';
import { handleLifecycleNotifications } from '../use-cases/handle-lifecycle-notifications';

/** Microsoft Graph's lifecycle notifications (reauthorizationRequired, subscriptionRemoved, missed). */
export const graphLifecycle = defineHttpFunction({
  name: 'graph-lifecycle',
  methods: ['POST'],
  route: LIFECYCLE_ROUTE,
  handler: async (request, context, services) => {
    const handshake = validationHandshake(request);
    if (handshake) return handshake;
    const batch = await readNotificationBatch(request);
    await handleLifecycleNotifications(services, batch.value, contextLogger(context));
    return acceptedEmpty();
  },
});
