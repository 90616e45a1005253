import { defineTimerFunction } from '../app/function-registry';
import { contextLogger } from '../app/logger';
import { reconcileSyncs } from '../use-cases/reconcile-syncs';

/**
 * Reconciliation: a sync for every connected company, spread out (default every 6 hours). The
 * schedule is the app setting SYNC_RECONCILE_SCHEDULE, which the Functions host (and the local
 * host) resolve from `%SYNC_RECONCILE_SCHEDULE%`.
 */
export const syncReconcile = defineTimerFunction({
  name: 'sync-reconcile',
  schedule: '%SYNC_RECONCILE_SCHEDULE%',
  handle: async (_timer, context, services) => {
    await reconcileSyncs(services, contextLogger(context));
  },
});
