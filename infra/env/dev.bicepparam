// Development: public endpoints (Entra ID only), Standard Service Bus, serverless Cosmos DB.
// Values that differ per subscription come from the environment (GitHub environment variables, docs/deploy.md).
using '../main.bicep'

param environmentName = 'dev'
param namePrefix = readEnvironmentVariable('BACKOFFICE_NAME_PREFIX', 'sbo')
param serviceBusSku = 'Standard'
param cosmosCapacityMode = 'Serverless'
param cosmosContinuousBackupTier = 'Continuous7Days'
param archiveRetentionYears = 7
param archiveSkuName = 'Standard_LRS'
param enablePrivateNetworking = false
param logRetentionInDays = 30
param authClientId = readEnvironmentVariable('BACKOFFICE_AUTH_CLIENT_ID', '')
param auditorPrincipalIds = map(filter(split(readEnvironmentVariable('BACKOFFICE_AUDITOR_PRINCIPAL_IDS', ''), ','), id => !empty(trim(id))), id => trim(id))
param omsPrincipalIds = map(filter(split(readEnvironmentVariable('BACKOFFICE_OMS_PRINCIPAL_IDS', ''), ','), id => !empty(trim(id))), id => trim(id))
param alertEmailAddresses = map(filter(split(readEnvironmentVariable('BACKOFFICE_ALERT_EMAILS', ''), ','), a => !empty(trim(a))), a => trim(a))
param runbookBaseUrl = readEnvironmentVariable('BACKOFFICE_RUNBOOK_BASE_URL', 'docs/runbooks/')
param settlementFailsThreshold = 25
