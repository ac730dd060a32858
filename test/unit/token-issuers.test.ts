/** The v1 and v2 issuers accepted for a tenant, by the cloud of the configured authority host. */
import { tokenIssuersFor } from '../../lib/auth/token-issuers';

const tid = '8eaef023-2b34-4da1-9baa-8bc8c9d6a490';

describe('Token issuers by cloud', () => {
  test.each([
    ['https://login.microsoftonline.com', 'global', [`https://sts.windows.net/${tid}/`], [`https://login.microsoftonline.com/${tid}/v2.0`]],
    ['https://login.windows.net/', 'global', [`https://sts.windows.net/${tid}/`], [`https://login.microsoftonline.com/${tid}/v2.0`]],
    ['https://login.microsoftonline.us', 'usGovernment', [`https://sts.windows.net/${tid}/`, `https://login.microsoftonline.us/${tid}/`], [`https://login.microsoftonline.us/${tid}/v2.0`]],
    ['https://login.chinacloudapi.cn', 'china', [`https://sts.chinacloudapi.cn/${tid}/`], [`https://login.chinacloudapi.cn/${tid}/v2.0`, `https://login.partner.microsoftonline.cn/${tid}/v2.0`]],
    ['https://login.partner.microsoftonline.cn', 'china', [`https://sts.chinacloudapi.cn/${tid}/`], [`https://login.chinacloudapi.cn/${tid}/v2.0`, `https://login.partner.microsoftonline.cn/${tid}/v2.0`]],
  ])('When the authority host is %s, then the %s cloud issuers are accepted', (host, cloud, v1, v2) => {
    expect(tokenIssuersFor(host, tid)).toEqual({ cloud, v1, v2 });
  });

  test('When the authority host is not an Entra cloud, then it is its own v1 and v2 issuer', () => {
    expect(tokenIssuersFor('https://127.0.0.1:8443', tid)).toEqual({ cloud: null, v1: [`https://127.0.0.1:8443/${tid}/`], v2: [`https://127.0.0.1:8443/${tid}/v2.0`] });
  });

  test('When a known host is reached over another port or plain http, then it is not taken for that cloud', () => {
    expect(tokenIssuersFor('https://login.microsoftonline.com:8443', tid).cloud).toBeNull();
    expect(tokenIssuersFor('http://login.microsoftonline.us', tid).v1).toEqual([`http://login.microsoftonline.us/${tid}/`]);
  });

  test('When the cloud is China, then a global sts.windows.net issuer is not accepted', () => {
    expect(tokenIssuersFor('https://login.chinacloudapi.cn', tid).v1.some((i) => i.includes('sts.windows.net'))).toBe(false);
  });
});
