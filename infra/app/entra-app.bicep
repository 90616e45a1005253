// The multi-tenant Entra app registration that customers consent to, as code (Microsoft Graph
// Bicep extension, v1.0 types; see ../bicepconfig.json). Deployed with the deploying user's own
// Graph permissions: creating app registrations must be allowed for them (the tenant's default,
// or the Application Developer role).
//
// - Multi-tenant (`AzureADMultipleOrgs`); web redirect URI = this deployment's consent callback.
// - Microsoft Graph: `User.Read.All` (application) is what the sync reads; `GroupMember.Read.All`
//   (application, read-only) lets a company limit the sync to groups (scope); `openid` and
//   `profile` (delegated) let the connect flow sign the admin in first (an id_token proves the tenant).
// - `groupMembershipClaims: DirectoryRole` puts the signed-in admin's directory roles in the
//   id_token as `wids`: the callback checks for Global Administrator or Privileged Role
//   Administrator before it asks for admin consent.
// - The user-assigned managed identity is a federated identity credential of the app: the
//   Function App gets app tokens for any customer tenant with no secret or certificate at all.

extension microsoftGraphV1

@description('Immutable alternate key of the app registration; unique in the tenant.')
param uniqueName string
param displayName string
param redirectUris array
@description('Principal (object) id of the user-assigned managed identity: the federated credential\'s subject.')
param managedIdentityPrincipalId string
param federatedCredentialName string

// Microsoft Graph and the ids of its permissions (the same in every tenant).
var graphAppId = '00000003-0000-0000-c000-000000000000'
var userReadAllRole = 'df021288-bdef-4463-88db-98f22de89214' // User.Read.All (application)
var groupMemberReadAllRole = '98830695-27a2-44f7-8c18-0c3ebc9698f6' // GroupMember.Read.All (application)
var openidScope = '37f7f235-527c-4136-accd-4a02d197296e' // openid (delegated)
var profileScope = '14dad69e-099b-42c9-810b-d002981feec1' // profile (delegated)

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMultipleOrgs'
  groupMembershipClaims: 'DirectoryRole'
  web: {
    redirectUris: redirectUris
    implicitGrantSettings: {
      enableIdTokenIssuance: false
      enableAccessTokenIssuance: false
    }
  }
  requiredResourceAccess: [
    {
      resourceAppId: graphAppId
      resourceAccess: [
        {
          id: userReadAllRole
          type: 'Role'
        }
        {
          id: groupMemberReadAllRole
          type: 'Role'
        }
        {
          id: openidScope
          type: 'Scope'
        }
        {
          id: profileScope
          type: 'Scope'
        }
      ]
    }
  ]

  resource managedIdentityCredential 'federatedIdentityCredentials@v1.0' = {
    name: '${app.uniqueName}/${federatedCredentialName}'
    description: 'The Function App\'s user-assigned managed identity, as this app\'s credential (no secret).'
    audiences: [
      'api://AzureADTokenExchange'
    ]
    issuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
    subject: managedIdentityPrincipalId
  }
}

// The app's service principal in its home tenant (customers' tenants get theirs at consent).
resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: app.appId
}

output appId string = app.appId
output servicePrincipalId string = servicePrincipal.id
