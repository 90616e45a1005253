// Service Bus namespace with the app's two queues. Standard tier: sessions and duplicate detection
// are not available on Basic. SAS (local) auth is disabled: only Entra ID tokens are accepted.
// `requiresSession` and `requiresDuplicateDetection` cannot be changed on an existing queue;
// changing them here means deleting and recreating the queue (drain it first).

param name string
param location string
param tags object = {}

// `npm test` holds these to the code (test/infra/queues-drift.test.ts): the queue names and
// sessions of the queue-triggered functions, the max delivery count the sync worker counts on to
// recognise its last attempt (SYNC_MAX_DELIVERY_COUNT's default) and the in-process broker's
// duplicate-detection window, which `npm start` and the tests run against.
//
// sync-jobs: one session per company (sessionId = companyId), so a company's jobs run one at a
// time and in order; duplicate detection on messageId coalesces webhook bursts and repeated "Sync
// Now" clicks. The lock (5 minutes, the maximum) is renewed by the Functions host up to
// maxAutoLockRenewalDuration in host.json. notifications: the e-mails (a Cosmos notification log
// keeps a redelivered message from e-mailing twice).
var queues = [
  {
    name: 'sync-jobs'
    requiresSession: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    maxDeliveryCount: 10
    lockDuration: 'PT5M'
    deadLetteringOnMessageExpiration: true
  }
  {
    name: 'notifications'
    requiresSession: false
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    deadLetteringOnMessageExpiration: true
  }
]

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queueResources 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queue in queues: {
    parent: namespace
    name: queue.name
    properties: {
      requiresSession: queue.requiresSession
      requiresDuplicateDetection: queue.requiresDuplicateDetection
      duplicateDetectionHistoryTimeWindow: queue.duplicateDetectionHistoryTimeWindow
      maxDeliveryCount: queue.maxDeliveryCount
      lockDuration: queue.lockDuration
      deadLetteringOnMessageExpiration: queue.deadLetteringOnMessageExpiration
    }
  }
]

output name string = namespace.name
output id string = namespace.id
// serviceBusEndpoint is `https://<name>.servicebus.windows.net:443/`; the Functions extension and
// the SDK want the bare host name. Parsed rather than concatenated so sovereign clouds work too.
output fullyQualifiedNamespace string = split(split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0], '/')[0]
