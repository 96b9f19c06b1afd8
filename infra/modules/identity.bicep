// The app's user-assigned managed identity: the only principal the template grants roles to. It is assigned to the
// function app alone, which is also what Microsoft Entra requires of an identity used as a federated credential for
// App Service Authentication.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
