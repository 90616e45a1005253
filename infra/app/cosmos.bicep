// Cosmos DB for NoSQL, serverless, Entra ID only (`disableLocalAuth`: no account keys, no
// connection strings). The database and every container are created here because data-plane
// RBAC cannot create them: the app only verifies them at start-up (src/adapters/cosmos/cosmos-schema.ts).

param accountName string
param location string
param tags object = {}
param databaseName string

// Partition key version 2 (large keys), as the app's own schema declares. `ttlPerItem` sets the
// container default TTL to -1: TTL is on, nothing expires unless an item carries its own `ttl`
// (consent nonces and sync runs do). Without a container default, per-item `ttl` is ignored.
var containers = [
  { name: 'integrations', partitionKeyPath: '/companyId', ttlPerItem: false }
  { name: 'consent-nonces', partitionKeyPath: '/companyId', ttlPerItem: true }
  { name: 'sync-runs', partitionKeyPath: '/companyId', ttlPerItem: true }
  { name: 'directory-users', partitionKeyPath: '/companyId', ttlPerItem: false }
  { name: 'symbol-users', partitionKeyPath: '/companyId', ttlPerItem: false }
  // Looked up by Graph subscription id when a change notification arrives (no company known yet).
  { name: 'graph-subscriptions', partitionKeyPath: '/id', ttlPerItem: false }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
    disableLocalAuth: true
    // Databases, containers and throughput change only through ARM (these templates).
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      resource: union(
        {
          id: container.name
          partitionKey: {
            paths: [
              container.partitionKeyPath
            ]
            kind: 'Hash'
            version: 2
          }
        },
        container.ttlPerItem ? { defaultTtl: -1 } : {}
      )
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
