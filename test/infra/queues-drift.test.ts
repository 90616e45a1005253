import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registeredFunctions, type QueueFunction } from '../../src/app/function-registry';
import { loadConfig } from '../../src/config/config';
import { NOTIFICATIONS_QUEUE, SYNC_JOBS_QUEUE } from '../../src/domain/sync-job';
import '../../src/functions';
import { DEFAULT_DUPLICATE_DETECTION_WINDOW_MS, DEFAULT_MAX_CONCURRENT_CALLS, DEFAULT_MAX_CONCURRENT_SESSIONS, DEFAULT_MAX_DELIVERY_COUNT } from '../../src/local/queue/in-process-broker';
import { INFRA_DIR, parseBicepFile, REPO_ROOT } from './support/bicep';
import { isoDurationSeconds, timeSpanSeconds } from './support/durations';

// The queues infra/app/service-bus.bicep creates are the ones the code uses, with the semantics
// the code relies on: the queue triggers' names and sessions, duplicate detection with the window
// the in-process broker (npm start, the tests) applies, the max delivery count the sync worker
// counts on to recognise its last attempt; and host.json gives the lock renewal and concurrency
// those depend on.

const QueueSchemaKeys = ['name', 'requiresSession', 'requiresDuplicateDetection', 'duplicateDetectionHistoryTimeWindow', 'maxDeliveryCount', 'lockDuration', 'deadLetteringOnMessageExpiration'] as const;
type DeployedQueue = { name: string; requiresSession: boolean; requiresDuplicateDetection: boolean; duplicateDetectionHistoryTimeWindow: string; maxDeliveryCount: number; lockDuration: string; deadLetteringOnMessageExpiration: boolean };

function asQueues(value: unknown): DeployedQueue[] {
  if (!Array.isArray(value)) throw new Error('var queues in service-bus.bicep is not an array');
  return value.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) throw new Error(`not a queue: ${JSON.stringify(entry)}`);
    const missing = QueueSchemaKeys.filter((key) => !(key in entry));
    if (missing.length > 0) throw new Error(`queue ${JSON.stringify(entry)} lacks ${missing.join(', ')}`);
    return entry as DeployedQueue;
  });
}

/** A valid production environment with every optional setting left out: the code's defaults. */
const DEFAULTS = loadConfig({
  ENTRA_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  PUBLIC_BASE_URL: 'https://func.example',
  ADMIN_UI_URL: 'https://admin.example',
  AUTH_ISSUER: 'https://issuer.example',
  AUTH_AUDIENCE: 'api://entra-sync',
  AUTH_JWKS_URL: 'https://issuer.example/jwks',
  COSMOS_ENDPOINT: 'https://cosmos.example',
  ServiceBusConnection__fullyQualifiedNamespace: 'sb.example',
  KEY_VAULT_URL: 'https://kv.example',
  MAIL_FROM: 'no-reply@example.com',
});

interface HostJson {
  functionTimeout: string;
  extensions: { serviceBus: { maxAutoLockRenewalDuration: string; maxConcurrentCalls: number; maxConcurrentSessions: number; maxConcurrentCallsPerSession: number; autoCompleteMessages: boolean } };
}

describe('Service Bus drift: infra/app/service-bus.bicep and host.json ↔ the code', () => {
  let queues: DeployedQueue[];
  const triggers = registeredFunctions().filter((f): f is QueueFunction => f.kind === 'queue');
  const host = JSON.parse(readFileSync(join(REPO_ROOT, 'host.json'), 'utf8')) as HostJson;

  beforeAll(async () => {
    queues = asQueues((await parseBicepFile(join(INFRA_DIR, 'app', 'service-bus.bicep'))).variable('queues'));
  });

  const queue = (name: string): DeployedQueue => {
    const found = queues.find((q) => q.name === name);
    if (!found) throw new Error(`service-bus.bicep has no queue ${name}`);
    return found;
  };

  test('exactly the queues the code sends to and triggers on', () => {
    expect(triggers.length).toBeGreaterThanOrEqual(2);
    const used = new Set([SYNC_JOBS_QUEUE, NOTIFICATIONS_QUEUE, ...triggers.map((t) => t.queueName)]);
    expect(queues.map((q) => q.name).sort()).toEqual([...used].sort());
  });

  test('sessions where the trigger is session-enabled, and only there', () => {
    for (const trigger of triggers) expect({ queue: trigger.queueName, requiresSession: queue(trigger.queueName).requiresSession }).toEqual({ queue: trigger.queueName, requiresSession: trigger.sessions });
  });

  test('duplicate detection with the window the in-process broker applies', () => {
    for (const q of queues) {
      expect({ queue: q.name, duplicateDetection: q.requiresDuplicateDetection, windowMs: isoDurationSeconds(q.duplicateDetectionHistoryTimeWindow) * 1000 }).toEqual({
        queue: q.name,
        duplicateDetection: true,
        windowMs: DEFAULT_DUPLICATE_DETECTION_WINDOW_MS,
      });
    }
  });

  test('max delivery count: the one the sync worker counts on, and the broker applies', () => {
    expect(queue(SYNC_JOBS_QUEUE).maxDeliveryCount).toBe(DEFAULTS.sync.maxDeliveryCount);
    for (const q of queues) expect({ queue: q.name, maxDeliveryCount: q.maxDeliveryCount }).toEqual({ queue: q.name, maxDeliveryCount: DEFAULT_MAX_DELIVERY_COUNT });
  });

  test('locks: within Service Bus limits, renewed for as long as a sync invocation may run, which outlasts its time budget', () => {
    for (const q of queues) expect(isoDurationSeconds(q.lockDuration)).toBeLessThanOrEqual(5 * 60);
    const functionTimeout = timeSpanSeconds(host.functionTimeout);
    expect(timeSpanSeconds(host.extensions.serviceBus.maxAutoLockRenewalDuration)).toBeGreaterThanOrEqual(functionTimeout);
    // The last page and the checkpoint happen after the budget runs out: leave at least a minute.
    expect(functionTimeout - DEFAULTS.sync.timeBudgetSeconds).toBeGreaterThanOrEqual(60);
    expect(queues.every((q) => q.deadLetteringOnMessageExpiration)).toBe(true);
  });

  test('host.json concurrency is what the in-process broker models: one job per company at a time', () => {
    expect(host.extensions.serviceBus).toMatchObject({
      maxConcurrentCalls: DEFAULT_MAX_CONCURRENT_CALLS,
      maxConcurrentSessions: DEFAULT_MAX_CONCURRENT_SESSIONS,
      maxConcurrentCallsPerSession: 1,
    });
  });
});
