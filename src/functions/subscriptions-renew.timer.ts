import { defineTimerFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { renewSubscriptions } from '../use-cases/renew-subscriptions';

/** Hourly (at :17, away from the top of the hour): renew Graph subscriptions expiring within 48 h. */
export const subscriptionsRenew = defineTimerFunction({
  name: 'subscriptions-renew',
  schedule: '0 17 * * * *',
  handle: async (_timer, context, services) => {
    await renewSubscriptions(services, contextLogger(context));
  },
});
