// The Function App on the Flex Consumption plan (Linux): Node.js 22, code package in a blob
// container read with the user-assigned identity. App settings live in app-settings.bicep: they
// need the app's own host name and the Entra app's client id, which exist only once the site
// (and the app registration, which needs the site's host name for its redirect URI) do.
//
// Flex Consumption rejects some classic settings: FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_NODE_DEFAULT_VERSION, WEBSITE_RUN_FROM_PACKAGE and
// WEBSITE_CONTENT* are never set; runtime and version come from functionAppConfig.runtime.

param name string
param planName string
param location string
param tags object = {}

@description('Service name in azure.yaml; azd finds the app by this tag.')
param serviceName string = 'api'

param storageAccountName string
param deploymentContainerName string
param identityId string

@allowed([
  '22'
])
param nodeVersion string = '22'

@description('Upper bound on instances the app scales out to.')
@maxValue(1000)
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances of the `http` per-function scale group (every HTTP-triggered function). 0: none.')
@minValue(0)
param httpAlwaysReadyInstances int = 1

@description('Browser origins allowed to call the API (the admin UI).')
param allowedOrigins array = []

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: {
        allowedOrigins: allowedOrigins
        // The connect call sets the flow's browser-binding cookie: the admin UI sends it with credentials.
        supportCredentials: true
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // Graph's webhook deadlines (10 s for the validation handshake, 3 s for a notification)
        // leave no room for a cold start: keep the HTTP scale group warm. Queue and timer
        // functions scale on their own (per-function scaling) and may start cold.
        alwaysReady: httpAlwaysReadyInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: httpAlwaysReadyInstances
              }
            ]
          : []
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Deployments (azd, `az functionapp deployment`, GitHub Actions with OIDC) authenticate with Entra
// ID; publishing user names and passwords are switched off.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output publicBaseUrl string = 'https://${functionApp.properties.defaultHostName}'
