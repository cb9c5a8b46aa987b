// The Service Bus namespace and every queue, topic, subscription and rule of infra/topology.json, with the data roles
// of the function identity and the OMS scoped to the entities each one uses. No entity is named here: the arrays come
// from the topology, and the properties keep the emulator's field names until this file maps them to ARM.

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Service Bus namespace name.')
param namespaceName string

@description('Standard by default; Premium for private endpoints, larger messages and dedicated capacity.')
@allowed([
  'Standard'
  'Premium'
])
param sku string

@description('Messaging units when the SKU is Premium.')
@allowed([
  1
  2
  4
  8
  16
])
param premiumCapacity int

@description('Enabled or Disabled: Disabled lets traffic in through private endpoints only (Premium).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

@description('The queues of the topology (serviceBus.queues).')
param queues array

@description('The topics of the topology, with their subscriptions (serviceBus.topics).')
param topics array

@description('Keys of the queues the function app sends to; it receives from every other queue.')
param functionSendQueueKeys array

@description('Principal id of the function app identity.')
param functionPrincipalId string

@description('Key of the queue the OMS publishes executions to.')
param omsPublishQueueKey string

@description('Key of the queue the OMS reads its answers from.')
param omsReplyQueueKey string

@description('Principal ids (service principals or managed identities) of the OMS publishers.')
param omsPrincipalIds array

@description('Log Analytics workspace that receives the diagnostic logs and metrics.')
param workspaceId string

// Built-in role definitions (Azure Service Bus Data Sender / Receiver).
var dataSenderRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39')
var dataReceiverRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0')

// ARM creates a subscription with a `$Default` rule that accepts every message, and rules are OR-ed: left alone it
// would defeat every filter of the topology. Each subscription's default rule is replaced by one that matches nothing
// (decision 0043). This is the broker's reserved rule name, not a topology entity.
var brokerDefaultRuleName = '$Default'
var matchNothing = '1=0'

var queueKeys = map(queues, q => q.key)
var sendQueueIndexes = filter(range(0, length(queues)), i => contains(functionSendQueueKeys, queues[i].key))
var receiveQueueIndexes = filter(range(0, length(queues)), i => !contains(functionSendQueueKeys, queues[i].key))

var subscriptions = flatten(map(range(0, length(topics)), t => map(topics[t].subscriptions, s => {
  topicIndex: t
  definition: s
})))

// The function app reads the subscriptions that carry an app setting; per-party subscriptions are read by the party.
var functionSubscriptionIndexes = filter(range(0, length(subscriptions)), i => subscriptions[i].definition.?appSetting != null)

var rules = flatten(map(range(0, length(subscriptions)), s => map(subscriptions[s].definition.Rules, r => {
  subscriptionIndex: s
  definition: r
})))

var omsAssignments = flatten(map(omsPrincipalIds, p => [
  {
    principalId: p
    queueIndex: indexOf(queueKeys, omsPublishQueueKey)
    sends: true
  }
  {
    principalId: p
    queueIndex: indexOf(queueKeys, omsReplyQueueKey)
    sends: false
  }
]))

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: sku
    tier: sku
    capacity: sku == 'Premium' ? premiumCapacity : null
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: publicNetworkAccess
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: namespace
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

resource queueResources 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queue in queues: {
    parent: namespace
    name: queue.name
    properties: {
      lockDuration: queue.Properties.LockDuration
      maxDeliveryCount: queue.Properties.MaxDeliveryCount
      defaultMessageTimeToLive: queue.Properties.DefaultMessageTimeToLive
      deadLetteringOnMessageExpiration: queue.Properties.DeadLetteringOnMessageExpiration
      requiresDuplicateDetection: queue.Properties.RequiresDuplicateDetection
      duplicateDetectionHistoryTimeWindow: queue.Properties.RequiresDuplicateDetection ? queue.Properties.DuplicateDetectionHistoryTimeWindow : null
      requiresSession: queue.Properties.RequiresSession
      forwardTo: empty(queue.Properties.?ForwardTo ?? '') ? null : queue.Properties.ForwardTo
      forwardDeadLetteredMessagesTo: empty(queue.Properties.?ForwardDeadLetteredMessagesTo ?? '') ? null : queue.Properties.ForwardDeadLetteredMessagesTo
    }
  }
]

resource topicResources 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = [
  for topic in topics: {
    parent: namespace
    name: topic.name
    properties: {
      defaultMessageTimeToLive: topic.Properties.DefaultMessageTimeToLive
      requiresDuplicateDetection: topic.Properties.RequiresDuplicateDetection
      duplicateDetectionHistoryTimeWindow: topic.Properties.RequiresDuplicateDetection ? topic.Properties.DuplicateDetectionHistoryTimeWindow : null
    }
  }
]

