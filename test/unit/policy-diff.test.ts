import { EmulatorCore } from '../../dev/exo-emulator/core';
import { runCmdlet } from '../../dev/exo-emulator/invoke';
import { silentLogger } from '../../lib/log';
import { POLICY_GROUPS, POLICY_SETTINGS, settingByParameter } from '../../lib/domain/policy/catalogue';
import { completeGroup, type CompleteGroups } from '../../lib/domain/policy/complete';
import { driftView } from '../../lib/domain/policy/describe';
import { type DesiredPolicy, diffPolicy, toNewParameters, toSetParameters } from '../../lib/domain/policy/diff';
import { normaliseFound } from '../../lib/domain/policy/normalise';
import { parseDesiredGroups } from '../../lib/domain/policy/validate';

/** Every group managed with every setting at its default. */
const allDefaults = (): CompleteGroups => Object.fromEntries(POLICY_GROUPS.map((g) => [g, completeGroup(g)]));

/** Every setting away from its default, as a caller would send it. */
const NON_DEFAULT = parseDesiredGroups({
  general: { allowDesktopSync: false, allowInternetSharing: false, allowNonProvisionableDevices: false, devicePolicyRefreshInterval: '1.00:00:00' },
  password: {
    passwordEnabled: true,
    minPasswordLength: 6,
    alphanumericPasswordRequired: true,
    minPasswordComplexCharacters: 3,
    allowSimplePassword: false,
    passwordExpiration: '90.00:00:00',
    passwordHistory: 5,
    maxPasswordFailedAttempts: 8,
    maxInactivityTimeLock: '00:15:00',
    passwordRecoveryEnabled: true,
  },
  emailManagement: {
    allowConsumerEmail: false,
    maxEmailAgeFilter: 'TwoWeeks',
    maxCalendarAgeFilter: 'SixMonths',
    requireManualSyncWhenRoaming: true,
    allowHTMLEmail: false,
    attachmentsEnabled: false,
    maxEmailBodyTruncationSize: 100,
    maxEmailHTMLBodyTruncationSize: 200,
    maxAttachmentSize: '1500B',
  },
  security: {
    allowRemoteDesktop: false,
    allowStorageCard: false,
    allowCamera: false,
    allowIrDA: false,
    allowBrowser: false,
    allowTextMessaging: false,
    allowWiFi: false,
    allowBluetooth: 'HandsfreeOnly',
    requireStorageCardEncryption: true,
    requireDeviceEncryption: true,
  },
  application: { allowUnsignedApplications: false, allowUnsignedInstallationPackages: false, unapprovedInROMApplicationList: ['games.exe', 'Solitaire.exe'] },
});

/** The project's Exchange emulator, in process: Set- then Get- as the connector would call them. */
function emulator() {
  const core = new EmulatorCore({ tenantId: 't1', tenantDomains: ['contoso.onmicrosoft.com'], nextLinkTtlMs: 60_000, tenantConcurrencyLimit: null, log: silentLogger });
  const caller = { appId: 'app', tenantId: 't1', roles: ['Exchange.ManageAsApp'], displayName: 'Connector' };
  const run = (cmdlet: string, parameters: Record<string, unknown>) => runCmdlet(core, core.registry.get(cmdlet.toLowerCase())!, parameters, caller);
  return {
    set: (parameters: Record<string, unknown>) => run('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', ...parameters }),
    get: (): Record<string, unknown> => {
      const out = run('Get-MobileDeviceMailboxPolicy', { Identity: 'Default' });
      if (out.kind !== 'objects') throw new Error('no policy');
      return JSON.parse(JSON.stringify(out.objects[0])) as Record<string, unknown>;
    },
  };
}

/**
 * Exchange Online's own display of a value it was set to, from the decompiled ToString()
 * methods: ByteQuantifiedSize `{G4} {unit} ({N0} bytes)`, Unlimited<int> as text,
 * TimeSpan "c", booleans and Int32 as JSON, multivalued properties as arrays.
 */
