import { createEntraCredentialFactory } from '../../src/adapters/graph/entra-credentials';
import { GraphSubscriptionClient } from '../../src/adapters/graph/graph-subscription-client';
import { GraphTransport } from '../../src/adapters/graph/graph-transport';
import type { EntraSimulator } from '../../src/local/entra-simulator';
import { CountingSecrets, entraConfig } from '../adapters/graph/graph-test-kit';
import { startSim } from '../local/entra-simulator/helpers';
import { MemorySubscriptionClient } from '../support/in-memory-subscriptions';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';
import { subscriptionClientContract } from './subscription-client.contract';

/** One SubscriptionClient contract: the in-memory fake, and the Graph adapter against the simulated tenant. */

subscriptionClientContract('in-memory fake', () => {
  const client = new MemorySubscriptionClient(() => new Date());
  const tenantId = 'tenant-1';
  return {
    client,
    tenantId,
    notificationUrl: (path) => `https://hooks.example${path}`,
    revokeConsent: () => client.revoked.add(tenantId),
    grantConsent: () => client.revoked.delete(tenantId),
  };
});

describe('with the simulated tenant', () => {
  let sim: EntraSimulator;
  let receiver: WebhookReceiver;
  let client: GraphSubscriptionClient;
  let tenantId: string;

  beforeAll(async () => {
    sim = await startSim({
      tenants: [{ name: 'Fabrikam', domain: 'fabrikam.example', userCount: 5, seed: 3 }],
      allowHttpNotificationUrls: true,
    });
    tenantId = sim.tenants()[0]?.id ?? '';
    sim.directory(tenantId).grantConsent();
    // Answers Graph's validation handshakes; nothing is forwarded to the application.
    receiver = await startWebhookReceiver(() => {
      throw new Error('no services: notifications are not forwarded in this test');
    });
    const credentialFor = createEntraCredentialFactory({ config: entraConfig(sim), secrets: new CountingSecrets() });
    client = new GraphSubscriptionClient(new GraphTransport({ graphBaseUrl: sim.graphBaseUrl, credentialFor }));
  });
  afterAll(async () => {
    await receiver.close();
    await sim.close();
  });

  subscriptionClientContract('Graph adapter (real Graph SDK client, simulated tenant)', () => ({
    client,
    tenantId,
    notificationUrl: (path) => `${receiver.url}${path}`,
    revokeConsent: () => {
      sim.directory(tenantId).revokeConsent();
    },
    grantConsent: () => {
      sim.directory(tenantId).grantConsent();
    },
  }));
});