resource subscriptionResources 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = [
  for subscription in subscriptions: {
    parent: topicResources[subscription.topicIndex]
    name: subscription.definition.name
    properties: {
      lockDuration: subscription.definition.Properties.LockDuration
      maxDeliveryCount: subscription.definition.Properties.MaxDeliveryCount
      defaultMessageTimeToLive: subscription.definition.Properties.DefaultMessageTimeToLive
      deadLetteringOnMessageExpiration: subscription.definition.Properties.DeadLetteringOnMessageExpiration
      requiresSession: subscription.definition.Properties.RequiresSession
      forwardTo: empty(subscription.definition.Properties.?ForwardTo ?? '') ? null : subscription.definition.Properties.ForwardTo
      forwardDeadLetteredMessagesTo: empty(subscription.definition.Properties.?ForwardDeadLetteredMessagesTo ?? '') ? null : subscription.definition.Properties.ForwardDeadLetteredMessagesTo
    }
  }
]

resource defaultRules 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = [
  for (subscription, i) in subscriptions: {
    parent: subscriptionResources[i]
    name: brokerDefaultRuleName
    properties: {
      filterType: 'SqlFilter'
      sqlFilter: {
        sqlExpression: matchNothing
      }
    }
  }
]

resource ruleResources 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = [
  for rule in rules: {
    parent: subscriptionResources[rule.subscriptionIndex]
    name: rule.definition.Name
    properties: {
      filterType: rule.definition.Properties.FilterType == 'Sql' ? 'SqlFilter' : 'CorrelationFilter'
      sqlFilter: rule.definition.Properties.FilterType == 'Sql'
        ? {
            sqlExpression: rule.definition.Properties.SqlFilter.SqlExpression
          }
        : null
      correlationFilter: rule.definition.Properties.FilterType == 'Correlation'
        ? {
            contentType: rule.definition.Properties.CorrelationFilter.?ContentType
            correlationId: rule.definition.Properties.CorrelationFilter.?CorrelationId
            label: rule.definition.Properties.CorrelationFilter.?Label
            messageId: rule.definition.Properties.CorrelationFilter.?MessageId
            replyTo: rule.definition.Properties.CorrelationFilter.?ReplyTo
            replyToSessionId: rule.definition.Properties.CorrelationFilter.?ReplyToSessionId
            sessionId: rule.definition.Properties.CorrelationFilter.?SessionId
            to: rule.definition.Properties.CorrelationFilter.?To
            properties: rule.definition.Properties.CorrelationFilter.?Properties
          }
        : null
      action: rule.definition.Properties.?Action == null
        ? null
        : {
            sqlExpression: rule.definition.Properties.Action.SqlExpression
          }
    }
  }
]

// Least privilege: the function identity may receive from its inbound queues and its own subscriptions, and send to
// its outbound queues and to the topics; never a namespace-wide role.
resource functionReceivesQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for i in receiveQueueIndexes: {
    scope: queueResources[i]
    name: guid(queueResources[i].id, functionPrincipalId, dataReceiverRoleId)
    properties: {
      principalId: functionPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: dataReceiverRoleId
    }
  }
]

resource functionSendsQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for i in sendQueueIndexes: {
    scope: queueResources[i]
    name: guid(queueResources[i].id, functionPrincipalId, dataSenderRoleId)
    properties: {
      principalId: functionPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: dataSenderRoleId
    }
  }
]

// Repairs (docs/exceptions.md): the exceptions API resubmits a corrected message from an inbound queue's dead-letter
// sub-queue to the same queue, so the function identity may also send to the queues it receives from — still per queue.
resource functionResubmitsToInboundQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for i in receiveQueueIndexes: {
    scope: queueResources[i]
    name: guid(queueResources[i].id, functionPrincipalId, dataSenderRoleId)
    properties: {
      principalId: functionPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: dataSenderRoleId
    }
  }
]

resource functionSendsTopics 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (topic, i) in topics: {
    scope: topicResources[i]
    name: guid(topicResources[i].id, functionPrincipalId, dataSenderRoleId)
    properties: {
      principalId: functionPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: dataSenderRoleId
    }
  }
]

resource functionReceivesSubscriptions 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for i in functionSubscriptionIndexes: {
    scope: subscriptionResources[i]
    name: guid(subscriptionResources[i].id, functionPrincipalId, dataReceiverRoleId)
    properties: {
      principalId: functionPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: dataReceiverRoleId
    }
  }
]

// The OMS sends to its publish queue and reads its answers, nothing else.
resource omsRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in omsAssignments: {
    scope: queueResources[assignment.queueIndex]
    name: guid(queueResources[assignment.queueIndex].id, assignment.principalId, assignment.sends ? dataSenderRoleId : dataReceiverRoleId)
    properties: {
      principalId: assignment.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: assignment.sends ? dataSenderRoleId : dataReceiverRoleId
    }
  }
]

output namespaceId string = namespace.id
// The host name of the namespace's endpoint (https://<name>.servicebus.windows.net:443/), right for every Azure cloud.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
