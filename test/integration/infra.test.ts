/**
 * The deployment template, judged by the real Bicep CLI (infra/check.sh restores it from
 * NuGet with the .NET SDK when no bicep or az is installed) and then read as compiled ARM
 * JSON for the properties that keep a deployment safe. Azure itself is not reachable
 * here, so "deployed" below means "what this template asks Azure to create".
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SETTINGS, SETTING_TABLE } from '../../lib/config';

const root = path.join(__dirname, '..', '..');
const FIVE_MINUTES = 5 * 60_000;

const ROLE = {
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
};

/**
 * Connector settings the template leaves out on purpose: the settings table says why for
 * each (`template: { notSet }`), and so does main.bicep. The outbound proxy, for one,
 * belongs to the network the connector is deployed into, not to the template.
 */
const NOT_SET_BY_TEMPLATE = SETTING_TABLE.filter((s) => 'notSet' in s.template).map((s) => s.name);

interface RunResult {
  code: number | null;
  output: string;
}

function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: process.env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => resolve({ code: null, output: `${output}\n${err.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

// ---- Reading compiled ARM JSON -------------------------------------------------------

type Json = Record<string, any>;

interface Template {
  parameters?: Record<string, Json>;
  variables?: Record<string, unknown>;
  resources: Json[] | Record<string, Json>;
}

interface FoundResource {
  resource: Json;
  /** The template the resource is declared in (for its variables and parameters). */
  template: Template;
  /** The module deployment that holds that template, if any (for the values passed in). */
  deployment?: FoundResource;
}

function resourcesOf(template: Template): Json[] {
  return Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
}

/** Every resource of a template and of its nested module deployments. */
function allResources(template: Template, deployment?: FoundResource): FoundResource[] {
  const found: FoundResource[] = [];
  for (const resource of resourcesOf(template)) {
    if (resource.existing === true) continue;
    const self: FoundResource = { resource, template, deployment };
    found.push(self);
    if (resource.type === 'Microsoft.Resources/deployments' && resource.properties?.template) {
      found.push(...allResources(resource.properties.template as Template, self));
    }
  }
  return found;
}

function ofType(found: FoundResource[], type: string): FoundResource[] {
  return found.filter((f) => f.resource.type.toLowerCase() === type.toLowerCase());
}

/**
 * Value of a literal or of "[parameters('x')]": what the enclosing module deployment passes
 * in (followed up through the outer templates), else the parameter's default.
 */
function valueOf(f: FoundResource, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const param = /^\[parameters\('(\w+)'\)\]$/.exec(value)?.[1];
  if (!param) return value;
  const passed = f.deployment?.resource.properties?.parameters?.[param];
  if (passed && 'value' in passed) return valueOf(f.deployment!, passed.value);
  return f.template.parameters?.[param]?.defaultValue;
}

/** The role definition GUID a roleAssignment points at (literal or via the template's variables). */
function roleIdOf(f: FoundResource): string {
  const expr = String(f.resource.properties.roleDefinitionId);
  const literal = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(expr)?.[1];
  if (literal) return literal.toLowerCase();
  const v = /variables\('(\w+)'\)\.(\w+)/.exec(expr);
  const vars = f.template.variables ?? {};
  if (v) return String((vars[v[1]] as Record<string, unknown>)?.[v[2]] ?? '').toLowerCase();
  const single = /variables\('(\w+)'\)/.exec(expr);
  return single ? String(vars[single[1]] ?? '').toLowerCase() : '';
}

/** Looks like credential material: keys, SAS, PEM, Entra client secrets, long random tokens. */
function looksLikeSecret(value: string): boolean {
  return (
    /AccountKey=|SharedAccessSignature=|sig=|-----BEGIN|InstrumentationKey=|Password=/i.test(value) ||
    /[A-Za-z0-9_\-.]{3}\dQ~[A-Za-z0-9_\-.~]{20,}/.test(value) || // Entra client secret shape
    /^[A-Za-z0-9+/=_\-.~]{32,}$/.test(value)
  );
}

const isKeyVaultReferenceExpression = (value: string): boolean =>
  value.startsWith('[') && value.includes('@Microsoft.KeyVault(SecretUri=');

// ---- The run ------------------------------------------------------------------------

describe('infrastructure template (infra/main.bicep)', () => {
  let work: string;
  let armPath: string;
  let check: RunResult;
  let arm: Template | undefined;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'infra-test-'));
    armPath = path.join(work, 'main.json');
    check = await run('bash', ['infra/check.sh', '--arm-out', armPath]);
    if (check.code === 0) arm = JSON.parse(readFileSync(armPath, 'utf8')) as Template;
  }, FIVE_MINUTES);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The compiled template; fails with the check's own output when there is none. */
  function compiled(): Template {
    if (!arm) throw new Error(`infra/check.sh did not produce the compiled template (exit ${check.code}):\n${check.output}`);
    return arm;
  }

  function appSettings(): Record<string, string> {
    const [app] = ofType(allResources(compiled()), 'Microsoft.Resources/deployments').filter(
      (f) => f.resource.properties?.parameters?.appSettings !== undefined,
    );
    if (!app) throw new Error('no module deployment receives appSettings');
    return app.resource.properties.parameters.appSettings.value as Record<string, string>;
  }

  test('When the infra check runs on this machine, then a Bicep CLI or the .NET SDK to restore one is available', async () => {
    const probe = await run('bash', ['-c', 'command -v bicep || command -v az || command -v dotnet']);
    if (probe.code !== 0) {
      throw new Error(
        'Neither bicep, az nor dotnet is on PATH. infra/check.sh restores the Bicep CLI from NuGet with the .NET SDK: ' +
          'install the .NET SDK (https://dotnet.microsoft.com/download) or the Bicep CLI, then rerun.',
      );
    }
  });

  test('When the Bicep template is compiled and linted by the real bicep CLI, then it has no errors or warnings', () => {
    if (check.code !== 0) throw new Error(`infra/check.sh exited ${check.code}:\n${check.output}`);
    expect(check.output).toMatch(/Bicep CLI version \d+\.\d+\.\d+/);
    expect(check.output).toContain('bicep build infra/main.bicep');
    expect(check.output).toContain('bicep lint infra/main.bicep');
    expect(check.output).toContain('OK: build and lint clean, 0 errors, 0 warnings');
    expect(check.output).not.toMatch(/ : (Warning|Error) /);
  });

  test(
    'When a template has a lint warning, then the check fails and names the rule instead of passing it on',
    async () => {
      const bad = path.join(work, 'unused-param.bicep');
      writeFileSync(bad, "param neverUsed string = ''\n");
      const result = await run('bash', ['infra/check.sh', '--template', bad]);
      expect(result.code).toBe(1);
      expect(result.output).toContain('no-unused-params');
      expect(result.output).toContain('FAILED: 0 error(s), 1 warning(s)');
    },
    FIVE_MINUTES,
  );

  test('When the template is deployed, then the storage account refuses shared keys, public blobs, plain HTTP and TLS below 1.2', () => {
    const accounts = ofType(allResources(compiled()), 'Microsoft.Storage/storageAccounts');
    expect(accounts).toHaveLength(1);
    const props = accounts[0].resource.properties;
    expect(props.allowSharedKeyAccess).toBe(false);
    expect(props.allowBlobPublicAccess).toBe(false);
    expect(props.minimumTlsVersion).toBe('TLS1_2');
    expect(props.supportsHttpsTrafficOnly).toBe(true);
    const containers = ofType(allResources(compiled()), 'Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(containers).toHaveLength(1);
    expect(containers[0].resource.properties.publicAccess).toBe('None');
  });

  test('When the template is deployed, then the Function App runs on Flex Consumption, HTTPS only, TLS 1.2, without FTP or basic publishing auth', () => {
    const found = allResources(compiled());
    const [plan] = ofType(found, 'Microsoft.Web/serverfarms');
    expect(plan.resource.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(plan.resource.properties.reserved).toBe(true);

    const sites = ofType(found, 'Microsoft.Web/sites');
    expect(sites).toHaveLength(1);
    const site = sites[0];
    const props = site.resource.properties;
    expect(props.httpsOnly).toBe(true);
    expect(props.siteConfig.minTlsVersion).toBe('1.2');
    expect(props.siteConfig.scmMinTlsVersion).toBe('1.2');
    expect(props.siteConfig.ftpsState).toBe('Disabled');
    expect(site.resource.identity.type).toBe('UserAssigned');
    expect(props.keyVaultReferenceIdentity).toBe("[parameters('identityId')]");
    expect(valueOf(site, props.functionAppConfig.runtime.name)).toBe('node');
    expect(valueOf(site, props.functionAppConfig.runtime.version)).toBe('20');
    expect(props.functionAppConfig.deployment.storage.type).toBe('blobContainer');
    expect(props.functionAppConfig.deployment.storage.authentication.type).toBe('UserAssignedIdentity');

    const basicAuth = ofType(found, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(basicAuth.map((f) => f.resource.properties.allow)).toEqual([false, false]);
  });

  test('When the app settings are written, then none holds a secret literal and the credentials are Key Vault references', () => {
    const settings = appSettings();
    for (const [name, value] of Object.entries(settings)) {
      if (value.startsWith('[')) continue; // an expression: judged below by what it refers to
      expect({ name, looksLikeSecret: looksLikeSecret(value) }).toEqual({ name, looksLikeSecret: false });
      expect({ name, secretName: /SECRET|PASSWORD|CERTIFICATE|CONNECTION_STRING|TOKEN|KEY$/i.test(name) }).toEqual({ name, secretName: false });
    }
    expect(isKeyVaultReferenceExpression(settings.EXO_CERTIFICATE)).toBe(true);
    expect(isKeyVaultReferenceExpression(settings.EXO_CLIENT_SECRET)).toBe(true);
    expect(settings.STORAGE_CONNECTION_STRING).toBeUndefined();
    expect(settings.AzureWebJobsStorage).toBeUndefined();

    // Parameters that may carry credential material are @secure() and empty by default.
    const params = compiled().parameters ?? {};
    const secretish = Object.entries(params).filter(([name]) => /secret|password|certificate.*uri/i.test(name) && !/Name$/.test(name));
    expect(secretish.map(([name]) => name).sort()).toEqual(['exoCertificateSecretUri', 'exoClientSecretUri']);
    for (const [name, p] of secretish) {
      expect({ name, type: p.type, defaultValue: p.defaultValue }).toEqual({ name, type: 'securestring', defaultValue: '' });
    }
    // Whatever is passed for them reaches the app only wrapped as a Key Vault reference.
    for (const [setting, param] of [['EXO_CERTIFICATE', 'exoCertificateSecretUri'], ['EXO_CLIENT_SECRET', 'exoClientSecretUri']]) {
      expect(settings[setting]).toContain(`keyVaultReference(parameters('${param}'))`);
    }
    expect(JSON.stringify(compiled())).toMatch(/startsWith\(parameters\('value'\), 'https:\/\/'\), format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)'/);
  });

  test('When the Functions host starts, then it reaches its storage with the managed identity, not a connection string', () => {
    const settings = appSettings();
    expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(settings.AzureWebJobsStorage__accountName).toContain("reference('storage')");
    expect(settings.AzureWebJobsStorage__clientId).toContain("reference('identity').outputs.clientId");
    expect(settings.STORAGE_ACCOUNT_URL).toContain("reference('storage').outputs.tableEndpoint");
    expect(settings.STORAGE_MANAGED_IDENTITY_CLIENT_ID).toContain("reference('identity').outputs.clientId");
    expect(settings.APPLICATIONINSIGHTS_CONNECTION_STRING).toContain("reference('monitoring')");
  });

  test('When the template is deployed, then the identity holds the storage, telemetry and Key Vault roles, each assignment named with guid()', () => {
    const assignments = ofType(allResources(compiled()), 'Microsoft.Authorization/roleAssignments');
    const byRole = new Map(assignments.map((f) => [roleIdOf(f), f]));
    for (const role of Object.values(ROLE)) {
      const f = byRole.get(role);
      expect({ role, assigned: f !== undefined }).toEqual({ role, assigned: true });
      expect(f!.resource.name).toMatch(/^\[guid\(/);
      expect(f!.resource.properties.principalId).toBe("[parameters('principalId')]");
      expect(f!.resource.properties.principalType).toBe('ServicePrincipal');
    }
    const table = byRole.get(ROLE.storageTableDataContributor)!;
    expect(String(table.resource.scope)).toContain('Microsoft.Storage/storageAccounts');
    expect(table.deployment?.resource.properties.parameters.principalId.value).toContain("reference('identity').outputs.principalId");
    expect(String(byRole.get(ROLE.keyVaultSecretsUser)!.resource.scope)).toContain('Microsoft.KeyVault/vaults');
  });

  test('When the Key Vault is created, then it uses RBAC with soft delete and purge protection', () => {
    const vaults = ofType(allResources(compiled()), 'Microsoft.KeyVault/vaults');
    expect(vaults).toHaveLength(1);
    const props = vaults[0].resource.properties;
    expect(props.enableRbacAuthorization).toBe(true);
    expect(props.enableSoftDelete).toBe(true);
    expect(props.enablePurgeProtection).toBe(true);
    expect(props.softDeleteRetentionInDays).toBeGreaterThanOrEqual(7);
  });

  test("When the connector's settings list changes, then the template sets every setting (or says why not) with the connector's defaults and ranges", () => {
    const settings = appSettings();
    const params = compiled().parameters ?? {};
    const missing = SETTINGS.map((s) => s.name).filter((n) => !(n in settings) && !NOT_SET_BY_TEMPLATE.includes(n));
    expect(missing).toEqual([]);

    for (const s of SETTINGS) {
      const param = /^\[(?:string\()?parameters\('(\w+)'\)\)?\]$/.exec(settings[s.name] ?? '')?.[1];
      if (!param) continue;
      const p = params[param];
      // An empty template default leaves the setting out, so the connector's own default
      // applies; derived defaults ("(system-assigned)", "api://<EXO_CLIENT_ID>") and
      // template expressions (the deployment's cloud and tenant) are not comparable.
      const comparable = s.default !== '' && !/^\(|</.test(s.default) && p.defaultValue !== '' && !String(p.defaultValue).startsWith('[');
      if (comparable) expect({ setting: s.name, default: String(p.defaultValue) }).toEqual({ setting: s.name, default: s.default });
      const choices = /^\w+( \| \w+)+$/.test(s.description) ? s.description.split(' | ') : undefined;
      if (choices) expect({ setting: s.name, allowed: p.allowedValues }).toEqual({ setting: s.name, allowed: choices });
      const range = p.type === 'int' ? /(\d+)-(\d+)/.exec(s.description) : null;
      if (range) {
        expect({ setting: s.name, min: p.minValue, max: p.maxValue }).toEqual({ setting: s.name, min: Number(range[1]), max: Number(range[2]) });
      }
    }
  });

  test("When a setting is declared in the connector's settings table, then the template sets it as declared, from a parameter with the table's default, range, choices and length", () => {
    const settings = appSettings();
    const params = compiled().parameters ?? {};
    const declared = new Set(SETTING_TABLE.map((s) => s.name));
    // Every connector-looking app setting is a declared one (no typo, no setting the connector ignores).
    const connectorLike = Object.keys(settings).filter((n) => /^(EXO|STORAGE|SYNC|INSTALL|SCOPE|STALE|API|CONNECTOR|LOG)_/.test(n));
    expect(connectorLike.filter((n) => !declared.has(n))).toEqual([]);

    for (const s of SETTING_TABLE) {
      const binding = s.template;
      if ('notSet' in binding) {
        expect({ setting: s.name, set: s.name in settings }).toEqual({ setting: s.name, set: false });
        continue;
      }
      expect({ setting: s.name, set: s.name in settings }).toEqual({ setting: s.name, set: true });
      if ('computed' in binding) continue;
      const p = params[binding.param];
      expect({ setting: s.name, param: binding.param, exists: p !== undefined }).toEqual({ setting: s.name, param: binding.param, exists: true });
      expect({ setting: s.name, expression: settings[s.name].includes(`parameters('${binding.param}')`) }).toEqual({ setting: s.name, expression: true });
      expect({ setting: s.name, description: String(p.metadata?.description ?? '').startsWith(s.name) }).toEqual({ setting: s.name, description: true });
      // An empty template default leaves the setting out (the connector's default applies);
      // an expression (the deployment's tenant, its cloud's login endpoint) is not comparable.
      const literal = p.defaultValue !== undefined && p.defaultValue !== '' && !String(p.defaultValue).startsWith('[');
      if (literal && 'default' in s) expect({ setting: s.name, default: p.defaultValue }).toEqual({ setting: s.name, default: s.default });
      if (s.type === 'int') {
        expect({ setting: s.name, type: p.type, min: p.minValue, max: p.maxValue }).toEqual({ setting: s.name, type: 'int', min: s.min, max: s.max });
      } else if (s.type === 'choice') {
        expect({ setting: s.name, allowed: p.allowedValues }).toEqual({ setting: s.name, allowed: [...s.choices] });
      } else if (s.type === 'text' && s.maxLength !== undefined) {
        expect({ setting: s.name, maxLength: p.maxLength }).toEqual({ setting: s.name, maxLength: s.maxLength });
      }
    }
  });

  test('When main.parameters.json is used, then it names only template parameters, with allowed values and no secrets', () => {
    const file = JSON.parse(readFileSync(path.join(root, 'infra', 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
    const params = compiled().parameters ?? {};
    for (const [name, { value }] of Object.entries(file.parameters)) {
      expect({ name, known: name in params }).toEqual({ name, known: true });
      const allowed = params[name]?.allowedValues as unknown[] | undefined;
      if (allowed) expect(allowed).toContain(value);
      if (params[name]?.type === 'securestring') expect({ name, value }).toEqual({ name, value: '' });
      if (typeof value === 'string') expect({ name, looksLikeSecret: looksLikeSecret(value) }).toEqual({ name, looksLikeSecret: false });
    }
  });
});
