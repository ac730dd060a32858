// Key Vault for the connector's Exchange credential (certificate, or client secret).
// The Function App never sees the vault's contents at deploy time: its app settings
// hold Key Vault references that App Service resolves with the managed identity.
@description('Key Vault name: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the vault.')
param tags object

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC instead of access policies: who may read the credential is visible and
    // granted like every other role in this template.
    enableRbacAuthorization: true
    // A deleted vault (or certificate) can be recovered for 90 days, and purge
    // protection stops anyone, including an administrator, from destroying the
    // credential early. Purge protection cannot be turned off again.
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
