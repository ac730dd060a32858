/**
 * Every connector setting, declared once: name, type, default, range or choices, whether
 * it may hold a secret, example, meaning, and how infra/main.bicep sets it. The loader
 * (./load.ts) reads values through this table, README's settings table is rendered from
 * it (./describe.ts, checked by test/unit/settings-table.test.ts) and the Bicep
 * parameters are checked against it (test/integration/infra.test.ts).
 *
 * Numeric bounds owned by another module are referenced, not copied: the Exchange
 * client's (lib/exo/limits.ts) and the table prefix rule (lib/storage/table-names.ts).
 */
import { EXO_LIMITS } from '../exo/limits';
import { TABLE_PREFIX_MAX_LENGTH, TABLE_PREFIX_PATTERN, TABLE_PREFIX_RULE } from '../storage/table-names';
import { documented, type DocumentedSetting, type SettingSpec } from './spec';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i;
const tenantFormat = { pattern: TENANT, invalid: 'must be a GUID or a domain name' };
const clientIdFormat = { pattern: GUID, invalid: 'must be a client id GUID' };
const PROXY_NOT_SET = 'the outbound proxy belongs to the network the connector is deployed into: set it as an app setting where one is needed';
const PROXY_EXAMPLE = 'http://proxy.contoso.com:8080';

