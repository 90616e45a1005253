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
// `extra` holds the rest of a container's definition. All of this must match COSMOS_CONTAINERS in
// src/adapters/cosmos/cosmos-schema.ts.
//
// symbol-users: a unique key on `/emailKey` (one user per lower-cased e-mail address per company;
// unique keys are enforced per logical partition and can only be set when a container is
// created), and a composite index (createdAt ASC, id ASC) for the list's two-property ORDER BY.
// An indexing policy replaces the default one, so the default's parts are spelled out around it.
var symbolUsersExtra = {
  uniqueKeyPolicy: {
    uniqueKeys: [
      {
        paths: [
          '/emailKey'
        ]
      }
    ]
  }
  indexingPolicy: {
    indexingMode: 'consistent'
    automatic: true
    includedPaths: [
      {
        path: '/*'
      }
    ]
    excludedPaths: [
      {
        path: '/"_etag"/?'
      }
    ]
    compositeIndexes: [
      [
        {
          path: '/createdAt'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
    ]
  }
}

var containers = [
  { name: 'integrations', partitionKeyPath: '/companyId', ttlPerItem: false, extra: {} }
  { name: 'consent-nonces', partitionKeyPath: '/companyId', ttlPerItem: true, extra: {} }
  { name: 'sync-runs', partitionKeyPath: '/companyId', ttlPerItem: true, extra: {} }
  { name: 'directory-users', partitionKeyPath: '/companyId', ttlPerItem: false, extra: {} }
  { name: 'symbol-users', partitionKeyPath: '/companyId', ttlPerItem: false, extra: symbolUsersExtra }
  // One document per company: the delta cursor and the sync round in progress.
  { name: 'sync-state', partitionKeyPath: '/companyId', ttlPerItem: false, extra: {} }
  { name: 'notification-log', partitionKeyPath: '/companyId', ttlPerItem: true, extra: {} }
  // Looked up by Graph subscription id when a change notification arrives (no company known yet).
  { name: 'graph-subscriptions', partitionKeyPath: '/id', ttlPerItem: false, extra: {} }
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
        container.ttlPerItem ? { defaultTtl: -1 } : {},
        container.extra
      )
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
