// Entra ID user sync for Symbol: production infrastructure.
//
// Deploys into a new resource group: one user-assigned managed identity; a Flex Consumption
// Function App (Node.js, Linux) with its storage account, Log Analytics and Application Insights;
// Cosmos DB for NoSQL (serverless); a Service Bus namespace with the `sync-jobs` and
// `notifications` queues; and a Key Vault. Every connection is identity-based: Cosmos DB, Service
// Bus, storage and Application Insights have local (key) auth disabled.
//
// Deploy with `azd up`, or:
//   az deployment sub create -l <region> -f infra/main.bicep -p environmentName=<name> location=<region> ...
// See infra/README.md for parameters, post-deployment steps and the role table.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (e.g. prod, staging). Names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Azure region for every resource. It must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Origin (and optional path) of the Symbol admin UI; the consent flow redirects only here. E.g. https://admin.symbol.example')
param adminUiUrl string

@description('Application (client) id of the multi-tenant Entra app registration that customers consent to.')
param entraClientId string

@description('How the app gets tokens for customer tenants: a client secret from Key Vault, or the managed identity as a federated credential of the Entra app (no secret).')
@allowed([
  'client-secret'
  'managed-identity-federation'
])
param entraCredential string = 'client-secret'

@description('Expected `iss` of the admin UI\'s bearer tokens.')
param authIssuer string

@description('Expected `aud` of the admin UI\'s bearer tokens.')
param authAudience string

@description('JWKS URL that publishes the keys signing the admin UI\'s bearer tokens.')
param authJwksUrl string

@description('Sender address of the e-mails (must be a verified sender in SendGrid).')
param mailFrom string

@description('Object id of the user or service principal deploying; gets Key Vault Secrets Officer so it can set the secrets. Empty: no assignment.')
param principalId string = ''

@description('Also give principalId the app\'s data roles on Cosmos DB and Service Bus (for running the Functions host on a laptop against these resources). Keep false in production.')
param grantDeveloperDataAccess bool = false

@description('Node.js major version of the Functions worker.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Upper bound on Function App instances.')
param maximumInstanceCount int = 100

@description('Memory per instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Key Vault purge protection. Cannot be turned off once on; pass false only for throw-away environments.')
param keyVaultPurgeProtection bool = true

@description('Cosmos DB database name.')
param cosmosDatabaseName string = 'entra-sync'

@description('Six-field NCRONTAB (UTC) of the sync-reconcile timer, which reads it as %SYNC_RECONCILE_SCHEDULE%. Default: every 6 hours.')
param syncReconcileSchedule string = '0 0 */6 * * *'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package'
// https://admin.example.com/some/path -> https://admin.example.com (CORS wants the bare origin)
var adminUiOrigin = join(take(split(adminUiUrl, '/'), 3), '/')

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    accountName: 'cosmos-${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
  }
}

module serviceBus 'app/service-bus.bicep' = {
  name: 'service-bus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    enablePurgeProtection: keyVaultPurgeProtection
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    principalId: principalId
    grantDeveloperDataAccess: grantDeveloperDataAccess
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    cosmosAccountName: cosmos.outputs.accountName
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
  }
}

// The settings the app's config loader reads (src/config/config.ts). PUBLIC_BASE_URL,
// NOTIFICATION_URL_BASE and the host's own settings are added inside the module, which knows the
// app's host name.
var appSettings = {
  ENTRA_CLIENT_ID: entraClientId
  ENTRA_CREDENTIAL: entraCredential
  AZURE_CLIENT_ID: identity.outputs.clientId
  ADMIN_UI_URL: adminUiUrl
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: authAudience
  AUTH_JWKS_URL: authJwksUrl
  COSMOS_ENDPOINT: cosmos.outputs.endpoint
  COSMOS_DATABASE: cosmos.outputs.databaseName
  QUEUE_BACKEND: 'servicebus'
  ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identity.outputs.clientId
  SECRETS_BACKEND: 'keyvault'
  KEY_VAULT_URL: keyVault.outputs.uri
  MAIL_BACKEND: 'sendgrid'
  MAIL_FROM: mailFrom
  // The sync-reconcile timer's schedule (`%SYNC_RECONCILE_SCHEDULE%`): the host will not index the
  // function without it. The app validates it too.
  SYNC_RECONCILE_SCHEDULE: syncReconcileSchedule
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  // Roles first, so the host's first start already has its storage and Service Bus access.
  dependsOn: [
    rbac
  ]
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    allowedOrigins: [
      adminUiOrigin
    ]
    appSettings: appSettings
  }
}

// --- Outputs -------------------------------------------------------------------------------------
// azd stores these in the environment (.azure/<env>/.env). The app-setting outputs carry exactly
// the settings' names, so a local.settings.json can be filled from them.

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_COSMOS_ACCOUNT_NAME string = cosmos.outputs.accountName
output AZURE_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
@description('Principal (object) id of the managed identity: the `subject` of the optional federated credential on the Entra app.')
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
@description('Register this as the Entra app\'s web redirect URI.')
output ENTRA_REDIRECT_URI string = '${functionApp.outputs.publicBaseUrl}/api/entra/consent/callback'

output ENTRA_CLIENT_ID string = entraClientId
output ENTRA_CREDENTIAL string = entraCredential
output AZURE_CLIENT_ID string = identity.outputs.clientId
output PUBLIC_BASE_URL string = functionApp.outputs.publicBaseUrl
output ADMIN_UI_URL string = adminUiUrl
output NOTIFICATION_URL_BASE string = functionApp.outputs.publicBaseUrl
output AUTH_ISSUER string = authIssuer
output AUTH_AUDIENCE string = authAudience
output AUTH_JWKS_URL string = authJwksUrl
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output QUEUE_BACKEND string = appSettings.QUEUE_BACKEND
output ServiceBusConnection__fullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output ServiceBusConnection__credential string = appSettings.ServiceBusConnection__credential
output ServiceBusConnection__clientId string = identity.outputs.clientId
output SECRETS_BACKEND string = appSettings.SECRETS_BACKEND
output KEY_VAULT_URL string = keyVault.outputs.uri
output MAIL_BACKEND string = appSettings.MAIL_BACKEND
output MAIL_FROM string = mailFrom
output SYNC_RECONCILE_SCHEDULE string = syncReconcileSchedule
