/**
 * Test harness for the Exchange Online emulator: serves its own JWKS over http, signs
 * app tokens with jose, and speaks the admin API with plain fetch, the way a client does.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type KeyLike, SignJWT } from 'jose';
import { type EmulatorOptions, type ExchangeEmulator, startExchangeEmulator } from '../../dev/exo-emulator';

export const EXCHANGE_RESOURCE = 'https://outlook.office365.com';
export const TENANT_DOMAIN = 'contoso.onmicrosoft.com';
export const SYSTEM_ANCHOR = (tenant: string) => `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${tenant}`;

export interface TokenOptions {
  audience?: string;
  tenantId?: string;
  roles?: string[];
  expiresInSeconds?: number;
  issuer?: string;
  /** sign with a key the JWKS does not publish */
  foreignKey?: boolean;
}

export interface InvokeOptions {
  token?: string;
  url?: string;
  maxPageSize?: number | null;
  anchorMailbox?: string;
  tenant?: string;
}

export interface Harness {
  tenantId: string;
  emulator: ExchangeEmulator;
  token(o?: TokenOptions): Promise<string>;
  invokeUrl(tenant?: string): string;
  invoke(cmdlet: string, parameters?: Record<string, unknown>, o?: InvokeOptions): Promise<Response>;
  /** Invoke and parse; throws when the answer is not 200. */
  ok(cmdlet: string, parameters?: Record<string, unknown>, o?: InvokeOptions): Promise<ExoBody>;
  /** Follows nextLinks with the same body and headers; returns every page's body. */
  listAll(cmdlet: string, parameters?: Record<string, unknown>, o?: InvokeOptions): Promise<{ pages: ExoBody[]; objects: Record<string, unknown>[] }>;
  stop(): Promise<void>;
}

export interface ExoBody {
  '@odata.context': string;
  '@adminapi.warnings': string[];
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
}

export async function startHarness(o: Partial<EmulatorOptions> = {}): Promise<Harness> {
  const tenantId: string = randomUUID();
  const signing = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(signing.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const jwks = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/${tenantId}/discovery/v2.0/keys`;
  const issuer = `https://sts.windows.net/${tenantId}/`;
  const emulator = await startExchangeEmulator({ tenantId, tenantDomains: [TENANT_DOMAIN], jwksUri, issuers: [issuer], ...o });

  const token = async (t: TokenOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const key: KeyLike = t.foreignKey ? foreign.privateKey : signing.privateKey;
    return new SignJWT({ tid: t.tenantId ?? tenantId, appid: 'c0ffee00-0000-4000-8000-000000000001', roles: t.roles ?? ['Exchange.ManageAsApp'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
      .setIssuer(t.issuer ?? issuer)
      .setAudience(t.audience ?? EXCHANGE_RESOURCE)
      .setIssuedAt(now - 300)
      .setNotBefore(now - 300)
      .setExpirationTime(now + (t.expiresInSeconds ?? 3600))
      .sign(key);
  };
  const defaultToken = await token();
  const invokeUrl = (tenant = tenantId) => `${emulator.url}/adminapi/beta/${tenant}/InvokeCommand`;

  const invoke = async (cmdlet: string, parameters: Record<string, unknown> = {}, i: InvokeOptions = {}) => {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${i.token ?? defaultToken}`,
      'Content-Type': 'application/json',
      'X-AnchorMailbox': i.anchorMailbox ?? SYSTEM_ANCHOR(tenantId),
      'X-CmdletName': cmdlet,
    };
    if (i.maxPageSize !== null) headers.Prefer = `odata.maxpagesize=${i.maxPageSize ?? 1000}`;
    return fetch(i.url ?? invokeUrl(i.tenant), { method: 'POST', headers, body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }) });
  };

  const ok = async (cmdlet: string, parameters: Record<string, unknown> = {}, i: InvokeOptions = {}) => {
    const res = await invoke(cmdlet, parameters, i);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${cmdlet} answered ${res.status}: ${text}`);
    return JSON.parse(text) as ExoBody;
  };

  const listAll = async (cmdlet: string, parameters: Record<string, unknown> = {}, i: InvokeOptions = {}) => {
    const pages: ExoBody[] = [];
    let url: string | undefined;
    do {
      const body = await ok(cmdlet, parameters, { ...i, url });
      pages.push(body);
      url = body['@odata.nextLink'];
    } while (url);
    return { pages, objects: pages.flatMap((p) => p.value) };
  };

  return {
    tenantId,
    emulator,
    token,
    invokeUrl,
    invoke,
    ok,
    listAll,
    stop: async () => {
      await emulator.stop();
      await new Promise<void>((resolve) => jwks.close(() => resolve()));
    },
  };
}

/** A JSON answer, loosely typed for assertions. */
export async function readJson(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>;
}

/** `<id>|<type>|<text>` of an Exchange error envelope. */
export function errorDetail(body: unknown): { id: string; type: string; text: string } {
  const message = (body as { error: { details: { message: string }[] } }).error.details[0].message;
  const [id, type, ...rest] = message.split('|');
  return { id, type, text: rest.join('|') };
}
