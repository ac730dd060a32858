// The connector's one identity. A user-assigned identity (not the site's system-assigned
// one) exists before the Function App does, so its role assignments can be in place
// when the host first starts, and it survives a rebuild of the app: the Exchange
// permission granted to it by an administrator is not lost with the app.
@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags for the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
