// Service Bus namespace with the app's two queues. Standard tier: sessions and duplicate detection
// are not available on Basic. SAS (local) auth is disabled: only Entra ID tokens are accepted.
// Note: `requiresSession` and `requiresDuplicateDetection` cannot be changed on an existing queue;
// changing them here means deleting and recreating the queue.

param name string
param location string
param tags object = {}

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

// One session per company (sessionId = companyId): a company's sync jobs run one at a time and in
// order. Duplicate detection on messageId coalesces bursts of webhook notifications and repeated
// "Sync Now" clicks. The 5-minute lock (the maximum) is renewed by the Functions host up to
// maxAutoLockRenewalDuration in host.json.
resource syncJobs 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: 'sync-jobs'
  properties: {
    requiresSession: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    maxDeliveryCount: 10
    lockDuration: 'PT5M'
    deadLetteringOnMessageExpiration: true
  }
}

// E-mails. A one-hour duplicate window keeps a retried sender from mailing the same admins twice.
resource notifications 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: 'notifications'
  properties: {
    requiresSession: false
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    deadLetteringOnMessageExpiration: true
  }
}

output name string = namespace.name
// serviceBusEndpoint is `https://<name>.servicebus.windows.net:443/`; the Functions extension and
// the SDK want the bare host name. Parsed rather than concatenated so sovereign clouds work too.
output fullyQualifiedNamespace string = split(split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0], '/')[0]
output syncJobsQueueName string = syncJobs.name
output notificationsQueueName string = notifications.name
