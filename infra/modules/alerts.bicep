// Azure Monitor alert rules, one per runbook in docs/runbooks/. Metric names of the custom metrics are parameters so
// the app and the alerts agree on one spelling (see docs/runbooks/README.md).

@description('Azure region of the scheduled query rules.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Prefix of the alert rule names.')
param namePrefix string

@description('Service Bus namespace whose dead-letter queues are watched.')
param serviceBusNamespaceId string

@description('Application Insights component the function app reports to.')
param appInsightsId string

@description('Action group the alerts notify.')
param actionGroupId string

@description('Where the runbooks are published (for example the repository URL ending in docs/runbooks/).')
param runbookBaseUrl string

@description('Open settlement fails above which operations is alerted.')
@minValue(0)
param settlementFailsThreshold int

@description('Custom metric: open settlement fails (a gauge the settlement stage reports).')
param settlementFailsMetric string

@description('Custom metric: trades not affirmed at the affirmation cut-off (reported by the confirmation stage at cut-off).')
param unaffirmedAtCutoffMetric string

@description('Custom metric: archive writes that failed (reported by the archive writer).')
param archiveWriteFailuresMetric string

var logAlerts = [
  {
    name: 'failed-executions'
    displayName: 'Failed function executions'
    severity: 1
    query: 'requests | where success == false | summarize value = count()'
    aggregation: 'Total'
    threshold: 0
    window: 'PT5M'
    frequency: 'PT5M'
  }
  {
    name: 'settlement-fails'
    displayName: 'Settlement fails over threshold'
    severity: 2
    query: 'customMetrics | where name == "${settlementFailsMetric}" | summarize value = max(value)'
    aggregation: 'Maximum'
    threshold: settlementFailsThreshold
    window: 'PT1H'
    frequency: 'PT15M'
  }
  {
    name: 'unaffirmed-at-cutoff'
    displayName: 'Trades unaffirmed at the cut-off'
    severity: 2
    query: 'customMetrics | where name == "${unaffirmedAtCutoffMetric}" | summarize value = max(value)'
    aggregation: 'Maximum'
    threshold: 0
    window: 'PT1H'
    frequency: 'PT15M'
  }
  {
    name: 'archive-write-failures'
    displayName: 'Archive write failures'
    severity: 0
    query: 'customMetrics | where name == "${archiveWriteFailuresMetric}" | summarize value = sum(value)'
    aggregation: 'Total'
    threshold: 0
    window: 'PT5M'
    frequency: 'PT5M'
  }
]

resource deadLettered 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-dead-lettered-messages'
  location: 'global'
  tags: tags
  properties: {
    description: 'Messages were dead-lettered on a queue or subscription. Runbook: ${runbookBaseUrl}dead-lettered-messages.md'
    severity: 1
    enabled: true
    scopes: [
      serviceBusNamespaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroupId
      }
    ]
  }
}

resource queryAlerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for alert in logAlerts: {
    name: '${namePrefix}-${alert.name}'
    location: location
    tags: tags
    properties: {
      displayName: alert.displayName
      description: '${alert.displayName}. Runbook: ${runbookBaseUrl}${alert.name}.md'
      severity: alert.severity
      enabled: true
      scopes: [
        appInsightsId
      ]
      evaluationFrequency: alert.frequency
      windowSize: alert.window
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: alert.query
            metricMeasureColumn: 'value'
            timeAggregation: alert.aggregation
            operator: 'GreaterThan'
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: [
          actionGroupId
        ]
      }
    }
  }
]

output alertRuleNames array = concat([deadLettered.name], map(logAlerts, a => '${namePrefix}-${a.name}'))
