// ServerlessBackOffice in one resource group: the function app and everything it needs, secure by default.
// Every queue, topic, subscription, Cosmos database and container, and blob container comes from topology.json;
// nothing here spells an entity name (decision 0005). See docs/deploy.md for the first deployment.
targetScope = 'resourceGroup'

@description('Environment the deployment is for; it names the resources and picks nothing by itself.')
@allowed([
  'dev'
  'prod'
])
param environmentName string

@description('Azure region of the resources.')
param location string = resourceGroup().location

@description('Short lower-case prefix of every resource name.')
@minLength(2)
@maxLength(8)
param namePrefix string = 'sbo'

@description('Service Bus tier: Standard by default, Premium for private endpoints and dedicated capacity.')
@allowed([
  'Standard'
  'Premium'
])
param serviceBusSku string = 'Standard'

@description('Messaging units when the Service Bus tier is Premium.')
@allowed([
  1
  2
  4
  8
  16
])
param serviceBusPremiumCapacity int = 1

@description('Cosmos DB capacity: Serverless by default, Provisioned for autoscale throughput.')
@allowed([
  'Serverless'
  'Provisioned'
])
param cosmosCapacityMode string = 'Serverless'

@description('Autoscale maximum RU/s of the database when Cosmos DB is Provisioned.')
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 4000

@description('Point-in-time restore window of Cosmos DB continuous backup.')
@allowed([
  'Continuous7Days'
  'Continuous30Days'
])
param cosmosContinuousBackupTier string = 'Continuous30Days'

@description('Years a record in an immutable archive container can be neither changed nor deleted (SEC 17a-4(f) style).')
@minValue(1)
@maxValue(100)
param archiveRetentionYears int = 7

@description('Lets append blobs in immutable containers grow without changing what was written.')
param archiveAllowProtectedAppendWrites bool = false

@description('Redundancy of the archive storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param archiveSkuName string = 'Standard_GRS'

@description('Principal ids that get the Auditor read role on the immutable archive containers.')
param auditorPrincipalIds array = []

@description('Principal type of the auditor principal ids.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param auditorPrincipalType string = 'Group'

@description('Principal ids of the OMS publishers: they may send to the OMS queue and read its replies, nothing else.')
param omsPrincipalIds array = []

@description('Client id of the Entra app registration of the API that defines the Auditor app role (docs/deploy.md). Empty: every request but the health probe is refused.')
param authClientId string = ''

@description('Private endpoints for every backing service, public network access off, and the function app in a virtual network.')
param enablePrivateNetworking bool = false

@description('Address space of the virtual network when private networking is on.')
param vnetAddressPrefix string = '10.40.0.0/16'

@description('Most instances the function app may scale out to.')
@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Memory of each function app instance.')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 90

@description('Addresses the alerts are mailed to.')
param alertEmailAddresses array = []

@description('Where the runbooks are published, ending with a slash (for example https://github.com/<org>/<repo>/blob/main/docs/runbooks/).')
param runbookBaseUrl string = 'docs/runbooks/'

@description('Open settlement fails above which operations is alerted.')
@minValue(0)
param settlementFailsThreshold int = 25

@description('Book the deployment smoke test books its test trade in; reports and the ledger keep it apart.')
param smokeTestBook string = 'SMOKE-TEST'

@description('Name of the Key Vault secret that holds the archive signing key (ECDSA P-256, PKCS#8 PEM).')
param archiveSigningKeySecretName string = 'archive-signing-key'

@description('Tags applied to every resource.')
param tags object = {}

var topology = loadJsonContent('topology.json')

var suffix = uniqueString(resourceGroup().id, namePrefix, environmentName)
var baseName = '${namePrefix}-${environmentName}'
var storagePrefix = toLower(replace(namePrefix, '-', ''))
var allTags = union(tags, {
  application: 'ServerlessBackOffice'
  environment: environmentName
})
var publicNetworkAccess = enablePrivateNetworking ? 'Disabled' : 'Enabled'
var functionAppName = 'func-${baseName}-${suffix}'
var appInsightsName = 'appi-${baseName}'

// Days of the retention period, leap days included: ceil(years × 365.25).
var archiveRetentionDays = (archiveRetentionYears * 1461 + 3) / 4

// The function app reads every inbound queue and sends to these (keys, not names: the names live in topology.json).
var functionSendQueueKeys = [
  'omsReplies'
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}'
  location: location
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: allTags
    workspaceName: 'log-${baseName}'
    appInsightsName: appInsightsName
    actionGroupName: 'ag-${baseName}'
    retentionInDays: logRetentionInDays
    alertEmailAddresses: alertEmailAddresses
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: allTags
    runtimeAccountName: take('st${storagePrefix}rt${suffix}', 24)
    deploymentContainerName: 'app-package-${take(functionAppName, 40)}'
    archiveAccountName: take('st${storagePrefix}ar${suffix}', 24)
    archiveSkuName: archiveSkuName
    containers: topology.blob.containers
    retentionDays: archiveRetentionDays
    allowProtectedAppendWrites: archiveAllowProtectedAppendWrites
    publicNetworkAccess: publicNetworkAccess
    functionPrincipalId: identity.properties.principalId
    auditorPrincipalIds: auditorPrincipalIds
    auditorPrincipalType: auditorPrincipalType
    workspaceId: monitoring.outputs.workspaceId
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    location: location
    tags: allTags
    namespaceName: 'sb-${baseName}-${suffix}'
    sku: serviceBusSku
    premiumCapacity: serviceBusPremiumCapacity
    publicNetworkAccess: publicNetworkAccess
    queues: topology.serviceBus.queues
    topics: topology.serviceBus.topics
    functionSendQueueKeys: functionSendQueueKeys
    functionPrincipalId: identity.properties.principalId
    omsPublishQueueKey: 'omsTrades'
    omsReplyQueueKey: 'omsReplies'
    omsPrincipalIds: omsPrincipalIds
    workspaceId: monitoring.outputs.workspaceId
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    location: location
    tags: allTags
    accountName: 'cosmos-${baseName}-${suffix}'
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    continuousBackupTier: cosmosContinuousBackupTier
    publicNetworkAccess: publicNetworkAccess
    database: topology.cosmos.database
    containers: topology.cosmos.containers
    functionPrincipalId: identity.properties.principalId
    workspaceId: monitoring.outputs.workspaceId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: allTags
    vaultName: take('kv-${baseName}-${suffix}', 24)
    publicNetworkAccess: publicNetworkAccess
    functionPrincipalId: identity.properties.principalId
    workspaceId: monitoring.outputs.workspaceId
  }
}

