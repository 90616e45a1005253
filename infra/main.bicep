// Entra ID user sync for Symbol: production infrastructure.
//
// Deploys into a new resource group: one user-assigned managed identity; a Flex Consumption
// Function App (Node.js 22, Linux) with its storage account, Log Analytics and Application
// Insights; Cosmos DB for NoSQL (serverless); a Service Bus namespace with the `sync-jobs` and
// `notifications` queues; a Key Vault; alerts and a workbook; and, unless an existing app is
// named, the multi-tenant Entra app registration (Microsoft Graph Bicep extension) with the
// managed identity as its federated credential. Every connection is identity-based: Cosmos DB,
// Service Bus, storage and Application Insights have local (key) auth disabled.
//
// Deploy with `azd up` (azure.yaml at the repository root). See infra/README.md for parameters,
// hooks, secrets, roles and what was and was not verified.

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

@minLength(1)
@description('Origin (and optional path) of the Symbol admin UI; the consent flow redirects only here. E.g. https://admin.symbol.example')
param adminUiUrl string

@description('Application (client) id of an existing multi-tenant Entra app registration. Empty: this deployment creates and maintains the app registration itself.')
param entraClientId string = ''

@description('Display name of the app registration this deployment creates (ignored when entraClientId is given). Customers see it on the consent page.')
param entraAppDisplayName string = 'Symbol Security user sync'

@description('How the app authenticates to Entra ID. Empty: managed-identity-federation for an app this deployment creates (no secret at all), client-secret for an existing app.')
@allowed([
  ''
  'client-secret'
  'client-certificate'
  'managed-identity-federation'
])
param entraCredential string = ''

@minLength(1)
@description('Expected `iss` of the admin UI\'s bearer tokens.')
param authIssuer string

@minLength(1)
@description('Expected `aud` of the admin UI\'s bearer tokens.')
param authAudience string

@minLength(1)
@description('JWKS URL that publishes the keys signing the admin UI\'s bearer tokens.')
param authJwksUrl string

@minLength(3)
@description('Sender address of the e-mails (must be a verified sender in SendGrid).')
param mailFrom string

@description('Where alerts are e-mailed. Empty: alerts fire (visible in the portal) but nobody is e-mailed.')
param alertEmail string = ''

@description('Object id of the user or service principal deploying; gets Key Vault Secrets Officer so the azd hooks can set the secrets. Empty: no assignment.')
param principalId string = ''

@description('Also give principalId the app\'s data roles on Cosmos DB and Service Bus (for running the Functions host on a laptop against these resources). Keep false in production.')
param grantDeveloperDataAccess bool = false

@description('Node.js major version of the Functions worker.')
@allowed([
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

@description('Always-ready instances for the HTTP functions (webhooks must answer Graph within 3 s, handshakes within 10 s). 0 turns them off (and their cost).')
@minValue(0)
@maxValue(10)
param httpAlwaysReadyInstances int = 1

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
// https://admin.example.com/some/path -> https://admin.example.com (CORS wants the bare origin)
var adminUiOrigin = join(take(split(adminUiUrl, '/'), 3), '/')
var createEntraApp = empty(entraClientId)
var effectiveEntraCredential = !empty(entraCredential)
  ? entraCredential
  : (createEntraApp ? 'managed-identity-federation' : 'client-secret')

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
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
    deploymentContainerName: 'app-package'
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

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  // Roles first, so the host's first start already has its storage and Service Bus access.
  dependsOn: [
    rbac
  ]
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    identityId: identity.outputs.id
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    httpAlwaysReadyInstances: httpAlwaysReadyInstances
    allowedOrigins: [
      adminUiOrigin
    ]
  }
}

var redirectUri = '${functionApp.outputs.publicBaseUrl}/api/entra/consent/callback'

// The multi-tenant app registration, created and kept in step by this deployment unless an
// existing one is named (then register the redirect URI and settings yourself: infra/README.md).
module entraApp 'app/entra-app.bicep' = if (createEntraApp) {
  name: 'entra-app'
  scope: rg
  params: {
    uniqueName: 'symbol-entra-sync-${resourceToken}'
    displayName: entraAppDisplayName
    redirectUris: [
      redirectUri
    ]
    managedIdentityPrincipalId: identity.outputs.principalId
    federatedCredentialName: 'function-app-${resourceToken}'
  }
}

var effectiveEntraClientId = createEntraApp ? entraApp!.outputs.appId : entraClientId

module appSettings 'app/app-settings.bicep' = {
  name: 'app-settings'
  scope: rg
  params: {
    functionAppName: functionApp.outputs.name
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityClientId: identity.outputs.clientId
    entraClientId: effectiveEntraClientId
    entraCredential: effectiveEntraCredential
    publicBaseUrl: functionApp.outputs.publicBaseUrl
    adminUiUrl: adminUiUrl
    authIssuer: authIssuer
    authAudience: authAudience
    authJwksUrl: authJwksUrl
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    keyVaultUri: keyVault.outputs.uri
    mailFrom: mailFrom
    syncReconcileSchedule: syncReconcileSchedule
  }
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    alertEmail: alertEmail
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    serviceBusNamespaceName: serviceBus.outputs.name
  }
}

// --- Outputs -------------------------------------------------------------------------------------
// azd stores these in the environment (.azure/<env>/.env); the hooks read them. None is named
// after a parameter's azd variable unless it carries the same value, so a second `azd provision`
// sees the same inputs as the first (ENTRA_CLIENT_ID stays the operator's choice; the app this
// deployment creates is ENTRA_APP_CLIENT_ID). No output is called AZURE_CLIENT_ID: Azure SDK
// credentials on a developer's machine would take it for their own identity.

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_COSMOS_ACCOUNT_NAME string = cosmos.outputs.accountName
output AZURE_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
@description('Principal (object) id of the managed identity: the `subject` of the federated credential on the Entra app.')
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output SERVICE_API_NAME string = functionApp.outputs.name
@description('The Entra app the Function App uses (created here, or the one named in ENTRA_CLIENT_ID).')
output ENTRA_APP_CLIENT_ID string = effectiveEntraClientId
output ENTRA_APP_CREATED bool = createEntraApp
output ENTRA_CREDENTIAL_IN_USE string = effectiveEntraCredential
@description('The web redirect URI the Entra app needs (registered automatically when this deployment created the app).')
output ENTRA_REDIRECT_URI string = redirectUri
output PUBLIC_BASE_URL string = functionApp.outputs.publicBaseUrl
output KEY_VAULT_URL string = keyVault.outputs.uri
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output ServiceBusConnection__fullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output ALERTS_ACTION_GROUP string = alerts.outputs.actionGroupName
