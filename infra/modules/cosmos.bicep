// Cosmos DB for NoSQL: the account (Entra-only, continuous backup), the database and every container of
// infra/topology.json, and the function identity's data-plane role scoped to that database.

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Cosmos DB account name.')
param accountName string

@description('Serverless (pay per request) by default; Provisioned for autoscale throughput on the database.')
@allowed([
  'Serverless'
  'Provisioned'
])
param capacityMode string

@description('Autoscale maximum RU/s of the shared database throughput when the capacity mode is Provisioned.')
@minValue(1000)
param autoscaleMaxThroughput int

@description('Point-in-time restore window of the continuous backup.')
@allowed([
  'Continuous7Days'
  'Continuous30Days'
])
param continuousBackupTier string

@description('Enabled or Disabled: Disabled lets traffic in through private endpoints only.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

@description('The database of the topology (cosmos.database).')
param database object

@description('The containers of the topology (cosmos.containers).')
param containers array

@description('Principal id of the function app identity.')
param functionPrincipalId string

@description('Log Analytics workspace that receives the diagnostic logs and metrics.')
param workspaceId string

// Every path is indexed so the stages may query on any field; the system etag never is. Documents are written
// consistently so a read after a write sees it (the outbox and the change feed rely on it).
var indexingPolicy = {
  indexingMode: 'consistent'
  automatic: true
  includedPaths: [
    {
      path: '/*'
    }
  ]
  excludedPaths: [
    {
      path: '/"_etag"/?'
    }
  ]
}

// Cosmos DB Built-in Data Contributor (a data-plane SQL role definition of the account, not an Azure RBAC role).
var dataContributorRoleDefinitionId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: capacityMode == 'Serverless'
      ? [
          {
            name: 'EnableServerless'
          }
        ]
      : []
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: continuousBackupTier
      }
    }
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: publicNetworkAccess
    networkAclBypass: 'None'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: account
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
        category: 'Requests'
        enabled: true
      }
    ]
  }
}

resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: account
  name: guid(account.id, functionPrincipalId, dataContributorRoleDefinitionId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleDefinitionId}'
    principalId: functionPrincipalId
    // The database, not the account: the identity cannot touch another database added to the account later.
    scope: '${account.id}/dbs/${sqlDatabase.name}'
  }
}

resource sqlDatabase 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: database.name
  properties: {
    resource: {
      id: database.name
    }
    options: capacityMode == 'Provisioned'
      ? {
          autoscaleSettings: {
            maxThroughput: autoscaleMaxThroughput
          }
        }
      : {}
  }
}

resource containerResources 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in containers: {
    parent: sqlDatabase
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: {
          paths: [
            container.partitionKeyPath
          ]
          kind: 'Hash'
          version: 2
        }
        defaultTtl: container.?defaultTimeToLiveSeconds
        indexingPolicy: indexingPolicy
      }
    }
  }
]

output accountId string = account.id
output endpoint string = account.properties.documentEndpoint
