// The Function App on the Flex Consumption plan (Linux): Node.js, code package in a blob container
// read with the user-assigned identity, host storage reached with that identity too (no keys).
//
// App settings live in a separate `config/appsettings` resource because PUBLIC_BASE_URL needs the
// app's own default host name, which exists only once the site does (Flex apps may get a
// randomised host name, so it cannot be predicted from the app name).
//
// Flex Consumption rejects some classic settings: do not add FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_NODE_DEFAULT_VERSION, WEBSITE_RUN_FROM_PACKAGE or
// WEBSITE_CONTENT* here; runtime and version come from functionAppConfig.runtime.

param name string
param planName string
param location string
param tags object = {}

@description('Service name in azure.yaml; azd finds the app by this tag.')
param serviceName string = 'api'

param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param identityId string
param identityClientId string

@allowed([
  '20'
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

@description('Browser origins allowed to call the API (the admin UI).')
param allowedOrigins array = []

@description('Application settings that come from the other modules; merged with the host settings below.')
param appSettings object

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
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

resource functionApp 'Microsoft.Web/sites@2023-12-01' = {
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
      cors: {
        allowedOrigins: allowedOrigins
        supportCredentials: false
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
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

var publicBaseUrl = 'https://${functionApp.properties.defaultHostName}'

var hostSettings = {
  // Host storage through the identity: the host builds the blob/queue/table URIs from the name.
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Application Insights with local auth disabled: the host sends telemetry with an Entra token.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The app's own address: where the consent callback and the Graph webhooks are served.
  PUBLIC_BASE_URL: publicBaseUrl
  NOTIFICATION_URL_BASE: publicBaseUrl
}

resource settings 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(appSettings, hostSettings)
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output publicBaseUrl string = publicBaseUrl
