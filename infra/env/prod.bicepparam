// Production: private endpoints and public network access off, Premium Service Bus (private endpoints need it),
// 30-day point-in-time restore, geo-redundant archive under seven-year retention.
// Values that differ per subscription come from the environment (GitHub environment variables, docs/deploy.md).
using '../main.bicep'

param environmentName = 'prod'
param namePrefix = readEnvironmentVariable('BACKOFFICE_NAME_PREFIX', 'sbo')
param serviceBusSku = 'Premium'
param serviceBusPremiumCapacity = 1
param cosmosCapacityMode = readEnvironmentVariable('BACKOFFICE_COSMOS_CAPACITY_MODE', 'Serverless')
param cosmosContinuousBackupTier = 'Continuous30Days'
param archiveRetentionYears = 7
param archiveSkuName = 'Standard_GRS'
param enablePrivateNetworking = true
param logRetentionInDays = 365
param authClientId = readEnvironmentVariable('BACKOFFICE_AUTH_CLIENT_ID', '')
param auditorPrincipalIds = map(filter(split(readEnvironmentVariable('BACKOFFICE_AUDITOR_PRINCIPAL_IDS', ''), ','), id => !empty(trim(id))), id => trim(id))
param omsPrincipalIds = map(filter(split(readEnvironmentVariable('BACKOFFICE_OMS_PRINCIPAL_IDS', ''), ','), id => !empty(trim(id))), id => trim(id))
param alertEmailAddresses = map(filter(split(readEnvironmentVariable('BACKOFFICE_ALERT_EMAILS', ''), ','), a => !empty(trim(a))), a => trim(a))
param runbookBaseUrl = readEnvironmentVariable('BACKOFFICE_RUNBOOK_BASE_URL', 'docs/runbooks/')
param settlementFailsThreshold = 10
