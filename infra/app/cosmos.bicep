// Cosmos DB for NoSQL, serverless, Entra ID only (`disableLocalAuth`: no account keys, no
// connection strings). The database and every container are created here because data-plane
// RBAC cannot create them: the app only verifies them at start-up (src/adapters/cosmos/cosmos-schema.ts).

param accountName string
param location string
param tags object = {}
param databaseName string

// The database and every container, written as the Cosmos container resource definitions
// themselves: each entry is passed to ARM as is. They must match COSMOS_CONTAINERS in
// src/adapters/cosmos/cosmos-schema.ts, and `npm test` holds them to it
// (test/infra/cosmos-drift.test.ts): names, partition keys (version 2), default TTL, unique keys
// and indexing policies. `defaultTtl: -1` switches TTL on without expiring anything by default:
// only items with their own `ttl` expire (consent nonces, sync runs, the notification log);
// `audit` expires every item by the container's own TTL.
//
// Unique keys can only be set when a container is created; an indexing policy, unlike a unique
// key or a partition key, can be changed on an existing container (Cosmos re-indexes online).
var containers = [
  {
    id: 'integrations'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
  }
  {
    id: 'consent-nonces'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
    defaultTtl: -1
  }
  // The run history, newest first: `ORDER BY c.queuedAt DESC, c.runId ASC` needs a composite
  // index. An indexing policy replaces the default one, so the default's parts are spelled out
  // around the composite indexes (here and below). Every query and its index: docs/QUERIES.md.
  {
    id: 'sync-runs'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
    defaultTtl: -1
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
            path: '/queuedAt'
            order: 'descending'
          }
          {
            path: '/runId'
            order: 'ascending'
          }
        ]
      ]
    }
  }
  // The review list (one status, in display-name order): `ORDER BY c.status ASC,
  // c.search.sortKey ASC`, one composite index for the filter and the order.
  {
    id: 'directory-users'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
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
            path: '/status'
            order: 'ascending'
          }
          {
            path: '/search/sortKey'
            order: 'ascending'
          }
        ]
      ]
    }
  }
  // One Symbol user per lower-cased e-mail address per company (unique keys are enforced per
  // logical partition), and composite indexes for the list's ORDER BYs (all users; one status).
  {
    id: 'symbol-users'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
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
        [
          {
            path: '/status'
            order: 'ascending'
          }
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
  // One document per company: the delta cursor and the sync round in progress.
  {
    id: 'sync-state'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
  }
  {
    id: 'notification-log'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
    defaultTtl: -1
  }
  // Looked up by Graph subscription id when a change notification arrives (no company known yet).
  {
    id: 'graph-subscriptions'
    partitionKey: {
      paths: [
        '/id'
      ]
      kind: 'Hash'
      version: 2
    }
  }
  // Scope by groups: each user's direct memberships in the groups a company's scope tracks.
  {
    id: 'group-memberships'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
  }
  // One document per company: the user counts the status and the overview read (point reads and
  // patches only).
  {
    id: 'company-counts'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
  }
  // What dry-run previews found, per run, category and page; every chunk carries its own ttl (a week).
  {
    id: 'sync-previews'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
    defaultTtl: -1
  }
  // The ids each full round saw, in chunks; each item expires by its own `ttl` (14 days).
  {
    id: 'round-seen'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
    defaultTtl: -1
  }
  // The audit trail: every entry expires 400 days (34,560,000 s) after it was written.
  {
    id: 'audit'
    partitionKey: {
      paths: [
        '/companyId'
      ]
      kind: 'Hash'
      version: 2
    }
    defaultTtl: 34560000
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
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

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in containers: {
    parent: database
    name: container.id
    properties: {
      resource: container
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
