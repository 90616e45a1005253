import { CosmosClient } from '@azure/cosmos';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { AppConfig } from '../../config/config';

/**
 * The one way the application gets a Cosmos client. In Azure: Entra ID auth with the app's
 * managed identity (local keys are disabled on the account). Locally: the key of the loopback
 * Cosmos-protocol server, with endpoint discovery off because that server has no regions to
 * discover.
 */
export function createCosmosClient(config: AppConfig['cosmos']): CosmosClient {
  if (config.auth === 'key') {
    return new CosmosClient({
      endpoint: config.endpoint,
      key: config.key,
      ...(config.disableEndpointDiscovery ? { connectionPolicy: { enableEndpointDiscovery: false } } : {}),
    });
  }
  // A user-assigned identity is named by its client id; without one, DefaultAzureCredential finds
  // the system-assigned identity in Azure and a developer's own sign-in elsewhere.
  const credential =
    config.managedIdentityClientId === undefined
      ? new DefaultAzureCredential()
      : new ManagedIdentityCredential({ clientId: config.managedIdentityClientId });
  return new CosmosClient({ endpoint: config.endpoint, aadCredentials: credential });
}
