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
  // The handshake needs no service at all (Graph gives it 10 s, a cold start must not eat them).
  preflight: validationHandshake,
  handler: async (request, context, services) => {
    const batch = await readNotificationBatch(request);
    await handleLifecycleNotifications(services, batch.value, contextLogger(context));
    return acceptedEmpty();
  },
});