module network 'modules/network.bicep' = if (enablePrivateNetworking) {
  name: 'network'
  params: {
    location: location
    tags: allTags
    vnetName: 'vnet-${baseName}'
    addressPrefix: vnetAddressPrefix
    endpoints: [
      {
        name: 'pe-${baseName}-servicebus'
        resourceId: serviceBus.outputs.namespaceId
        groupId: 'namespace'
        zone: 'privatelink.servicebus.windows.net'
      }
      {
        name: 'pe-${baseName}-cosmos'
        resourceId: cosmos.outputs.accountId
        groupId: 'Sql'
        zone: 'privatelink.documents.azure.com'
      }
      {
        name: 'pe-${baseName}-runtime-blob'
        resourceId: storage.outputs.runtimeAccountId
        groupId: 'blob'
        zone: 'privatelink.blob.${environment().suffixes.storage}'
      }
      {
        name: 'pe-${baseName}-archive-blob'
        resourceId: storage.outputs.archiveAccountId
        groupId: 'blob'
        zone: 'privatelink.blob.${environment().suffixes.storage}'
      }
      {
        name: 'pe-${baseName}-keyvault'
        resourceId: keyVault.outputs.vaultId
        groupId: 'vault'
        zone: 'privatelink.vaultcore.azure.net'
      }
    ]
  }
}

// Identity-based connections only: endpoints, names and the identity's client id, never a key or a secret.
var connectionSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.runtimeAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  '${topology.serviceBus.namespaceAppSetting}__fullyQualifiedNamespace': serviceBus.outputs.fullyQualifiedNamespace
  '${topology.serviceBus.namespaceAppSetting}__credential': 'managedidentity'
  '${topology.serviceBus.namespaceAppSetting}__clientId': identity.properties.clientId
  CosmosConnection__accountEndpoint: cosmos.outputs.endpoint
  CosmosConnection__credential: 'managedidentity'
  CosmosConnection__clientId: identity.properties.clientId
  ArchiveStorage__blobServiceUri: storage.outputs.archiveBlobEndpoint
  ArchiveStorage__credential: 'managedidentity'
  ArchiveStorage__clientId: identity.properties.clientId
  KeyVault__vaultUri: keyVault.outputs.vaultUri
  ArchiveSigning__secretName: archiveSigningKeySecretName
  AZURE_CLIENT_ID: identity.properties.clientId
  // The connection string carries the ingestion endpoint and a public instrumentation key; local auth is off on the
  // component, so telemetry is accepted only with the identity's Entra token (decision 0041).
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  BackOffice__Environment: environmentName
  BackOffice__SmokeTestBook: smokeTestBook
}

// Every entity's app setting carries its name from the topology (%OmsTradesQueue% in a trigger).
var entitySettings = toObject(
  concat(
    topology.serviceBus.queues,
    topology.serviceBus.topics,
    filter(flatten(map(topology.serviceBus.topics, t => t.subscriptions)), s => s.?appSetting != null),
    [topology.cosmos.database]
  ),
  e => e.appSetting!,
  e => e.name
)

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    tags: allTags
    planName: 'plan-${baseName}'
    functionAppName: functionAppName
    identityId: identity.id
    identityPrincipalId: identity.properties.principalId
    runtimeBlobEndpoint: storage.outputs.runtimeBlobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: appInsightsName
    appSettings: union(connectionSettings, entitySettings)
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
    authClientId: authClientId
    anonymousPaths: [
      '/api/health'
    ]
    virtualNetworkSubnetId: enablePrivateNetworking ? network!.outputs.appSubnetId : ''
    workspaceId: monitoring.outputs.workspaceId
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alert-rules'
  params: {
    location: location
    tags: allTags
    namePrefix: baseName
    serviceBusNamespaceId: serviceBus.outputs.namespaceId
    appInsightsId: monitoring.outputs.appInsightsId
    actionGroupId: monitoring.outputs.actionGroupId
    runbookBaseUrl: runbookBaseUrl
    settlementFailsThreshold: settlementFailsThreshold
    settlementFailsMetric: 'SettlementFailsOpen'
    unaffirmedAtCutoffMetric: 'UnaffirmedAtCutoff'
    archiveWriteFailuresMetric: 'ArchiveWriteFailures'
  }
}

output functionAppName string = functionApp.outputs.functionAppName
output functionAppHostName string = functionApp.outputs.defaultHostName
output serviceBusFullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output cosmosEndpoint string = cosmos.outputs.endpoint
output archiveAccountName string = storage.outputs.archiveAccountName
output keyVaultUri string = keyVault.outputs.vaultUri
output identityClientId string = identity.properties.clientId
output identityPrincipalId string = identity.properties.principalId
output appInsightsId string = monitoring.outputs.appInsightsId
output alertRuleNames array = alerts.outputs.alertRuleNames
