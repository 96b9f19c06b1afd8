// MI Exposure Auditor in one subscription deployment: the resource group, the app identity and its roles, storage,
// monitoring, Key Vault and the Flex Consumption function app. `azd up` or `az deployment sub create` (see
// docs/deployment.md, which also explains each parameter and the cost).
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('Environment name (azd: AZURE_ENV_NAME); names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
param location string

@description('Resource group to create or update; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Subscription ids to audit; the app identity gets Reader on each.')
param auditSubscriptionIds array = []

@description('Management group names to audit. Reader there is granted by reader-management-group.bicep, run separately.')
param auditManagementGroupIds array = []

@description('Application (client) id of the Microsoft Entra app registration people sign in to.')
param entraClientId string

@description('App role a reader needs (REPORT_REQUIRED_ROLE).')
param readerRole string = 'Auditor.Read'

@description('App role the admin routes need (REPORT_ADMIN_ROLE).')
param adminRole string = 'Auditor.Admin'

@secure()
@description('Teams Workflows webhook URL of the default channel; empty: no default channel. Stored in Key Vault.')
param teamsWebhookUrl string = ''

@secure()
@description('Webhook URLs of ALERT_ROUTES channels: app setting name to URL. Each is stored in Key Vault.')
param alertWebhookUrls object = {}

@description('ALERT_ROUTES (a JSON array naming the settings in alertWebhookUrls); empty: not set.')
param alertRoutes string = ''

@description('Further app settings that hold no secret (for example ALERT_MIN_SEVERITY).')
param extraAppSettings object = {}

@allowed([512, 2048, 4096])
@description('Instance memory: 2048 MB holds a 1M-row audit (1.4 GB peak RSS, docs/performance.md).')
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
@description('Scale-out ceiling: the lowest Flex Consumption allows; audits are bound by the Resource Graph quota.')
param maximumInstanceCount int = 40

@minValue(0)
@description('Always-ready instances for the HTTP functions; 0 (default): none, nothing is billed while idle.')
param alwaysReadyInstances int = 0

@description('Turn on Key Vault purge protection (it cannot be turned off again).')
param keyVaultPurgeProtection bool = true

@minValue(30)
@maxValue(730)
@description('Days the Log Analytics workspace keeps telemetry.')
param logRetentionDays int = 30

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))
var deploymentContainerName = 'app-package-${token}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: { name: 'id-mi-auditor-${token}', location: location, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stmiaud${token}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    principalId: identity.outputs.principalId
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-mi-auditor-${token}'
    componentName: 'appi-mi-auditor-${token}'
    location: location
    tags: tags
    retentionInDays: logRetentionDays
    principalId: identity.outputs.principalId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: 'kv-miaud-${token}'
    location: location
    tags: tags
    purgeProtection: keyVaultPurgeProtection
    principalId: identity.outputs.principalId
    settingNames: concat(empty(teamsWebhookUrl) ? [] : ['TEAMS_WEBHOOK_URL'], objectKeys(alertWebhookUrls))
    secretValues: union(alertWebhookUrls, { TEAMS_WEBHOOK_URL: teamsWebhookUrl })
  }
}

module readers 'modules/reader-at-subscription.bicep' = [
  for subscriptionId in auditSubscriptionIds: {
    name: 'reader-${subscriptionId}'
    scope: subscription(subscriptionId)
    params: { principalId: identity.outputs.principalId }
  }
]

module app 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: 'func-mi-auditor-${token}'
    planName: 'plan-mi-auditor-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyInstances: alwaysReadyInstances
    appInsightsConnectionString: monitoring.outputs.connectionString
    auditSubscriptionIds: auditSubscriptionIds
    auditManagementGroupIds: auditManagementGroupIds
    entraClientId: entraClientId
    readerRole: readerRole
    adminRole: adminRole
    secretReferences: keyVault.outputs.references
    alertRoutes: alertRoutes
    extraAppSettings: extraAppSettings
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output AZURE_FUNCTION_APP_URL string = app.outputs.url
output AZURE_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.componentName
