// The two storage accounts: the function runtime's (host state and the Flex Consumption deployment package) and the
// archive's (every blob container of infra/topology.json; immutable ones under container-level time-based retention).
// Both accept Entra ID only: shared keys, anonymous blob access and TLS below 1.2 are off.

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Runtime storage account name.')
param runtimeAccountName string

@description('Blob container of the runtime account that holds the deployment package.')
param deploymentContainerName string

@description('Archive storage account name.')
param archiveAccountName string

@description('Redundancy of the archive account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param archiveSkuName string

@description('The blob containers of the topology (blob.containers).')
param containers array

@description('Days a blob in an immutable container can be neither changed nor deleted after it is written.')
@minValue(1)
@maxValue(146000)
param retentionDays int

@description('Lets append blobs in immutable containers grow without changing what was written (protected append writes).')
param allowProtectedAppendWrites bool

@description('Enabled or Disabled: Disabled lets traffic in through private endpoints only.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

@description('Principal id of the function app identity.')
param functionPrincipalId string

@description('Principal ids (users, groups or service principals) that get the Auditor read role on the archive containers.')
param auditorPrincipalIds array

@description('Principal type of the auditor principal ids.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param auditorPrincipalType string

@description('Log Analytics workspace that receives the diagnostic logs and metrics.')
param workspaceId string

var blobDataOwnerRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
var blobDataContributorRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
var blobDelegatorRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a')

var networkAcls = {
  defaultAction: publicNetworkAccess == 'Disabled' ? 'Deny' : 'Allow'
  bypass: 'None'
}

var immutableContainerIndexes = filter(range(0, length(containers)), i => containers[i].immutable)

resource runtimeAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: runtimeAccountName
  location: location
  tags: union(tags, {
    purpose: 'function-runtime'
  })
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: networkAcls
  }
}

resource runtimeBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: runtimeAccount
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: runtimeBlobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource archiveAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: archiveAccountName
  location: location
  // Operators and docs/deploy.md find the archive account by this tag.
  tags: union(tags, {
    purpose: 'records-archive'
  })
  kind: 'StorageV2'
  sku: {
    name: archiveSkuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: networkAcls
  }
}

resource archiveBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: archiveAccount
  name: 'default'
  properties: {
    isVersioningEnabled: true
    changeFeed: {
      enabled: true
    }
    deleteRetentionPolicy: {
      enabled: true
      days: 30
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 30
    }
  }
}

resource archiveDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: archiveBlobService
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

resource runtimeDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: runtimeBlobService
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

// The Auditor role: read and list the archive, nothing more (no write, no delete, no key, no SAS of its own).
resource auditorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, archiveAccount.id, 'Auditor')
  properties: {
    roleName: 'Auditor (${archiveAccount.name})'
    description: 'Reads and lists the immutable archive of ServerlessBackOffice in ${resourceGroup().name}.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/read'
        ]
        dataActions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'
        ]
        notActions: []
        notDataActions: []
      }
    ]
  }
}

resource functionOwnsRuntimeBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: runtimeAccount
  name: guid(runtimeAccount.id, functionPrincipalId, blobDataOwnerRoleId)
  properties: {
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: blobDataOwnerRoleId
  }
}

// The function signs short-lived user-delegation SAS links for auditors; the key it asks for is account-wide.
resource functionDelegatesArchive 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: archiveAccount
  name: guid(archiveAccount.id, functionPrincipalId, blobDelegatorRoleId)
  properties: {
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: blobDelegatorRoleId
  }
}

resource containerResources 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for container in containers: {
    parent: archiveBlobService
    name: container.name
    properties: {
      publicAccess: 'None'
    }
  }
]

resource retentionPolicies 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = [
  for i in immutableContainerIndexes: {
    parent: containerResources[i]
    name: 'default'
    properties: {
      immutabilityPeriodSinceCreationInDays: retentionDays
      allowProtectedAppendWrites: allowProtectedAppendWrites
    }
  }
]

// Writes per container, not account-wide; the retention policy stops any overwrite or delete the role would allow.
resource functionWritesContainers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (container, i) in containers: {
    scope: containerResources[i]
    name: guid(containerResources[i].id, functionPrincipalId, blobDataContributorRoleId)
    properties: {
      principalId: functionPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: blobDataContributorRoleId
    }
  }
]

resource auditorsReadArchive 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in flatten(map(immutableContainerIndexes, i => map(auditorPrincipalIds, p => {
    containerIndex: i
    principalId: p
  }))): {
    scope: containerResources[assignment.containerIndex]
    name: guid(containerResources[assignment.containerIndex].id, assignment.principalId, auditorRole.id)
    properties: {
      principalId: assignment.principalId
      principalType: auditorPrincipalType
      roleDefinitionId: auditorRole.id
    }
  }
]

output runtimeAccountName string = runtimeAccount.name
output runtimeBlobEndpoint string = runtimeAccount.properties.primaryEndpoints.blob
output archiveAccountId string = archiveAccount.id
output archiveAccountName string = archiveAccount.name
output archiveBlobEndpoint string = archiveAccount.properties.primaryEndpoints.blob
output runtimeAccountId string = runtimeAccount.id
output deploymentContainerName string = deploymentContainer.name
