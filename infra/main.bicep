// Deploys the Exchange Online mobile device connector into an administrator's
// subscription: a resource group with storage, monitoring, an optional Key Vault, a
// user-assigned managed identity and a Flex Consumption Function App.
//
// Subscription scope (as in Azure-Samples/functions-quickstart-typescript-azd), so one
// `az deployment sub create` or `azd provision` also creates the resource group.
// Modules are local files rather than Azure Verified Modules from the public registry:
// compiling needs no registry access, and every setting that matters for safety is
// visible in this folder.
targetScope = 'subscription'

// ---------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the environment (e.g. exo-connector-prod); with the subscription and region it seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer Flex Consumption (az functionapp list-flexconsumption-locations). Defaults to the deployment\'s own location (-l).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string = deployment().location

@description('Resource group name; default rg-<environmentName>.')
param resourceGroupName string = ''

// ---------------------------------------------------------------------------------
// Connector: Exchange Online access (EXO_*)
// ---------------------------------------------------------------------------------

@description('EXO_TENANT_ID: Entra tenant (GUID or verified domain) of the Exchange Online organization. Default: the tenant of this subscription.')
param exoTenantId string = tenant().tenantId

@description('EXO_AUTH_MODE: how the connector authenticates to Exchange Online. managedIdentity needs no credential at all (grant Exchange.ManageAsApp to the identity in the outputs); certificate and secret use an app registration (exoClientId) with the credential in Key Vault.')
@allowed([
  'certificate'
  'secret'
  'managedIdentity'
])
param exoAuthMode string

@description('EXO_CLIENT_ID: application (client) id of the app registration holding Exchange.ManageAsApp; required for certificate and secret, unused with managedIdentity.')
param exoClientId string = ''

@description('Create a Key Vault (RBAC mode, soft delete, purge protection) for the connector credential. Without it, point exoCertificateSecretUri or exoClientSecretUri at a vault you own.')
param createKeyVault bool = true

@description('Name of the Key Vault certificate (its secret has the same name) that EXO_CERTIFICATE refers to; import it as PEM after deployment.')
param certificateName string = 'exo-connector'

@description('Name of the Key Vault secret holding the client secret when exoAuthMode is secret and the template creates the vault.')
param clientSecretName string = 'exo-connector-client-secret'

// The two URIs below are not secrets, but @secure() keeps them out of deployment
// history, and whatever an administrator pastes here by mistake stays there too. Only a
// Key Vault secret URI (https://...) or a complete @Microsoft.KeyVault(...) reference is
// ever written to the app settings: any other value is dropped, so a client secret typed
// in by mistake never reaches the Function App's configuration.
@secure()
@description('Key Vault secret URI (https://<vault>.vault.azure.net/secrets/<name>) of the PEM certificate in a vault you own; only when createKeyVault is false.')
param exoCertificateSecretUri string = ''

@secure()
@description('Key Vault secret URI of the client secret in a vault you own; only when createKeyVault is false. Never the secret itself.')
param exoClientSecretUri string = ''

@description('EXO_ENDPOINT: Exchange Online endpoint (sovereign clouds differ, e.g. https://outlook.office365.us).')
param exoEndpoint string = 'https://outlook.office365.com'

@description('EXO_TOKEN_RESOURCE: resource whose token is requested (scope <resource>/.default). Empty: exoEndpoint; only differs behind a proxy.')
param exoTokenResource string = ''

@description('EXO_AUTHORITY_HOST: Entra authority host. Default: the login endpoint of the cloud this deployment runs in.')
param exoAuthorityHost string = environment().authentication.loginEndpoint

@description('EXO_PAGE_SIZE: objects per Exchange page.')
@minValue(1)
@maxValue(1000)
param exoPageSize int = 1000

@description('EXO_MAX_CONCURRENCY: upper bound of concurrent Exchange calls (lowered automatically while throttled).')
@minValue(1)
@maxValue(32)
param exoMaxConcurrency int = 12

@description('EXO_MAX_RETRIES: retries per Exchange call on throttling and transient errors.')
@minValue(0)
@maxValue(10)
param exoMaxRetries int = 5

@description('EXO_TIMEOUT_SECONDS: timeout of one Exchange HTTP call.')
@minValue(5)
@maxValue(960)
param exoTimeoutSeconds int = 120

// ---------------------------------------------------------------------------------
// Connector: inventory, schedules, scope, API
// ---------------------------------------------------------------------------------

