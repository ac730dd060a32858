// Data-plane roles of the connector's managed identity (and, optionally, of the
// administrator who uploads the certificate). Each assignment is named with guid() over
// scope, principal and role, so redeploying finds the same assignment instead of
// failing with RoleAssignmentExists.
@description('Storage account the identity works with.')
param storageAccountName string

@description('Application Insights component the identity publishes telemetry to.')
param applicationInsightsName string

@description('Key Vault holding the connector credential; empty when the template creates none.')
param keyVaultName string = ''

@description('Principal (object) id of the connector\'s user-assigned managed identity.')
param principalId string

@description('Object id of a user or group allowed to import the connector certificate into the Key Vault; empty for none.')
param certificateUploaderPrincipalId string = ''

// Built-in role definition ids (the same in every tenant).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultCertificatesOfficer: 'a4417e6f-fecd-4de8-b567-7b0420556985'
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = if (!empty(keyVaultName)) {
  name: keyVaultName
}

// The connector's inventory: the app creates its tables on first use and reads and
// writes entities; it needs no other storage data.
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    // Set explicitly: a just-created identity may not have replicated to every Entra
    // endpoint yet, and ARM then cannot look its type up by itself.
    principalType: 'ServicePrincipal'
  }
}

// The Functions host (AzureWebJobsStorage: timer schedule status, host locks) and the
// Flex Consumption deployment container; the host creates its own containers, hence Owner.
resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The Functions host uses queues of AzureWebJobsStorage for some bindings and for
// retries; granting it here avoids a silent host failure when one is added.
resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Application Insights has local (key) auth disabled; telemetry is sent with this identity.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, roleIds.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Lets App Service resolve the Key Vault references (EXO_CERTIFICATE, EXO_CLIENT_SECRET)
// with this identity. Scoped to the vault, not to one secret: the certificate is imported
// after deployment, so the secret does not exist yet, and the vault holds nothing else.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultName)) {
  name: guid(vault.id, principalId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// With RBAC authorization nobody, not even the subscription owner, can import a
// certificate until granted; this spares the administrator a separate role assignment.
resource certificatesOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultName) && !empty(certificateUploaderPrincipalId)) {
  name: guid(vault.id, certificateUploaderPrincipalId, roleIds.keyVaultCertificatesOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultCertificatesOfficer)
    principalId: certificateUploaderPrincipalId
  }
}
