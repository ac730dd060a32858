import { HttpsProxyAgent } from 'https-proxy-agent';
import { agentFor, azureProxyOptions, bypassesProxy, proxyFor } from '../../lib/net/proxy';

const settings = { httpsProxy: 'http://u:p%40ss@proxy:8080', httpProxy: 'http://plain-proxy:3128', noProxy: ['.internal.contoso.com', '10.0.0.5:443', 'azurite'] };

describe('outbound proxy choice', () => {
  test.each([
    ['https://outlook.office365.com/adminapi', 'http://u:p%40ss@proxy:8080/'],
    ['http://127.0.0.1:7000/adminapi', 'http://plain-proxy:3128/'],
    ['https://vault.internal.contoso.com/x', null],
    ['https://internal.contoso.com/x', null],
    ['https://10.0.0.5/x', null],
    ['https://10.0.0.5:8443/x', 'http://u:p%40ss@proxy:8080/'],
    ['http://azurite:10002/devstoreaccount1', null],
  ])('When the target is %s, then the proxy is %s', (target, expected) => {
    expect(proxyFor(settings, target)?.href ?? null).toBe(expected);
  });

  test('When NO_PROXY is *, then nothing goes through the proxy', () => {
    expect(bypassesProxy(['*'], new URL('https://login.microsoftonline.com'))).toBe(true);
  });

  test('When a target goes through the proxy, then its agent tunnels by CONNECT; otherwise it is a plain keep-alive agent', () => {
    expect(agentFor(settings, 'https://outlook.office365.com')).toBeInstanceOf(HttpsProxyAgent);
    const direct = agentFor(settings, 'https://x.internal.contoso.com');
    expect(direct).not.toBeInstanceOf(HttpsProxyAgent);
    expect((direct as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
  });

  test('When the Azure SDK needs the proxy, then it gets host, port and the decoded credentials', () => {
    expect(azureProxyOptions(settings, 'https://acct.table.core.windows.net')).toEqual({ host: 'http://proxy', port: 8080, username: 'u', password: 'p@ss' });
    expect(azureProxyOptions(settings, 'http://azurite:10002')).toBeUndefined();
  });
});
