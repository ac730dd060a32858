/**
 * The Exchange client against the real stand-ins: tokens from the local identity
 * provider through MSAL, the Exchange Online emulator checking them, Azurite unused here.
 */
import { randomUUID } from 'node:crypto';
import { startLocalStack, type LocalStack, EXCHANGE_RESOURCE } from '../../dev/local-stack';
import { createTenantResolver, createTokenProvider, type TokenProvider } from '../../lib/auth';
import { ExoClient } from '../../lib/exo/client';
import { listMobileDevices } from '../../lib/exo/cmdlets';
import { ExoAuthError, ExoThrottledError, PermissionMissingError } from '../../lib/exo/errors';
import { silentLogger } from '../../lib/log';
import { memoryLogger } from '../support/memory-logger';
import { loadConfig } from '../../lib/config';
import { createRuntime } from '../../lib/app/runtime';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ seed: { devices: 5000, mailboxes: 2000, seed: 7 } });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.emulator.control.clearFaults();
  stack.emulator.control.allowAll();
  stack.emulator.control.resetCounters();
});

function provider(kind: 'certificate' | 'secret', o: { secret?: string; clientId?: string } = {}): TokenProvider {
  return createTokenProvider(
    {
      tenantId: stack.tenantId,
      clientId: o.clientId ?? stack.clientId,
      authorityHost: stack.idp.url,
      resource: EXCHANGE_RESOURCE,
      credential: kind === 'certificate' ? { kind, certificatePem: stack.certificate.privateKeyPem + stack.certificate.certificatePem } : { kind, secret: o.secret ?? stack.clientSecret },
    },
    silentLogger,
  );
}

function client(tokenProvider: TokenProvider, o: Partial<ConstructorParameters<typeof ExoClient>[0]> = {}): ExoClient {
  return new ExoClient({ endpoint: stack.emulator.url, tenantId: stack.tenantId, tokenProvider, log: silentLogger, baseBackoffMs: 20, ...o });
}

