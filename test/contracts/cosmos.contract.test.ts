import { CosmosConsentNonceStore } from '../../src/adapters/cosmos/cosmos-consent-nonce-store';
import { CosmosDirectoryUserStore } from '../../src/adapters/cosmos/cosmos-directory-user-store';
import { CosmosIntegrationStore } from '../../src/adapters/cosmos/cosmos-integration-store';
import { CosmosNotificationLog } from '../../src/adapters/cosmos/cosmos-notification-log';
import { CosmosSubscriptionStore } from '../../src/adapters/cosmos/cosmos-subscription-store';
import { CosmosSymbolUserStore } from '../../src/adapters/cosmos/cosmos-symbol-user-store';
import { CosmosSyncRunStore } from '../../src/adapters/cosmos/cosmos-sync-run-store';
import { CosmosSyncStateStore } from '../../src/adapters/cosmos/cosmos-sync-state-store';
import { CosmosTestEnv, startCosmosTestEnv } from '../adapters/cosmos/cosmos-test-env';
import { companyDocumentContract } from './company-document.contract';
import { consentNonceStoreContract } from './consent-nonce-store.contract';
import { integration, NOW, syncState } from './contract-fixtures';
import { directoryUserStoreContract } from './directory-user-store.contract';
import { notificationLogContract } from './notification-log.contract';
import { subscriptionStoreContract } from './subscription-store.contract';
import { symbolUserStoreContract } from './symbol-user-store.contract';
import { syncRunStoreContract } from './sync-run-store.contract';

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

/** Builds the adapter on first use (the database exists only once beforeAll ran). */
function lazily<T>(make: () => T): () => T {
  let instance: T | undefined;
  return () => (instance ??= make());
}

directoryUserStoreContract(
  IMPLEMENTATION,
  lazily(() => new CosmosDirectoryUserStore(env.database)),
);
symbolUserStoreContract(
  IMPLEMENTATION,
  lazily(() => new CosmosSymbolUserStore(env.database)),
);
companyDocumentContract(
  'IntegrationStore',
  IMPLEMENTATION,
  lazily(() => new CosmosIntegrationStore(env.database)),
  integration,
  (i) => ({ ...i, status: 'sleeping' }) as unknown as typeof i,
);
companyDocumentContract(
  'SyncStateStore',
  IMPLEMENTATION,
  lazily(() => new CosmosSyncStateStore(env.database)),
  (c) => syncState(c),
  (s) => ({ ...s, deltaLink: 42 }) as unknown as typeof s,
);
syncRunStoreContract(
  IMPLEMENTATION,
  lazily(() => new CosmosSyncRunStore(env.database)),
);
// No `advance`: expiry is Cosmos TTL, which the local server does not run (see NonceStoreTarget).
consentNonceStoreContract(IMPLEMENTATION, () => ({
  store: new CosmosConsentNonceStore(env.database, { now: () => new Date(NOW) }),
}));
subscriptionStoreContract(
  IMPLEMENTATION,
  lazily(() => new CosmosSubscriptionStore(env.database)),
);
notificationLogContract(
  IMPLEMENTATION,
  lazily(() => new CosmosNotificationLog(env.database)),
);
