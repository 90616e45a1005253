import { CosmosGroupMembershipStore } from '../../src/adapters/cosmos/cosmos-group-membership-store';
import { groupMembershipStoreContract } from './group-membership-store.contract';
import { CosmosPreviewStore } from '../../src/adapters/cosmos/cosmos-preview-store';
import { previewStoreContract } from './preview-store.contract';
import { Database } from '@azure/cosmos';
import { CosmosAuditStore } from '../../src/adapters/cosmos/cosmos-audit-store';
import { CosmosConsentNonceStore } from '../../src/adapters/cosmos/cosmos-consent-nonce-store';
import { CosmosDirectoryUserStore } from '../../src/adapters/cosmos/cosmos-directory-user-store';
import { CosmosIntegrationStore } from '../../src/adapters/cosmos/cosmos-integration-store';
import { CosmosNotificationLog } from '../../src/adapters/cosmos/cosmos-notification-log';
import { CosmosSubscriptionStore } from '../../src/adapters/cosmos/cosmos-subscription-store';
import { CosmosSymbolUserStore } from '../../src/adapters/cosmos/cosmos-symbol-user-store';
import { CosmosSyncRunStore } from '../../src/adapters/cosmos/cosmos-sync-run-store';
import { CosmosSyncStateStore } from '../../src/adapters/cosmos/cosmos-sync-state-store';
import { CosmosUserCounts } from '../../src/adapters/cosmos/cosmos-user-counts';
import { USER_COUNTS_CONTAINER } from '../../src/adapters/cosmos/cosmos-schema';
import { CosmosTestEnv, startCosmosTestEnv } from '../adapters/cosmos/cosmos-test-env';
import { integrationStoreContract, syncStateStoreContract } from './company-document.contract';
import { consentNonceStoreContract } from './consent-nonce-store.contract';
import { NOW } from '../support/store-fixtures';
import { directoryUserStoreContract } from './directory-user-store.contract';
import { notificationLogContract } from './notification-log.contract';
import { subscriptionStoreContract } from './subscription-store.contract';
import { symbolUserStoreContract } from './symbol-user-store.contract';
import { syncRunStoreContract } from './sync-run-store.contract';
import { auditStoreContract } from './audit-store.contract';
import { userCountsStoreContract } from './user-counts-store.contract';

/**
 * The store contracts against the Cosmos adapters: the real @azure/cosmos client against the local
 * Cosmos-protocol server (one server and database for the file; every case uses its own company).
 */

const IMPLEMENTATION = 'Cosmos (real client, local Cosmos-protocol server)';
let env: CosmosTestEnv;

beforeAll(async () => {
  env = await startCosmosTestEnv('contracts');
});
afterAll(async () => {
  await env.close();
});

/** The adapter over the test database, built on first use (the database exists only once beforeAll ran). */
function on<T>(make: (database: Database) => T): () => T {
  let instance: T | undefined;
  return () => (instance ??= make(env.database));
}

/** The user stores and their counts, wired as the composition root wires them. */
const userStores = on((db) => {
  const counts = new CosmosUserCounts(db, { now: () => new Date(NOW) });
  return {
    counts,
    directoryUsers: new CosmosDirectoryUserStore(db, { counts }),
    symbolUsers: new CosmosSymbolUserStore(db, { counts }),
  };
});

directoryUserStoreContract(
  IMPLEMENTATION,
  () => userStores().directoryUsers,
  () => userStores().counts,
);
symbolUserStoreContract(
  IMPLEMENTATION,
  () => userStores().symbolUsers,
  () => userStores().counts,
);
userCountsStoreContract(IMPLEMENTATION, () => ({
  ...userStores(),
  corrupt: async (companyId, counts) => {
    await env.database
      .container(USER_COUNTS_CONTAINER)
      .items.upsert({ id: companyId, companyId, ...counts, derivedAt: NOW });
  },
}));
integrationStoreContract(
  IMPLEMENTATION,
  on((db) => new CosmosIntegrationStore(db)),
);
syncStateStoreContract(
  IMPLEMENTATION,
  on((db) => new CosmosSyncStateStore(db)),
);
syncRunStoreContract(
  IMPLEMENTATION,
  on((db) => new CosmosSyncRunStore(db)),
);
// No `advance`: expiry is Cosmos TTL, which the local server does not run (see NonceStoreTarget).
consentNonceStoreContract(IMPLEMENTATION, () => ({
  store: new CosmosConsentNonceStore(env.database, { now: () => new Date(NOW) }),
}));
subscriptionStoreContract(
  IMPLEMENTATION,
  on((db) => new CosmosSubscriptionStore(db)),
);
notificationLogContract(
  IMPLEMENTATION,
  on((db) => new CosmosNotificationLog(db)),
);
groupMembershipStoreContract(
  IMPLEMENTATION,
  on((db) => new CosmosGroupMembershipStore(db)),
);
previewStoreContract(
  IMPLEMENTATION,
  on((db) => new CosmosPreviewStore(db)),
);
auditStoreContract(
  IMPLEMENTATION,
  on((db) => new CosmosAuditStore(db)),
);