@description('STORAGE_TABLE_PREFIX: prefix of the table names (a letter, then letters and digits); empty for none. At most 55: the longest table name (8) must still fit in 63 characters.')
@maxLength(55)
param storageTablePrefix string = ''

@description('SYNC_FULL_SCHEDULE: NCRONTAB (6 fields, UTC) of the full sync.')
param syncFullSchedule string = '0 0 2 * * *'

@description('SYNC_DELTA_SCHEDULE: NCRONTAB of the delta sync; at most every 5 minutes.')
param syncDeltaSchedule string = '0 0 */2 * * *'

@description('INSTALL_CHECK_SCHEDULE: NCRONTAB of the permission (install) check while the connector is not yet installed.')
param installCheckSchedule string = '0 0 * * * *'

@description('SCOPE_MODE: which mailboxes\' devices are inventoried.')
@allowed([
  'organization'
  'groups'
  'filter'
])
param scopeMode string = 'organization'

@description('SCOPE_GROUPS: groups (name, alias or SMTP) separated by ; when scopeMode is groups.')
param scopeGroups string = ''

@description('SCOPE_RECIPIENT_FILTER: OPATH recipient filter when scopeMode is filter, e.g. Department -eq \'Sales\'.')
param scopeRecipientFilter string = ''

@description('SCOPE_EXCLUDE_GROUPS: groups (distribution, security or Microsoft 365) separated by ; whose members are out of scope in every scopeMode.')
param scopeExcludeGroups string = ''

@description('STALE_AFTER_DAYS: devices whose last successful sync is older are flagged stale.')
@minValue(1)
@maxValue(3650)
param staleAfterDays int = 30

@description('API_AUDIENCE: audience (application ID URI) of the Entra tokens callers of the HTTP API present. Empty: api://<client id>. Set it with managedIdentity, whose client id has no application ID URI.')
param apiAudience string = ''

@description('API_TENANT_ID: tenant whose tokens the HTTP API accepts. Empty: exoTenantId.')
param apiTenantId string = ''

@description('LOG_LEVEL of the connector.')
@allowed([
  'debug'
  'info'
  'warn'
  'error'
])
param logLevel string = 'info'

// ---------------------------------------------------------------------------------
// Hosting
// ---------------------------------------------------------------------------------

@description('Object id of the user or group that imports the connector certificate: gets Key Vault Certificates Officer on the vault. Empty: nobody (grant it yourself).')
param certificateUploaderPrincipalId string = ''

@description('Storage replication; see modules/storage.bicep.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
])
param storageSkuName string = 'Standard_LRS'

// Node.js 20 is what the connector is built and tested on (package.json engines); its
// upstream support ended in April 2026, so moving to 22 is the next step once tested.
@description('Node.js version of the Functions runtime.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '20'

// Node's default heap grows far beyond what the connector keeps alive (about 0.8 KB per
// device during a sync): capping the old space keeps a 100,000-device sync under 300 MB of
// RSS (see README, "Measured figures"); raise it for much larger organizations.
@description('V8 old-space limit of the Functions Node.js worker, in MB (NODE_OPTIONS --max-old-space-size).')
@minValue(128)
@maxValue(1536)
param nodeMaxOldSpaceMb int = 192

@description('Upper bound of Function App instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

var abbrs = loadJsonContent('./abbreviations.json')
// One short, stable suffix per subscription + environment + region: names are globally
// unique yet redeploying the same environment updates rather than duplicates.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  workload: 'exo-mobile-connector'
}
var functionAppName = '${abbrs.webSitesFunctions}exo-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}exo-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    skuName: storageSkuName
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'modules/key-vault.bicep' = if (createKeyVault) {
  name: 'key-vault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
  }
}

module roles 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: createKeyVault ? keyVault!.outputs.name : ''
    principalId: identity.outputs.principalId
    certificateUploaderPrincipalId: certificateUploaderPrincipalId
  }
}

// Key Vault references for the credential. Without a version App Service follows the
// latest one (rechecked within a day, or at restart), so renewing the certificate in
// Key Vault needs no redeployment.
var vaultUri = createKeyVault ? keyVault!.outputs.uri : ''
var certificateReference = createKeyVault
  ? '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${certificateName})'
  : keyVaultReference(exoCertificateSecretUri)
var clientSecretReference = createKeyVault
  ? '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${clientSecretName})'
  : keyVaultReference(exoClientSecretUri)

