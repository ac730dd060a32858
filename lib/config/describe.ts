/** What may be printed about the configuration and its settings: no secrets, no keys. */
import { redactProxyUrl } from '../net/proxy';
import { SETTINGS } from './settings';
import type { Config } from './types';

/** A printable view of the configuration: no secrets, no keys. */
export function describeConfig(config: Config): Record<string, unknown> {
  const cred = config.credential;
  return {
    tenantId: config.tenantId,
    clientId: config.clientId,
    credential: cred.kind === 'certificate' ? { kind: cred.kind, source: cred.source } : cred.kind === 'managedIdentity' ? { kind: cred.kind, clientId: cred.clientId ?? 'system-assigned' } : { kind: cred.kind },
    exchangeEndpoint: config.exchange.endpoint,
    authorityHost: config.authorityHost,
    storage: config.storage.kind === 'accountUrl' ? { kind: 'accountUrl', accountUrl: config.storage.accountUrl } : { kind: 'connectionString', account: /AccountName=([^;]+)/i.exec(config.storage.connectionString)?.[1] ?? 'development' },
    schedules: config.schedules,
    scope: config.scope,
    staleAfterDays: config.staleAfterDays,
    apiAudience: config.api.audience,
    instanceId: config.instanceId,
    proxy: config.proxy
      ? { httpsProxy: redactProxyUrl(config.proxy.httpsProxy), httpProxy: redactProxyUrl(config.proxy.httpProxy), noProxy: config.proxy.noProxy }
      : null,
  };
}

/** README's settings table (section "Configuration"), header included, one line per setting. */
export function settingsTableMarkdown(): string[] {
  const code = (v: string) => (v ? `\`${v}\`` : '');
  return [
    '| setting | required | default | example | meaning |',
    '|---|---|---|---|---|',
    ...SETTINGS.map((s) => `| ${code(s.name)} | ${s.required} | ${code(s.default)} | ${code(s.example)} | ${s.description} |`),
  ];
}