describe('Exchange client against the emulator', () => {
  test.each(['certificate', 'secret'] as const)('When the app authenticates by %s through MSAL, then Exchange answers', async (kind) => {
    const settings = await client(provider(kind)).invoke('Get-ActiveSyncOrganizationSettings');
    expect(settings).toHaveLength(1);
    expect(settings[0]).toHaveProperty('DefaultAccessLevel');
  });

  test('When the secret is wrong, then the call fails as an authentication error naming the cmdlet and no request reaches Exchange', async () => {
    const err = await client(provider('secret', { secret: 'not-the-secret' })).invoke('Get-MobileDevice').catch((e) => e);
    expect(err).toBeInstanceOf(ExoAuthError);
    expect(err.message).toContain('Get-MobileDevice');
    expect(err.message).toMatch(/AADSTS7000215/);
    expect(err.message).not.toContain('not-the-secret');
    expect(stack.emulator.control.calls().total).toBe(0);
  });

  test('When the token is for another audience, then the emulator refuses it and the client reports an authentication error naming the cmdlet', async () => {
    const wrongAudience: TokenProvider = {
      getToken: async () => ({ token: await stack.idp.mintAppToken({ tenantId: stack.tenantId, clientId: stack.clientId, audience: 'https://graph.microsoft.com', roles: ['Exchange.ManageAsApp'] }), expiresOn: new Date(Date.now() + 3600_000) }),
      describe: () => 'token minted for another audience',
    };
    const err = await client(wrongAudience).invoke('Get-MobileDevice').catch((e) => e);
    expect(err).toBeInstanceOf(ExoAuthError);
    expect(err.message).toContain('Get-MobileDevice');
    expect(stack.emulator.control.calls().unauthorized).toBeGreaterThanOrEqual(1);
  });

  test('When the app lacks Exchange.ManageAsApp, then the emulator answers 403 and the client reports the missing permission for the cmdlet', async () => {
    const clientId = randomUUID();
    stack.idp.registerApp({ tenantId: stack.tenantId, clientId, secret: 'role-less-secret', roles: {} });
    const err = await client(provider('secret', { clientId, secret: 'role-less-secret' })).invoke('Get-MobileDevice').catch((e) => e);
    expect(err).toBeInstanceOf(PermissionMissingError);
    expect(err.cmdlet).toBe('Get-MobileDevice');
    expect(err.message).toMatch(/Invoking cmdlet Get-MobileDevice failed/);
    expect(stack.emulator.control.calls().forbidden).toBe(1);
  });

  test('When a cmdlet is denied to the app, then PermissionMissingError names it and the call is not retried', async () => {
    stack.emulator.control.denyCmdlets(['Clear-MobileDevice']);
    const err = await client(provider('certificate')).invoke('Clear-MobileDevice', { Identity: 'nobody', Confirm: false }).catch((e) => e);
    expect(err).toBeInstanceOf(PermissionMissingError);
    expect(err.cmdlet).toBe('Clear-MobileDevice');
    expect(stack.emulator.control.calls().byCmdlet['Clear-MobileDevice']).toBe(1);
  });

  test('When 5,000 devices are listed, then they stream in pages of 1,000 with the same anchor mailbox and every device once', async () => {
    const c = client(provider('certificate'));
    const seen = new Set<string>();
    const pageSizes: number[] = [];
    for await (const page of listMobileDevices(c)) {
      pageSizes.push(page.items.length);
      for (const d of page.items) seen.add(d.Guid);
    }
    expect(pageSizes).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(seen.size).toBe(5000);
    const calls = stack.emulator.control.calls();
    expect(calls.pages).toBe(5);
    expect(calls.continuationPages).toBe(4);
    expect(calls.anchorMismatches).toBe(0);
  });

  test('When every other call is throttled with Retry-After 0.3 s, then the listing completes, each throttle costs one retry, and no retry comes early', async () => {
    stack.emulator.control.setFaults({ throttleEveryK: 2, retryAfterSeconds: 0.3 });
    const log = memoryLogger();
    const c = new ExoClient({ endpoint: stack.emulator.url, tenantId: stack.tenantId, tokenProvider: provider('certificate'), log, baseBackoffMs: 20 });
    let devices = 0;
    for await (const page of listMobileDevices(c)) devices += page.items.length;
    expect(devices).toBe(5000);
    const calls = stack.emulator.control.calls();
    expect(calls.throttled).toBeGreaterThanOrEqual(4);
    expect(c.stats().retries).toBe(calls.throttled);
    // Every answer after a throttle came at least Retry-After later.
    const entries = stack.emulator.control.callLog();
    for (let i = 0; i < entries.length - 1; i++) {
      if (entries[i].outcome !== 'throttled') continue;
      const gap = Date.parse(entries[i + 1].at) - Date.parse(entries[i].at);
      expect(gap).toBeGreaterThanOrEqual(300 - 5);
    }
    expect(log.entries.some((e) => e.level === 'warn' && /will be retried/.test(e.message))).toBe(true);
  });

  test('When Exchange keeps throttling, then the client gives up after its bounded retries with ExoThrottledError', async () => {
    stack.emulator.control.setFaults({ throttleForMs: 60_000, retryAfterSeconds: 0.05 });
    const c = client(provider('certificate'), { maxRetries: 3 });
    const err = await c.invoke('Get-MobileDevice', { ResultSize: 10 }).catch((e) => e);
    expect(err).toBeInstanceOf(ExoThrottledError);
    expect(err.attempts).toBe(4);
    expect(stack.emulator.control.calls().throttled).toBe(4);
  });

  test('When the tenant is configured by a vanity domain, then it is resolved once to its GUID, which goes into the URL and the anchor of every page', async () => {
    stack.idp.registerTenantDomain('contoso.com', stack.tenantId);
    const resolve = createTenantResolver({ authorityHost: stack.idp.url, tenant: 'contoso.com', timeoutMs: 5_000 });
    let resolutions = 0;
    const tokenProvider = createTokenProvider(
      { tenantId: 'contoso.com', clientId: stack.clientId, authorityHost: stack.idp.url, resource: EXCHANGE_RESOURCE, credential: { kind: 'secret', secret: stack.clientSecret } },
      silentLogger,
    );
    const c = client(tokenProvider, {
      tenantId: 'contoso.com',
      resolveTenantId: () => {
        resolutions++;
        return resolve();
      },
    });

    // The emulator serves only its GUID and contoso.onmicrosoft.com: a vanity domain in the URL is refused.
    let devices = 0;
    for await (const page of listMobileDevices(c)) devices += page.items.length;
    await c.invoke('Get-ActiveSyncOrganizationSettings');

    expect(devices).toBe(5000);
    expect(resolutions).toBe(1);
    const calls = stack.emulator.control.callLog().filter((e) => e.cmdlet === 'Get-MobileDevice');
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(new Set(calls.map((e) => e.anchorMailbox))).toEqual(new Set([`APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${stack.tenantId}`]));
    expect(calls.every((e) => e.status === 200)).toBe(true);

    // The same listing with the domain left in the URL and anchor does not get through.
    const unresolved = client(tokenProvider, { tenantId: 'contoso.com', maxRetries: 0 });
    await expect(unresolved.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' })).rejects.toThrow();
  });

  test('When the connector is configured with a domain as EXO_TENANT_ID, then the runtime\'s Exchange client calls with the resolved GUID', async () => {
    stack.idp.registerTenantDomain('contoso.com', stack.tenantId);
    const runtime = createRuntime(loadConfig({ ...stack.settings, EXO_TENANT_ID: 'contoso.com' }), silentLogger);
    try {
      await expect(runtime.exo.tenantId()).resolves.toBe(stack.tenantId);
      await expect(runtime.exo.invoke('Get-ActiveSyncOrganizationSettings')).resolves.toHaveLength(1);
      expect(stack.emulator.control.callLog().map((e) => e.anchorMailbox)).toEqual([`APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${stack.tenantId}`]);
    } finally {
      await runtime.close();
    }
  });

  test('When the configured domain is unknown to Entra, then the call fails naming the tenant and nothing reaches Exchange', async () => {
    const c = client(provider('certificate'), { tenantId: 'nowhere.example', resolveTenantId: createTenantResolver({ authorityHost: stack.idp.url, tenant: 'nowhere.example' }) });
    await expect(c.invoke('Get-MobileDevice')).rejects.toThrow(/tenant nowhere\.example could not be resolved/);
    expect(stack.emulator.control.calls().total).toBe(0);
  });

  test('When every third Get-MobileDeviceStatistics answers HTTP 500, then the read-only calls are retried and every one succeeds', async () => {
    stack.emulator.control.setFaults({ failEveryK: 3, failStatus: 500, onlyCmdlets: ['Get-MobileDeviceStatistics'] });
    const c = client(provider('certificate'), { baseBackoffMs: 5 });
    const mailboxes = stack.emulator.control.listMailboxes().slice(0, 30);
    const answers = await Promise.all(mailboxes.map((m) => c.invoke('Get-MobileDeviceStatistics', { Mailbox: m.upn })));
    expect(answers).toHaveLength(30);
    expect(stack.emulator.control.calls().failed).toBeGreaterThanOrEqual(10);
    expect(c.stats()).toMatchObject({ failures: 0 });
    expect(c.stats().retries).toBe(stack.emulator.control.calls().failed);
  });

  test('When calls are refused with the per-tenant concurrency text, then each refused call is retried, all succeed and the concurrency limit comes down', async () => {
    stack.emulator.control.setFaults({ throttleEveryK: 4, throttleStatusText: 'concurrency', retryAfterSeconds: 0.1, onlyCmdlets: ['Get-MobileDeviceStatistics'] });
    const c = client(provider('certificate'), { maxConcurrency: 8 });
    const mailboxes = stack.emulator.control.listMailboxes().slice(0, 40);
    const answers = await Promise.all(mailboxes.map((m) => c.invoke('Get-MobileDeviceStatistics', { Mailbox: m.upn })));
    expect(answers).toHaveLength(40);
    const stats = c.stats();
    expect(stats.throttled).toBeGreaterThanOrEqual(10);
    expect(stats.failures).toBe(0);
    expect(stats.concurrencyLimit).toBeLessThan(8);
  });
});
