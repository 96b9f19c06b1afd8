// Log Analytics workspace and workspace-based Application Insights with local (key) authentication off: telemetry is
// accepted only from a Microsoft Entra identity holding Monitoring Metrics Publisher on this component.
param workspaceName string
param componentName string
param location string
param tags object
@minValue(30)
@maxValue(730)
param retentionInDays int
param principalId string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
  }
}

resource component 'Microsoft.Insights/components@2020-02-02' = {
  name: componentName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

// Monitoring Metrics Publisher on this component only: Entra-authenticated ingestion of traces, metrics and logs.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(component.id, principalId, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: component
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output connectionString string = component.properties.ConnectionString
output componentName string = component.name
