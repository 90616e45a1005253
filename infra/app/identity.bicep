// The one user-assigned managed identity the Function App uses for everything: host storage,
// deployment storage, Application Insights, Cosmos DB, Service Bus and Key Vault. A user-assigned
// identity (rather than the app's system identity) exists before the app does, so its role
// assignments can be made first, and it can be a federated credential of the Entra app.

param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
