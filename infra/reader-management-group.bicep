// Reader on one audited management group, deployed on its own with `az deployment mg create` (docs/deployment.md):
// a subscription deployment cannot target a management group except through a tenant-scope deployment, which would
// ask the deployer for rights at the tenant root. Whoever may assign roles on the management group runs this.
targetScope = 'managementGroup'

@description('Principal id of the auditor identity (the AZURE_IDENTITY_PRINCIPAL_ID output of main.bicep).')
param principalId string

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, 'acdd72a7-3385-48ef-bd42-f606fba81ae7')
  properties: {
    roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