export const SETTING_TABLE: readonly SettingSpec[] = [
  { name: 'EXO_TENANT_ID', type: 'text', format: tenantFormat, required: 'yes', secret: false, example: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    description: 'Entra tenant (GUID or verified domain) of the Exchange Online organization',
    missing: 'the Entra tenant id (GUID) or verified domain of the Exchange Online organization', template: { param: 'exoTenantId' } },
  { name: 'EXO_AUTH_MODE', type: 'choice', choices: ['certificate', 'secret', 'managedIdentity'], required: 'yes', secret: false, example: 'certificate',
    description: '', template: { param: 'exoAuthMode' } },
  { name: 'EXO_CLIENT_ID', type: 'text', format: { pattern: GUID, invalid: 'must be the application (client) id GUID' }, required: 'certificate, secret', secret: false,
    example: '00000000-0000-0000-0000-000000000000', description: 'Application (client) id of the app registration holding Exchange.ManageAsApp',
    missing: 'the application (client) id of the app registration', template: { param: 'exoClientId' } },
  { name: 'EXO_CERTIFICATE_PATH', type: 'text', required: 'certificate (or EXO_CERTIFICATE)', secret: false, example: '/home/site/certs/connector.pem',
    description: 'PEM file holding the private key and the certificate',
    missing: 'EXO_AUTH_MODE=certificate needs EXO_CERTIFICATE_PATH or EXO_CERTIFICATE (PEM with private key and certificate)',
    template: { notSet: 'the certificate comes from Key Vault through EXO_CERTIFICATE' } },
  { name: 'EXO_CERTIFICATE', type: 'text', required: 'certificate (or EXO_CERTIFICATE_PATH)', secret: true,
    example: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/connector-cert)',
    description: 'PEM text (private key + certificate), typically a Key Vault reference resolved by App Service',
    template: { computed: 'a Key Vault reference to the certificate in the vault the template creates, or to exoCertificateSecretUri' } },
  { name: 'EXO_CLIENT_SECRET', type: 'text', required: 'secret', secret: true, example: '@Microsoft.KeyVault(SecretUri=...)',
    description: 'Client secret; prefer a certificate or managed identity', missing: 'EXO_AUTH_MODE=secret needs the client secret',
    template: { computed: 'a Key Vault reference to clientSecretName in the vault the template creates, or to exoClientSecretUri' } },
  { name: 'EXO_MANAGED_IDENTITY_CLIENT_ID', type: 'text', format: clientIdFormat, required: 'no', defaultNote: '(system-assigned)', secret: false,
    example: '11111111-2222-3333-4444-555555555555', description: 'Client id of a user-assigned managed identity',
    template: { computed: "the client id of the template's user-assigned identity" } },
  { name: 'EXO_ENDPOINT', type: 'url', default: 'https://outlook.office365.com', required: 'no', secret: false, example: 'https://outlook.office365.us',
    description: 'Exchange Online endpoint (sovereign clouds differ)', template: { param: 'exoEndpoint' } },
  { name: 'EXO_TOKEN_RESOURCE', type: 'url', required: 'no', defaultNote: '<EXO_ENDPOINT>', secret: false, example: 'https://outlook.office365.com',
    description: 'Resource whose token is requested (scope <resource>/.default); only differs from the endpoint behind a proxy or the local emulator',
    template: { param: 'exoTokenResource' } },
  { name: 'EXO_AUTHORITY_HOST', type: 'url', default: 'https://login.microsoftonline.com', required: 'no', secret: false, example: 'https://login.microsoftonline.us',
    description: 'Entra authority host', template: { param: 'exoAuthorityHost' } },
  { name: 'EXO_PAGE_SIZE', type: 'int', ...EXO_LIMITS.pageSize, required: 'no', secret: false, example: '500',
    description: 'Objects per page (Prefer: odata.maxpagesize)', template: { param: 'exoPageSize' } },
  { name: 'EXO_MAX_CONCURRENCY', type: 'int', ...EXO_LIMITS.maxConcurrency, required: 'no', secret: false, example: '4',
    description: 'Upper bound of concurrent Exchange calls (lowered automatically while throttled)', template: { param: 'exoMaxConcurrency' } },
  { name: 'EXO_MAX_RETRIES', type: 'int', ...EXO_LIMITS.maxRetries, required: 'no', secret: false, example: '3',
    description: 'Retries per Exchange call on throttling and transient errors', template: { param: 'exoMaxRetries' } },
  { name: 'EXO_TIMEOUT_SECONDS', type: 'int', ...EXO_LIMITS.timeoutSeconds, unit: 's', required: 'no', secret: false, example: '300',
    description: 'Timeout of one Exchange HTTP call', template: { param: 'exoTimeoutSeconds' } },
  { name: 'STORAGE_CONNECTION_STRING', type: 'text', required: 'one of the two', secret: true, example: 'UseDevelopmentStorage=true',
    format: { pattern: /^UseDevelopmentStorage=true$|AccountName=|TableEndpoint=|SharedAccessSignature=/i, invalid: 'is not a storage connection string (expected AccountName=...;AccountKey=... or TableEndpoint=...)' },
    description: 'Table Storage connection string', missing: 'set STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_URL (Table Storage for the inventory)',
    template: { notSet: 'the storage account refuses shared keys: the tables are reached with the managed identity (STORAGE_ACCOUNT_URL)' } },
  // Secret: an account URL may carry a SAS in its query.
  { name: 'STORAGE_ACCOUNT_URL', type: 'url', required: 'one of the two', secret: true, example: 'https://stconnector.table.core.windows.net',
    description: 'Table endpoint, used with the managed identity', template: { computed: "the storage account's table endpoint" } },
  { name: 'STORAGE_MANAGED_IDENTITY_CLIENT_ID', type: 'text', format: clientIdFormat, required: 'no', defaultNote: '(system-assigned)', secret: false,
    example: '11111111-2222-3333-4444-555555555555', description: 'User-assigned identity for Table Storage',
    template: { computed: "the client id of the template's user-assigned identity" } },
  { name: 'STORAGE_TABLE_PREFIX', type: 'text', default: '', defaultNote: '(none)', required: 'no', secret: false, example: 'exo',
    format: { pattern: TABLE_PREFIX_PATTERN, invalid: `must ${TABLE_PREFIX_RULE}` }, maxLength: TABLE_PREFIX_MAX_LENGTH,
    description: `Prefix of the table names (a letter, then letters and digits; at most ${TABLE_PREFIX_MAX_LENGTH})`, template: { param: 'storageTablePrefix' } },
  { name: 'SYNC_FULL_SCHEDULE', type: 'schedule', default: '0 0 2 * * *', required: 'no', secret: false, example: '0 30 1 * * *',
    description: 'NCRONTAB (6 fields, UTC) of the full sync; daily by default', template: { param: 'syncFullSchedule' } },
  { name: 'SYNC_DELTA_SCHEDULE', type: 'schedule', default: '0 0 */2 * * *', minMinutes: 5, required: 'no', secret: false, example: '0 */15 * * * *',
    description: 'NCRONTAB of the delta sync; every 120 minutes by default', template: { param: 'syncDeltaSchedule' } },
  { name: 'INSTALL_CHECK_SCHEDULE', type: 'schedule', default: '0 0 * * * *', required: 'no', secret: false, example: '0 15 * * * *',
    description: 'NCRONTAB of the permission (install) check while not installed; hourly', template: { param: 'installCheckSchedule' } },
  { name: 'POLICY_RECONCILE_SCHEDULE', type: 'schedule', default: '0 30 * * * *', minMinutes: 5, required: 'no', secret: false, example: '0 */15 * * * *',
    description: 'NCRONTAB of the reconcile of managed mailbox policies, access rules and organization settings (drift found, recorded and repaired); hourly',
    template: { notSet: 'the default (hourly) suits most tenants' } },
  { name: 'SCOPE_MODE', type: 'choice', choices: ['organization', 'groups', 'filter'], default: 'organization', required: 'no', secret: false, example: 'groups',
    description: '', template: { param: 'scopeMode' } },
  { name: 'SCOPE_GROUPS', type: 'list', separator: /;/, required: 'when SCOPE_MODE=groups', secret: false, example: 'Mobile Users;Sales',
    description: 'Groups (name, alias or SMTP) whose members are in scope, separated by ;',
    missing: 'SCOPE_MODE=groups needs at least one group (name, alias or SMTP, separated by ;)', template: { param: 'scopeGroups' } },
  { name: 'SCOPE_RECIPIENT_FILTER', type: 'text', required: 'when SCOPE_MODE=filter', secret: false, example: "Department -eq 'Sales'",
    description: "OPATH recipient filter (Get-Recipient properties) of the mailboxes in scope; $true/$false are sent as 'True'/'False', other $variables are refused",
    missing: "SCOPE_MODE=filter needs an OPATH filter such as Department -eq 'Sales'", template: { param: 'scopeRecipientFilter' } },
  { name: 'SCOPE_EXCLUDE_GROUPS', type: 'list', separator: /;/, required: 'no', secret: false, example: 'Executives;VIP Devices',
    description: 'Groups (distribution, security or Microsoft 365; name, alias or SMTP, separated by ;) whose members, nested groups included, are out of scope in every SCOPE_MODE',
    template: { param: 'scopeExcludeGroups' } },
  { name: 'STALE_AFTER_DAYS', type: 'int', default: 30, min: 1, max: 3650, required: 'no', secret: false, example: '90',
    description: 'Devices whose last successful sync is older are flagged stale', template: { param: 'staleAfterDays' } },
  { name: 'WIPES_PER_HOUR_BEFORE_APPROVAL', type: 'int', default: 5, min: 0, max: 1000, required: 'no', secret: false, example: '3',
    description: 'Wipes per tenant within an hour before each further wipe waits for a second person to approve it (0: every wipe does)',
    template: { notSet: 'the default (5 an hour) suits most tenants; set it in the app settings to change it' } },
  { name: 'APPROVAL_HOURS', type: 'int', default: 24, min: 1, max: 168, required: 'no', secret: false, example: '8',
    description: 'How long a request waits for a second person before it expires', template: { notSet: 'the default (24 h) suits most tenants' } },
  { name: 'WIPE_NO_CONTACT_DAYS', type: 'int', default: 14, min: 1, max: 365, required: 'no', secret: false, example: '30',
    description: 'A pending wipe with no contact from the device for this long is shown as noContact', template: { notSet: 'the default (14 days) suits most tenants' } },
  { name: 'BULK_ANSWER_WITHIN_SECONDS', type: 'int', default: 60, min: 0, max: 200, required: 'no', secret: false, example: '30',
    description: 'A bulk action still running after this long answers 202 with where to follow it, and the action follow-up carries it on (at most 200: Azure answers an HTTP request for at most 230 s)',
    template: { notSet: 'the default (60 s) suits most tenants' } },
  { name: 'ACCESS_CONFIRM_ABOVE', type: 'int', default: 50, min: 0, max: 1000000, required: 'no', secret: false, example: '20',
    description: 'A change of the default access level or of a device access rule that would block or quarantine more devices than this needs "confirmImpact" equal to that number (0: every such change does)',
    template: { notSet: 'the default (50 devices) suits most tenants' } },
  { name: 'API_AUDIENCE', type: 'text', required: 'no', defaultNote: 'api://<EXO_CLIENT_ID>', secret: false, example: 'api://exo-connector',
    description: 'Audience of the Entra tokens that callers of the HTTP API present',
    missing: 'with a managed identity, set the audience (application ID URI) of the connector API', template: { param: 'apiAudience' } },
  { name: 'API_TENANT_ID', type: 'text', format: tenantFormat, required: 'no', defaultNote: '<EXO_TENANT_ID>', secret: false, example: 'contoso.onmicrosoft.com',
    description: 'Tenant whose tokens are accepted by the HTTP API', template: { param: 'apiTenantId' } },
  { name: 'CONNECTOR_INSTANCE_ID', type: 'text', required: 'no', defaultNote: 'WEBSITE_INSTANCE_ID or host name + pid', secret: false, example: 'connector-west-1',
    description: 'Name of this instance in the tenant lease', template: { notSet: "each instance's WEBSITE_INSTANCE_ID is the right default" } },
  { name: 'LOG_LEVEL', type: 'choice', choices: ['debug', 'info', 'warn', 'error'], default: 'info', required: 'no', secret: false, example: 'debug',
    description: '', template: { param: 'logLevel' } },
  // Proxy URLs are secret: they may carry the proxy's user and password.
  { name: 'CONNECTOR_PROXY_URL', type: 'proxyUrl', required: 'no', defaultNote: '(none: HTTPS_PROXY / HTTP_PROXY)', secret: true, example: PROXY_EXAMPLE,
    description: 'Outbound proxy (CONNECT tunnel) for Exchange, Entra and Table Storage; wins over HTTPS_PROXY/HTTP_PROXY; credentials in the URL are never logged',
    template: { notSet: PROXY_NOT_SET } },
  { name: 'HTTPS_PROXY', type: 'proxyUrl', readFirst: ['https_proxy'], required: 'no', defaultNote: '(none)', secret: true, example: PROXY_EXAMPLE,
    description: 'Proxy for https targets when CONNECTOR_PROXY_URL is not set (https_proxy also read)', template: { notSet: PROXY_NOT_SET } },
  { name: 'HTTP_PROXY', type: 'proxyUrl', readFirst: ['http_proxy'], required: 'no', defaultNote: '(none)', secret: true, example: PROXY_EXAMPLE,
    description: 'Proxy for plain-http targets (local emulator, Azurite) when CONNECTOR_PROXY_URL is not set (http_proxy also read)', template: { notSet: PROXY_NOT_SET } },
  { name: 'NO_PROXY', type: 'list', separator: /[,\s]+/, readFirst: ['no_proxy'], required: 'no', defaultNote: '(none)', secret: false, example: '.internal.contoso.com,10.0.0.5:443',
    description: 'Hosts reached directly, comma-separated: host, .domain or *.domain, optional :port, * for all; applies to every proxy setting',
    template: { notSet: PROXY_NOT_SET } },
];

/** Every setting as README documents it (its table is rendered from these rows). */
export const SETTINGS: readonly DocumentedSetting[] = SETTING_TABLE.map(documented);
