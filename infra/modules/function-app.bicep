// Flex Consumption plan and the connector's Function App.
//
// Why Flex Consumption: the connector is idle most of the day (a full sync nightly, a
// delta sync every two hours, occasional API calls), so pay-per-execution fits; unlike
// the older Linux Consumption plan it deploys from a blob container with a managed
// identity, needs no storage account keys or file share, and is the plan Microsoft
// develops further.
@description('Function App name (globally unique host name).')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region; must offer Flex Consumption.')
param location string

@description('Tags for the plan and the app.')
param tags object

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Blob endpoint of the storage account holding the deployment container.')
param deploymentBlobEndpoint string

@description('Blob container the packages are deployed to.')
param deploymentContainerName string

@description('App settings; entries with an empty value are left out so the connector\'s own default applies.')
param appSettings object

@description('Node.js version of the Functions runtime.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '20'

@description('Memory of one instance, MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of instances. Timers run on one instance whatever the value; this bounds HTTP scale-out and cost.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity (the app has no
    // system-assigned one), which holds Key Vault Secrets User on the vault.
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${deploymentBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: map(filter(items(appSettings), setting => !empty(setting.value)), setting => {
        name: setting.key
        value: setting.value
      })
    }
  }
}

// Publishing with a user name and password (FTP, or the SCM site's basic auth) is off:
// az, azd and Core Tools deploy with the caller's Entra sign-in instead.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
