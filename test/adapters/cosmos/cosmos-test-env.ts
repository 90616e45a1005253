import { CosmosClient, Database } from '@azure/cosmos';
import { createCosmosClient } from '../../../src/adapters/cosmos/cosmos-client';
import { ensureCosmosSchema } from '../../../src/adapters/cosmos/cosmos-schema';
import { LocalCosmos, startLocalCosmos } from '../../../src/local/cosmos/local-cosmos-server';

export interface CosmosTestEnv {
  server: LocalCosmos;
  client: CosmosClient;
  database: Database;
  close(): Promise<void>;
}

/** A fresh loopback Cosmos server, the real client as the application builds it, and the schema. */
export async function startCosmosTestEnv(databaseId: string): Promise<CosmosTestEnv> {
  const server = await startLocalCosmos();
  const client = createCosmosClient({
    auth: 'key',
    endpoint: server.endpoint,
    key: server.key,
    database: databaseId,
    disableEndpointDiscovery: true,
  });
  const database = await ensureCosmosSchema(client, databaseId);
  return {
    server,
    client,
    database,
    close: async () => {
      client.dispose();
      await server.close();
    },
  };
}

export const COMPANY = 'acme';
export const OTHER_COMPANY = 'globex';
