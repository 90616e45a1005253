import { MemoryGroupMembershipStore } from '../support/in-memory-group-memberships';
import { groupMembershipStoreContract } from './group-membership-store.contract';
import { MemoryPreviewStore } from '../support/in-memory-previews';
import { previewStoreContract } from './preview-store.contract';
import {
  MemoryConsentNonceStore,
  MemoryIntegrationStore,
  MemoryNotificationLog,
  MemorySyncRunStore,
  MemorySyncStateStore,
  memoryUserStores,
} from '../support/in-memory-ports';
import { MemorySubscriptionStore } from '../support/in-memory-subscriptions';
import { MemoryAuditStore } from '../support/in-memory-audit-store';
import { auditStoreContract } from './audit-store.contract';
import { TestClock } from '../support/test-time';
import { integrationStoreContract, syncStateStoreContract } from './company-document.contract';
import { consentNonceStoreContract } from './consent-nonce-store.contract';
import { NOW } from '../support/store-fixtures';
import { directoryUserStoreContract } from './directory-user-store.contract';
import { notificationLogContract } from './notification-log.contract';
import { subscriptionStoreContract } from './subscription-store.contract';
import { symbolUserStoreContract } from './symbol-user-store.contract';
import { syncRunStoreContract } from './sync-run-store.contract';
import { userCountsStoreContract } from './user-counts-store.contract';

/**
 * The store contracts against the in-memory fakes the handler tests use (test/support). The same
 * suites run against the Cosmos adapters in cosmos.contract.test.ts: a fake that disagrees with
 * Cosmos fails here.
 */

const IMPLEMENTATION = 'in-memory fake';
const { userCounts, directoryUsers, symbolUsers } = memoryUserStores();
const integrations = new MemoryIntegrationStore();
const syncStates = new MemorySyncStateStore();
const syncRuns = new MemorySyncRunStore();
const subscriptions = new MemorySubscriptionStore();
const notificationLog = new MemoryNotificationLog();
const audit = new MemoryAuditStore();

directoryUserStoreContract(
  IMPLEMENTATION,
  () => directoryUsers,
  () => userCounts,
);
symbolUserStoreContract(
  IMPLEMENTATION,
  () => symbolUsers,
  () => userCounts,
);
userCountsStoreContract(IMPLEMENTATION, () => ({
  counts: userCounts,
  directoryUsers,
  symbolUsers,
  corrupt: (companyId, counts) => {
    userCounts.docs.set(companyId, { ...counts });
    return Promise.resolve();
  },
}));
integrationStoreContract(IMPLEMENTATION, () => integrations);
syncStateStoreContract(IMPLEMENTATION, () => syncStates);
syncRunStoreContract(IMPLEMENTATION, () => syncRuns);
consentNonceStoreContract(IMPLEMENTATION, () => {
  const clock = new TestClock(new Date(NOW));
  return {
    store: new MemoryConsentNonceStore(clock),
    advance: (ms) => {
      clock.advance(ms);
    },
  };
});
subscriptionStoreContract(IMPLEMENTATION, () => subscriptions);
notificationLogContract(IMPLEMENTATION, () => notificationLog);
const groupMemberships = new MemoryGroupMembershipStore();
groupMembershipStoreContract(IMPLEMENTATION, () => groupMemberships);
const previews = new MemoryPreviewStore();
previewStoreContract(IMPLEMENTATION, () => previews);
auditStoreContract(IMPLEMENTATION, () => audit);
