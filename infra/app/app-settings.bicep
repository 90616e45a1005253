// Every app setting of the Function App, in one object. `npm test` holds this object to the code
// (test/infra/settings-drift.test.ts): each setting src/config reads is set here or listed in
// infra/README.md under "Settings left at their defaults", each `%NAME%` binding expression of a
// function is set here, and nothing is set here that neither the app, the Functions host nor a
// trigger connection reads. App settings are replaced as a whole on every deployment: change
// them here, not in the portal.

param functionAppName string
param storageAccountName string
param applicationInsightsName string
@description('Client id of the user-assigned identity every connection uses.')
param identityClientId string

param entraClientId string
param entraCredential string
param publicBaseUrl string
param adminUiUrl string
param authIssuer string
param authAudience string
param authJwksUrl string
param cosmosEndpoint string
param cosmosDatabaseName string
param serviceBusNamespace string
param keyVaultUri string
param mailFrom string
param syncReconcileSchedule string

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var settings = {
  // --- read by the app (src/config/config.ts) ---
  ENTRA_CLIENT_ID: entraClientId
  ENTRA_CREDENTIAL: entraCredential
  // The app's Cosmos, Service Bus, Key Vault and managed-identity-federation clients use it.
  AZURE_CLIENT_ID: identityClientId
  // The consent callback and the Graph webhooks are served here (NOTIFICATION_URL_BASE defaults to it).
  PUBLIC_BASE_URL: publicBaseUrl
  ADMIN_UI_URL: adminUiUrl
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: authAudience
  AUTH_JWKS_URL: authJwksUrl
  COSMOS_ENDPOINT: cosmosEndpoint
  COSMOS_DATABASE: cosmosDatabaseName
  QUEUE_BACKEND: 'servicebus'
  SECRETS_BACKEND: 'keyvault'
  KEY_VAULT_URL: keyVaultUri
  MAIL_BACKEND: 'sendgrid'
  MAIL_FROM: mailFrom
  // --- read by the app and by the Service Bus triggers (connection `ServiceBusConnection`) ---
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  // --- binding expression: the sync-reconcile timer's schedule is `%SYNC_RECONCILE_SCHEDULE%`;
  // the host does not index that function without it. The app validates it too.
  SYNC_RECONCILE_SCHEDULE: syncReconcileSchedule
  // --- read by the Functions host ---
  // Host storage through the identity: the host builds the blob/queue/table URIs from the name.
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Application Insights with local auth disabled: the host sends telemetry with an Entra token.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: settings
}
