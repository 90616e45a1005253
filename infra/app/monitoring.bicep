// Log Analytics workspace + workspace-based Application Insights with local (instrumentation-key)
// authentication disabled: telemetry is accepted only with an Entra token, which the Functions
// host gets for the user-assigned identity named in APPLICATIONINSIGHTS_AUTHENTICATION_STRING.
//
// Request telemetry carries no personal data: the app's own logs hold ids and counts only, and an
// ingestion-time transformation drops the query string of every request URL before it is stored
// (a consent callback's `code`, `state` and `error_description`, a webhook's `validationToken`,
// list filters). Route paths carry company and run ids, never names or e-mail addresses.

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object = {}
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

// Workspace transformation (AppRequests supports ingestion-time transformations): the URL keeps
// its scheme, host and path; the query string never reaches storage.
resource requestUrlScrubbing 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: 'dcr-${logAnalyticsName}-transforms'
  location: location
  tags: tags
  kind: 'WorkspaceTransforms'
  properties: {
    dataSources: {}
    destinations: {
      logAnalytics: [
        {
          name: 'workspace'
          workspaceResourceId: logAnalytics.id
        }
      ]
    }
    dataFlows: [
      {
        streams: [
          'Microsoft-Table-AppRequests'
        ]
        destinations: [
          'workspace'
        ]
        transformKql: 'source | extend Url = tostring(split(Url, "?")[0])'
      }
    ]
  }
}

// A workspace points at its transformation rule, which points at the workspace: the link is a
// second deployment of the same workspace, with the same properties plus the rule.
module linkTransforms 'workspace-transforms-link.bicep' = {
  name: 'workspace-transforms-link'
  params: {
    logAnalyticsName: logAnalytics.name
    location: location
    tags: tags
    retentionInDays: retentionInDays
    dataCollectionRuleId: requestUrlScrubbing.id
  }
}

output logAnalyticsName string = logAnalytics.name
output applicationInsightsName string = applicationInsights.name