@description('A Key Vault reference built from a secret URI, an existing reference kept as is; anything else (such as a pasted secret) becomes empty and is never written.')
func keyVaultReference(value string) string =>
  startsWith(value, '@Microsoft.KeyVault(')
    ? value
    : (startsWith(value, 'https://') ? '@Microsoft.KeyVault(SecretUri=${value})' : '')

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}exo-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    deploymentBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    maximumInstanceCount: maximumInstanceCount
    nodeVersion: nodeVersion
    // Every connector setting the template knows; empty values are left out so the
    // connector's own default applies (lib/config/settings.ts, which also records how
    // this template sets each setting, and test/integration/infra.test.ts holds the
    // parameters' defaults, ranges and allowed values to it). Not set here on purpose:
    // STORAGE_CONNECTION_STRING (account keys are disabled), EXO_CERTIFICATE_PATH (the
    // certificate comes from Key Vault through EXO_CERTIFICATE) and CONNECTOR_INSTANCE_ID
    // (each instance's WEBSITE_INSTANCE_ID is the right default), nor the outbound proxy
    // (CONNECTOR_PROXY_URL, HTTPS_PROXY, HTTP_PROXY, NO_PROXY: set them as app settings
    // where the network needs one).
    appSettings: {
      EXO_TENANT_ID: exoTenantId
      EXO_AUTH_MODE: exoAuthMode
      EXO_CLIENT_ID: exoAuthMode == 'managedIdentity' ? '' : exoClientId
      EXO_CERTIFICATE: exoAuthMode == 'certificate' ? certificateReference : ''
      EXO_CLIENT_SECRET: exoAuthMode == 'secret' ? clientSecretReference : ''
      EXO_MANAGED_IDENTITY_CLIENT_ID: exoAuthMode == 'managedIdentity' ? identity.outputs.clientId : ''
      EXO_ENDPOINT: exoEndpoint
      EXO_TOKEN_RESOURCE: exoTokenResource
      EXO_AUTHORITY_HOST: exoAuthorityHost
      EXO_PAGE_SIZE: string(exoPageSize)
      EXO_MAX_CONCURRENCY: string(exoMaxConcurrency)
      EXO_MAX_RETRIES: string(exoMaxRetries)
      EXO_TIMEOUT_SECONDS: string(exoTimeoutSeconds)
      // The inventory tables, reached with the managed identity (no connection string).
      STORAGE_ACCOUNT_URL: storage.outputs.tableEndpoint
      STORAGE_MANAGED_IDENTITY_CLIENT_ID: identity.outputs.clientId
      STORAGE_TABLE_PREFIX: storageTablePrefix
      SYNC_FULL_SCHEDULE: syncFullSchedule
      SYNC_DELTA_SCHEDULE: syncDeltaSchedule
      INSTALL_CHECK_SCHEDULE: installCheckSchedule
      SCOPE_MODE: scopeMode
      SCOPE_GROUPS: scopeMode == 'groups' ? scopeGroups : ''
      SCOPE_RECIPIENT_FILTER: scopeMode == 'filter' ? scopeRecipientFilter : ''
      SCOPE_EXCLUDE_GROUPS: scopeExcludeGroups
      STALE_AFTER_DAYS: string(staleAfterDays)
      API_AUDIENCE: apiAudience
      API_TENANT_ID: apiTenantId
      LOG_LEVEL: logLevel
      NODE_OPTIONS: '--max-old-space-size=${nodeMaxOldSpaceMb}'
      // glibc gives each thread of the worker (libuv pool, V8 helpers) its own malloc arena,
      // which holds freed memory; two arenas measured 10-20 MB less peak RSS in a
      // 100,000-device full sync at no measurable speed cost (README, "Measured figures").
      MALLOC_ARENA_MAX: '2'
      // Identity-based host storage: the Functions host finds blob, queue and table
      // endpoints from the account name and authenticates with the user-assigned
      // identity, which is why the account can refuse shared keys altogether.
      AzureWebJobsStorage__accountName: storage.outputs.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.outputs.clientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
      // Application Insights accepts Entra-authenticated telemetry only (DisableLocalAuth).
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
    }
  }
  // The roles come first so that the host's first start can already reach storage and
  // Key Vault; nothing in the app's parameters refers to them, hence the explicit order.
  dependsOn: [
    roles
  ]
}

// Names and ids the administrator needs next (README: after deployment).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_DEFAULT_HOSTNAME string = functionApp.outputs.defaultHostName
// With exoAuthMode managedIdentity, this principal is the one granted Exchange.ManageAsApp
// and the Exchange role groups.
output CONNECTOR_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output CONNECTOR_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output KEY_VAULT_NAME string = createKeyVault ? keyVault!.outputs.name : ''
output KEY_VAULT_URI string = vaultUri
