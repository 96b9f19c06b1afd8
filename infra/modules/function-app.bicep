// The auditor itself: a Flex Consumption plan and a Node 22 function app that runs as the user-assigned identity
// (storage, Key Vault references, telemetry, the deployment package), with App Service Authentication for people.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
@allowed([512, 2048, 4096])
param instanceMemoryMB int
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int
@minValue(0)
param alwaysReadyInstances int
param appInsightsConnectionString string
param auditSubscriptionIds array
param auditManagementGroupIds array
param entraClientId string
param readerRole string
param adminRole string
@description('Key Vault references to set: name is the app setting, uri the secret URI.')
param secretReferences array
param alertRoutes string
param extraAppSettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'auditor' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Off by default: a nightly audit and a few people reading the dashboard do not pay for an idle instance.
        alwaysReady: alwaysReadyInstances > 0 ? [{ name: 'http', instanceCount: alwaysReadyInstances }] : []
      }
      runtime: { name: 'node', version: '22' }
    }
  }
}

var storageSuffix = environment().suffixes.storage

// What the app and the Functions host read (src/config/settings-catalog.ts marks the required ones; test/infra checks
// that this template sets each of them and nothing the catalog keeps to local development).
var managedSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Endpoints spelled out so that sovereign clouds work: the account name alone means the public cloud's suffix.
  AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${storageSuffix}'
  AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${storageSuffix}'
  AzureWebJobsStorage__tableServiceUri: 'https://${storageAccountName}.table.${storageSuffix}'
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
  AUDIT_CLOUD: environment().name
  AUDIT_SUBSCRIPTIONS: join(auditSubscriptionIds, ',')
  AUDIT_MANAGEMENT_GROUPS: join(auditManagementGroupIds, ',')
  REPORT_REQUIRED_ROLE: readerRole
  REPORT_ADMIN_ROLE: adminRole
  // Easy Auth signs in with a client assertion from this identity (a federated credential on the app registration)
  // instead of a client secret.
  OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: identityClientId
}

var routeSettings = empty(alertRoutes) ? {} : { ALERT_ROUTES: alertRoutes }

var keyVaultSettings = toObject(secretReferences, ref => ref.name, ref => '@Microsoft.KeyVault(SecretUri=${ref.uri})')

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  // Later objects win: an extra setting cannot replace the identity, storage or secret wiring.
  properties: union(extraAppSettings, managedSettings, routeSettings, keyVaultSettings)
}

// App Service Authentication: sign-in with Microsoft Entra ID, but anonymous requests still reach the app, which
// decides per door (the key door /api/<route> and the signed-in door /api/web/<route>, docs/deployment.md).
resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          clientId: entraClientId
          clientSecretSettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'
        }
        validation: {
          allowedAudiences: ['api://${entraClientId}', entraClientId]
        }
      }
    }
    login: {
      tokenStore: { enabled: true }
    }
  }
  dependsOn: [appSettings]
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
