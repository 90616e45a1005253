import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosDirectoryUserStore } from '../../src/adapters/cosmos/cosmos-directory-user-store';
import { GraphDirectoryClient } from '../../src/adapters/graph/graph-directory-client';
import { OutboxMailer } from '../../src/adapters/mail/outbox-mailer';
import { SendGridMailer } from '../../src/adapters/mail/sendgrid-mailer';
import { FileSecretStore } from '../../src/adapters/secrets/file-secret-store';
import { KeyVaultSecretStore } from '../../src/adapters/secrets/key-vault-secret-store';
import { ServiceBusJobQueue } from '../../src/adapters/service-bus/service-bus-job-queue';
import { createServices } from '../../src/app/composition-root';
import { loadConfig } from '../../src/config/config';
import { CosmosTestEnv, startCosmosTestEnv } from '../adapters/cosmos/cosmos-test-env';
import { MemoryQueue } from '../support/in-memory-ports';
import { rejection } from '../support/app-errors';
import { TEST_ENV } from '../support/test-services';
import { TestClock } from '../support/test-time';
import { consentNonce } from '../support/store-fixtures';
import { CONSENT_NONCE_GRACE_SECONDS, CONSENT_NONCES_CONTAINER } from '../../src/adapters/cosmos/cosmos-schema';

/**
 * The composition root picks each adapter from validated configuration (nothing is contacted but
 * the Cosmos server, whose schema it ensures), and what a caller overrides is what the rest is
 * built with.
 */
describe('createServices', () => {
  let env: CosmosTestEnv;
  beforeAll(async () => {
    env = await startCosmosTestEnv('composition-root');
  });
  afterAll(async () => {
    await env.close();
  });

  const base = () => ({
    ...TEST_ENV,
    COSMOS_ENDPOINT: env.server.endpoint,
    COSMOS_KEY: env.server.key,
    COSMOS_DISABLE_ENDPOINT_DISCOVERY: 'true',
    COSMOS_DATABASE: env.database.id,
  });

  it('builds the production adapters: Service Bus, Key Vault, SendGrid, Graph, Cosmos', async () => {
    const config = loadConfig({
      ...base(),
      QUEUE_BACKEND: 'servicebus',
      ServiceBusConnection__fullyQualifiedNamespace: 'symbol-sync.servicebus.windows.net',
      SECRETS_BACKEND: 'keyvault',
      KEY_VAULT_URL: 'https://symbol-sync.vault.azure.net',
      MAIL_BACKEND: 'sendgrid',
      AZURE_CLIENT_ID: '99999999-8888-7777-6666-555555555555',
    });
    const services = await createServices(config);
    expect(services.queue).toBeInstanceOf(ServiceBusJobQueue);
    expect(services.secrets).toBeInstanceOf(KeyVaultSecretStore);
    expect(services.mailer).toBeInstanceOf(SendGridMailer);
    expect(services.directory).toBeInstanceOf(GraphDirectoryClient);
    expect(services.directoryUsers).toBeInstanceOf(CosmosDirectoryUserStore);
    expect(services.ids.uuid()).toMatch(/^[0-9a-f-]{36}$/);
    expect(services.ids.token(32).length).toBeGreaterThanOrEqual(43);
    if (services.queue instanceof ServiceBusJobQueue) await services.queue.close();
  });

  it('builds the local adapters (file secrets, outbox) and refuses the in-process queue outside the local stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'composition-root-'));
    const secretsFile = join(dir, 'secrets.json');
    writeFileSync(secretsFile, JSON.stringify({ 'state-signing-key': 'k'.repeat(43) }));
    const config = loadConfig({ ...base(), SECRETS_FILE: secretsFile, OUTBOX_DIR: join(dir, 'outbox') });
    expect((await rejection(createServices(config))).code).toBe('configuration_invalid');
    const services = await createServices(config, { inProcessQueue: new MemoryQueue() });
    expect(services.secrets).toBeInstanceOf(FileSecretStore);
    expect(services.mailer).toBeInstanceOf(OutboxMailer);
    await expect(services.secrets.get('state-signing-key')).resolves.toBe('k'.repeat(43));
  });

  it('builds the rest with what is overridden (one clock for everything)', async () => {
    const clock = new TestClock(new Date('2030-01-01T00:00:00.000Z'));
    const queue = new MemoryQueue(clock);
    const services = await createServices(loadConfig(base()), {}, { clock, queue });
    expect(services.clock).toBe(clock);
    expect(services.queue).toBe(queue);
    // The consent nonce store sets Cosmos's TTL from that clock: 900 s left + the grace period.
    const nonce = consentNonce('acme', {
      issuedAt: clock.now().toISOString(),
      expiresAt: new Date(clock.now().getTime() + 900_000).toISOString(),
    });
    await services.consentNonces.put(nonce);
    const { resource } = await env.database
      .container(CONSENT_NONCES_CONTAINER)
      .item(nonce.nonce, 'acme')
      .read<{ ttl: number }>();
    expect(resource?.ttl).toBe(900 + CONSENT_NONCE_GRACE_SECONDS);
  });
});