function exchangeDisplay(parameter: string, value: unknown): unknown {
  const def = parameter === 'AllowExternalDeviceManagement' ? undefined : settingByParameter(parameter);
  if (value === 'Unlimited' || value === null || def === undefined) return value;
  switch (def.kind.type) {
    case 'intOrUnlimited':
      return String(value);
    case 'bytesOrUnlimited': {
      const bytes = value as number;
      const units = ['B', 'KB', 'MB', 'GB', 'TB'];
      let u = 0;
      while (u < 4 && bytes >= 1024 ** (u + 1)) u++;
      return `${Number((bytes / 1024 ** u).toPrecision(4))} ${units[u]} (${bytes.toLocaleString('en-US')} bytes)`;
    }
    default:
      return value;
  }
}

describe('policy drift and its repair', () => {
  test('When a fresh Default policy is read and every group is desired at its defaults, then there is no drift', () => {
    const found = emulator().get();
    expect(diffPolicy({ groups: allDefaults(), allowExternalDeviceManagement: false }, found)).toEqual([]);
  });

  test('When every setting is desired away from its default, then every one drifts, one Set repairs them all, and a re-read shows no drift', () => {
    const exo = emulator();
    const desired: DesiredPolicy = { groups: NON_DEFAULT, allowExternalDeviceManagement: true };
    const drift = diffPolicy(desired, exo.get());
    expect(drift).toHaveLength(POLICY_SETTINGS.length + 1);
    exo.set(toSetParameters(drift));
    expect(diffPolicy(desired, exo.get())).toEqual([]);
  });

  test('When a changed policy is put back to its defaults, then MinPasswordLength is cleared with null and nothing drifts afterwards', () => {
    const exo = emulator();
    exo.set(toSetParameters(diffPolicy({ groups: NON_DEFAULT, allowExternalDeviceManagement: true }, exo.get())));
    const back: DesiredPolicy = { groups: allDefaults(), allowExternalDeviceManagement: false };
    const parameters = toSetParameters(diffPolicy(back, exo.get()));
    expect(parameters).toMatchObject({ MinPasswordLength: null, UnapprovedInROMApplicationList: [], MaxAttachmentSize: 'Unlimited' });
    exo.set(parameters);
    expect(diffPolicy(back, exo.get())).toEqual([]);
  });

  test("When each value is shown as Exchange Online displays it, then normalising it gives back the desired value, at defaults and away from them", () => {
    for (const groups of [allDefaults(), NON_DEFAULT]) {
      const desired: DesiredPolicy = { groups, allowExternalDeviceManagement: true };
      const everything = toSetParameters(diffPolicy(desired, {}));
      const shown = Object.fromEntries(Object.entries(everything).map(([p, v]) => [p, exchangeDisplay(p, v)]));
      expect(diffPolicy(desired, shown)).toEqual([]);
      for (const [p, v] of Object.entries(everything)) expect(normaliseFound(p, shown[p])).toEqual(v);
    }
    expect(exchangeDisplay('MaxAttachmentSize', 2147482624)).toBe('2 GB (2,147,482,624 bytes)');
  });

  test('When only one group is managed, then drift never names a setting of another group, however far Exchange has moved', () => {
    const exo = emulator();
    exo.set(toSetParameters(diffPolicy({ groups: NON_DEFAULT, allowExternalDeviceManagement: true }, exo.get())));
    const drift = diffPolicy({ groups: parseDesiredGroups({ password: { minPasswordLength: 6 } }) }, exo.get());
    expect(new Set(drift.map((d) => d.group))).toEqual(new Set(['password']));
    expect(drift.map((d) => d.parameter)).not.toContain('MinPasswordLength');
    expect(drift.map((d) => d.parameter)).not.toContain('AllowExternalDeviceManagement');
    expect(drift.find((d) => d.key === 'passwordEnabled')).toEqual({ group: 'password', key: 'passwordEnabled', parameter: 'PasswordEnabled', desired: false, found: true });
  });

  test('When an administrator changes one managed setting by hand, then exactly that setting drifts with both values', () => {
    const exo = emulator();
    exo.set({ MaxInactivityTimeLock: '00:30:00', AllowWiFi: false });
    const drift = diffPolicy({ groups: parseDesiredGroups({ password: { maxInactivityTimeLock: '00:15:00' } }) }, exo.get());
    expect(drift).toEqual([{ group: 'password', key: 'maxInactivityTimeLock', parameter: 'MaxInactivityTimeLock', desired: '00:15:00', found: '00:30:00' }]);
    expect(driftView(drift)[0]).toMatchObject({ label: 'Idle time before lock', relevance: 'legacy' });
  });

  test('When a managed value cannot be read or is missing, then it drifts and is rewritten', () => {
    const drift = diffPolicy({ groups: { application: {} } }, { AllowUnsignedApplications: 'maybe', UnapprovedInROMApplicationList: [] });
    expect(drift.map((d) => [d.parameter, d.found])).toEqual([
      ['AllowUnsignedApplications', { unreadable: 'not a boolean, got "maybe"' }],
      ['AllowUnsignedInstallationPackages', { unreadable: 'AllowUnsignedInstallationPackages is missing from the policy as read' }],
    ]);
  });

  test('When an older Exchange names a setting by its alias or another casing, then it is still read', () => {
    const groups = parseDesiredGroups({ password: { maxPasswordFailedAttempts: 8 } });
    const found = { ...Object.fromEntries(POLICY_SETTINGS.filter((s) => s.group === 'password').map((s) => [s.parameter.toLowerCase(), s.default])) };
    delete found.maxpasswordfailedattempts;
    expect(diffPolicy({ groups }, { ...found, MaxDevicePasswordFailedAttempts: '8' })).toEqual([]);
  });

  test('When Set parameters are built, then each value has its JSON type: numbers, booleans, time span strings, Unlimited, bytes, arrays', () => {
    const parameters = toSetParameters(diffPolicy({ groups: NON_DEFAULT, allowExternalDeviceManagement: true }, {}));
    expect(parameters).toMatchObject({
      MinPasswordLength: 6,
      MinPasswordComplexCharacters: 3,
      PasswordHistory: 5,
      MaxPasswordFailedAttempts: 8,
      MaxEmailBodyTruncationSize: 100,
      PasswordEnabled: true,
      AllowBluetooth: 'HandsfreeOnly',
      MaxInactivityTimeLock: '00:15:00',
      PasswordExpiration: '90.00:00:00',
      DevicePolicyRefreshInterval: '1.00:00:00',
      MaxAttachmentSize: 1500,
      UnapprovedInROMApplicationList: ['games.exe', 'Solitaire.exe'],
      AllowExternalDeviceManagement: true,
    });
    for (const p of ['MinPasswordLength', 'MinPasswordComplexCharacters', 'PasswordHistory', 'MaxAttachmentSize']) expect(typeof parameters[p]).toBe('number');
    expect(toSetParameters(diffPolicy({ groups: parseDesiredGroups({ password: {} }) }, {})).MaxPasswordFailedAttempts).toBe('Unlimited');
  });

  test('When New parameters are built, then unset and empty values are left out and the rest keep their JSON types', () => {
    const parameters = toNewParameters({ groups: allDefaults(), allowExternalDeviceManagement: false });
    expect(parameters).not.toHaveProperty('MinPasswordLength');
    expect(parameters).not.toHaveProperty('UnapprovedInROMApplicationList');
    expect(parameters).toMatchObject({ PasswordEnabled: false, MinPasswordComplexCharacters: 1, MaxAttachmentSize: 'Unlimited', AllowExternalDeviceManagement: false });
    expect(Object.keys(parameters)).toHaveLength(POLICY_SETTINGS.length - 2 + 1);
    expect(toNewParameters({ groups: parseDesiredGroups({ security: { allowBluetooth: 'disable' } }) })).toEqual(
      Object.fromEntries(POLICY_SETTINGS.filter((s) => s.group === 'security').map((s) => [s.parameter, s.parameter === 'AllowBluetooth' ? 'Disable' : s.default])),
    );
    expect(toNewParameters({ groups: NON_DEFAULT })).toMatchObject({ MinPasswordLength: 6, UnapprovedInROMApplicationList: ['games.exe', 'Solitaire.exe'] });
  });
});
