/**
 * The embedded default: Azurite (tables), the local identity provider, the Exchange
 * Online emulator, and a connector app registered with a certificate and a secret and
 * granted Exchange.ManageAsApp. Used by `npm start`, the integration tests and the
 * benchmark, so all three run the connector against the same real stand-ins.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { startAzurite } from './azurite';
import { startIdentityProvider, type IdentityProvider } from './identity-provider';
import { createAppCertificate, type AppCertificate } from './app-certificate';
import { startExchangeEmulator, type ExchangeEmulator, type SeedSummary } from './exo-emulator';
import { loadConfig, type Config, type Env } from '../lib/config';
import { silentLogger, type Logger } from '../lib/log';
import { Roles } from '../lib/http/caller';

export const EXCHANGE_RESOURCE = 'https://outlook.office365.com';

export interface LocalStackOptions {
  /** Fixed tenant id (npm start keeps one across restarts); random by default. */
  tenantId?: string;
  /** Azurite data folder; in memory when absent. */
  azuriteLocation?: string;
  /** Folder keeping the app certificate between runs (npm start); a fresh one per stack when absent. */
  certificateDir?: string;
  seed?: { devices: number; mailboxes: number; seed?: number };
  emulatorPort?: number;
  log?: Logger;
  /** Extra settings merged into the connector configuration. */
  settings?: Env;
  authMode?: 'certificate' | 'secret';
}

export interface LocalStack {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  certificate: AppCertificate;
  idp: IdentityProvider;
  emulator: ExchangeEmulator;
  storageConnectionString: string;
  seeded: SeedSummary | null;
  /** Settings (environment form) of a connector pointed at this stack. */
  settings: Env;
  config: Config;
  /** An Entra token for calling the connector's own HTTP API with the given roles. */
  callerToken(o?: { roles?: string[]; upn?: string }): Promise<string>;
  /** A caller app registered at the identity provider (client credentials for the API). */
  callerApp: { clientId: string; secret: string; scope: string };
  stop(): Promise<void>;
}

/** The connector app's certificate: `connector.json` (both halves, for the provider) and `connector.pem` (what the connector reads). */
async function loadOrCreateCertificate(dir: string): Promise<{ certificate: AppCertificate; pemPath: string }> {
  const json = path.join(dir, 'connector.json');
  const pemPath = path.join(dir, 'connector.pem');
  let certificate: AppCertificate;
  if (fs.existsSync(json)) certificate = JSON.parse(fs.readFileSync(json, 'utf8')) as AppCertificate;
  else {
    certificate = await createAppCertificate('exo-connector-local');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(json, JSON.stringify(certificate), { mode: 0o600 });
  }
  fs.writeFileSync(pemPath, certificate.privateKeyPem + certificate.certificatePem, { mode: 0o600 });
  return { certificate, pemPath };
}

export async function startLocalStack(o: LocalStackOptions = {}): Promise<LocalStack> {
  const log = o.log ?? silentLogger;
  const tenantId = o.tenantId ?? randomUUID();
  const clientId = randomUUID();
  const clientSecret = randomBytes(24).toString('base64url');
  const started: { stop(): Promise<void> }[] = [];
  try {
    const azurite = await startAzurite({ location: o.azuriteLocation, log });
    started.push(azurite);
    const idp = await startIdentityProvider();
    started.push(idp);
    const { certificate, pemPath } = await loadOrCreateCertificate(o.certificateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'exo-cert-')));
    idp.registerApp({ tenantId, clientId, secret: clientSecret, certificatePem: certificate.certificatePem, roles: { [EXCHANGE_RESOURCE]: ['Exchange.ManageAsApp'] } });
    const apiAudience = `api://${clientId}`;
    const callerApp = { clientId: randomUUID(), secret: randomBytes(24).toString('base64url'), scope: `${apiAudience}/.default` };
    idp.registerApp({ tenantId, clientId: callerApp.clientId, secret: callerApp.secret, roles: { [apiAudience]: Object.values(Roles) } });

    const emulator = await startExchangeEmulator({
      tenantId,
      tenantDomains: ['contoso.onmicrosoft.com'],
      jwksUri: idp.jwksUri(tenantId),
      issuers: [idp.issuerV1(tenantId)],
      port: o.emulatorPort,
      log,
    });
    started.push(emulator);
    const seeded = o.seed ? emulator.control.seed(o.seed) : null;

    const authMode = o.authMode ?? 'certificate';
    const settings: Env = {
      EXO_TENANT_ID: tenantId,
      EXO_CLIENT_ID: clientId,
      EXO_AUTH_MODE: authMode,
      ...(authMode === 'certificate' ? { EXO_CERTIFICATE_PATH: pemPath } : { EXO_CLIENT_SECRET: clientSecret }),
      EXO_ENDPOINT: emulator.url,
      // The emulator, like Exchange, wants tokens for https://outlook.office365.com.
      EXO_TOKEN_RESOURCE: EXCHANGE_RESOURCE,
      EXO_AUTHORITY_HOST: idp.url,
      STORAGE_CONNECTION_STRING: azurite.connectionString,
      CONNECTOR_INSTANCE_ID: 'local',
      ...o.settings,
    };
    const config = loadConfig(settings);
    return {
      tenantId,
      clientId,
      clientSecret,
      certificate,
      idp,
      emulator,
      storageConnectionString: azurite.connectionString,
      seeded,
      settings,
      config,
      callerApp,
      callerToken: (t = {}) =>
        t.upn
          ? idp.mintUserToken({ tenantId, audience: apiAudience, upn: t.upn, roles: t.roles ?? Object.values(Roles) })
          : idp.mintAppToken({ tenantId, clientId: callerApp.clientId, audience: apiAudience, roles: t.roles ?? Object.values(Roles) }),
      async stop() {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw e;
  }
}
