// Key Vault for the app's secrets, authorized by Azure RBAC (no access policies). No secret is
// created here: secret values never go through templates or deployment history. Operators set
// them after deployment (see infra/README.md).

param name string
param location string
param tags object = {}

@description('Purge protection cannot be turned off once on. Leave it on for production; a throw-away environment may pass false.')
param enablePurgeProtection bool = true

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The API accepts only true or an absent value here, never false.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
