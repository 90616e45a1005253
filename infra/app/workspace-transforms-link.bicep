// Sets the workspace's default (transformation) data collection rule. Repeats the workspace's
// properties from monitoring.bicep: a deployment replaces them.

param logAnalyticsName string
param location string
param tags object = {}
param retentionInDays int
param dataCollectionRuleId string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    defaultDataCollectionRuleResourceId: dataCollectionRuleId
  }
}
