// Storage for the connector's inventory tables, the Functions host (leases, timer
// checkpoints) and the Flex Consumption deployment packages.
@description('Storage account name: 3-24 lower-case letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the account.')
param tags object

@description('Blob container that holds the Function App packages (Flex Consumption deploys from it).')
param deploymentContainerName string

@description('Replication. The device inventory can be rebuilt by a full sync from Exchange, so LRS is the default; choose ZRS or GRS to keep the audit and wipe history through an outage.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
])
param skuName string = 'Standard_LRS'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    // No account keys: the connector (STORAGE_ACCOUNT_URL), the Functions host
    // (AzureWebJobsStorage__credential) and deployments all authenticate with the
    // managed identity, so there is no connection string to leak or rotate.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Flex Consumption without virtual network integration reaches storage over its
    // public endpoint; access is still Entra-only (see allowSharedKeyAccess).
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output tableEndpoint string = storage.properties.primaryEndpoints.table
