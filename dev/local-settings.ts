/**
 * Settings of the local stack behind `npm start` (development only): declared and read
 * like the connector's own (lib/config), but not part of a deployment, so neither README's
 * settings table nor the Bicep template lists them.
 */
import { SettingsReader, type Env, type SettingSpec } from '../lib/config';

const LOCAL_ONLY = { required: 'no', secret: false, template: { notSet: 'development only' } } as const;

export const LOCAL_STACK_SETTINGS: readonly SettingSpec[] = [
  { name: 'LOCAL_API_PORT', type: 'int', default: 7071, min: 0, max: 65535, example: '7072', description: 'Port of the local Functions host', ...LOCAL_ONLY },
  { name: 'LOCAL_EMULATOR_PORT', type: 'int', default: 0, min: 0, max: 65535, defaultNote: '(a free port)', example: '7100', description: 'Port of the Exchange Online emulator', ...LOCAL_ONLY },
  { name: 'LOCAL_SEED_DEVICES', type: 'int', default: 3000, min: 0, max: 200_000, example: '0', description: 'Sample devices the emulator is seeded with (0: none)', ...LOCAL_ONLY },
  { name: 'LOCAL_SEED_MAILBOXES', type: 'int', default: 1200, min: 1, max: 100_000, example: '100', description: 'Mailboxes the sample devices are spread over', ...LOCAL_ONLY },
];

export interface LocalStackSettings {
  apiPort: number;
  emulatorPort: number;
  seedDevices: number;
  seedMailboxes: number;
  /** True when EXO_TENANT_ID is set: `npm start` then runs against that tenant, not the emulator. */
  realTenant: boolean;
  /** True when STORAGE_* is set: no local Azurite is started. */
  ownStorage: boolean;
}

/** `env`: from lib/config's processEnv(), the only reader of process.env. */
export function loadLocalStackSettings(env: Env): LocalStackSettings {
  const c = new SettingsReader(env, LOCAL_STACK_SETTINGS);
  const s: LocalStackSettings = {
    apiPort: c.int('LOCAL_API_PORT'),
    emulatorPort: c.int('LOCAL_EMULATOR_PORT'),
    seedDevices: c.int('LOCAL_SEED_DEVICES'),
    seedMailboxes: c.int('LOCAL_SEED_MAILBOXES'),
    realTenant: c.raw('EXO_TENANT_ID') !== undefined,
    ownStorage: c.raw('STORAGE_CONNECTION_STRING') !== undefined || c.raw('STORAGE_ACCOUNT_URL') !== undefined,
  };
  c.throwIfAny();
  return s;
}
