// Key Vault for the app's secrets (webhook URLs carry a signature): RBAC authorization, soft delete, optional purge
// protection. The app reads the secrets through Key Vault references, as its own identity with Key Vault Secrets User
// on this vault only.
param name string
param location string
param tags object
param purgeProtection bool
param principalId string
@description('App setting names whose values are stored here, one secret each (underscores become dashes).')
param settingNames array
@secure()
@description('App setting name to secret value, for every name in settingNames.')
param secretValues object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The service refuses false once protection is on, and it cannot be turned off: leave it unset unless asked.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for settingName in settingNames: {
    parent: vault
    name: replace(settingName, '_', '-')
    properties: {
      value: secretValues[settingName]
      contentType: 'app setting ${settingName}'
    }
  }
]

// Key Vault Secrets User on this vault only: App Service resolves the Key Vault references with the app identity.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
@description('One entry per stored setting: its name and the secret URI without a version (the latest is used).')
output references array = [for (settingName, i) in settingNames: { name: settingName, uri: secrets[i].properties.secretUri }]
