// Operability: one action group (e-mail), three alerts and a workbook over the app's structured
// logs. The queries live in ../queries/*.kql, shared by the alerts and the workbook.
//
// - Dead-lettered messages (Service Bus metric, per queue): a sync job or an e-mail gave up.
// - Failing function executions (log query over requests): queue/timer functions that threw,
//   HTTP functions that answered 5xx.
// - Sync runs stuck in `running` (log query over the app's `sync.*` events: started, never ended).

param location string
param tags object = {}
param resourceToken string
@description('Where alerts are e-mailed. Empty: no e-mail (the alerts still fire and show in the portal).')
param alertEmail string = ''
param applicationInsightsName string
param serviceBusNamespaceName string

@description('Failed executions of one function within 15 minutes that raise an alert. Sync retries after transient errors fail a few executions on purpose.')
param failedExecutionsThreshold int = 5

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

var notify = !empty(alertEmail)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'entrasync'
    enabled: true
    emailReceivers: notify
      ? [
          {
            name: 'operators'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
      : []
  }
}

var actionGroupIds = notify ? [actionGroup.id] : []

resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-dead-letters-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'A message was dead-lettered: a sync job or an e-mail failed on every delivery. Inspect <queue>/$DeadLetterQueue (reason and description are on the message).'
    severity: 2
    enabled: true
    scopes: [
      serviceBus.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [
      for id in actionGroupIds: {
        actionGroupId: id
      }
    ]
  }
}

resource failedExecutions 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-failed-executions-${resourceToken}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Entra sync: failing function executions'
    description: 'Functions that threw or answered 5xx. Look at the traces of the failing invocations (operation_Id) for the logged error code.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: loadTextContent('../queries/failed-executions.kql')
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          dimensions: [
            {
              name: 'operation_Name'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThanOrEqual'
          threshold: failedExecutionsThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

resource stuckRuns 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-stuck-sync-runs-${resourceToken}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Entra sync: sync runs stuck in running'
    description: 'A sync run started (sync.started) but has logged nothing for 45 minutes and never ended. The admin UI shows it as running; Sync Now on that company queues a fresh run.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT6H'
    criteria: {
      allOf: [
        {
          query: loadTextContent('../queries/stuck-runs.kql')
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

// The sync runs workbook: outcomes, durations, what the runs did, failures by code, stuck runs,
// failing functions. Application Insights > Workbooks, or the resource group.
var workbookItems = [
  {
    title: 'Sync runs by outcome (per hour)'
    query: loadTextContent('../queries/sync-run-outcomes.kql')
    visualization: 'timechart'
  }
  {
    title: 'Duration of the finishing invocation (seconds)'
    query: loadTextContent('../queries/sync-run-durations.kql')
    visualization: 'table'
  }
  {
    title: 'What the runs did (per day)'
    query: loadTextContent('../queries/sync-run-counts.kql')
    visualization: 'table'
  }
  {
    title: 'Failed attempts by error code'
    query: loadTextContent('../queries/sync-failures-by-code.kql')
    visualization: 'table'
  }
  {
    title: 'Runs stuck in running'
    query: loadTextContent('../queries/stuck-runs.kql')
    visualization: 'table'
  }
  {
    title: 'Failing function executions'
    query: loadTextContent('../queries/failed-executions.kql')
    visualization: 'table'
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'entra-sync-runs-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Entra ID sync: sync runs'
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: string({
      version: 'Notebook/1.0'
      items: [
        for (item, i) in workbookItems: {
          type: 3
          name: 'query-${i}'
          content: {
            version: 'KqlItem/1.0'
            title: item.title
            query: item.query
            size: 0
            timeContext: {
              durationMs: 604800000
            }
            queryType: 0
            resourceType: 'microsoft.insights/components'
            visualization: item.visualization
          }
        }
      ]
      fallbackResourceIds: [
        applicationInsights.id
      ]
    })
  }
}

output actionGroupName string = actionGroup.name
output workbookId string = workbook.id
