/**
 * What real device partnerships in an Exchange Online tenant look like: native iOS Mail,
 * Samsung Email and Gmail over ActiveSync, Windows Mail, and Outlook for iOS/Android
 * (ClientType Outlook or REST, no ActiveSync sync times). Values follow the shapes EXO
 * reports (hardware model ids for Apple, "Apple-<model>/<build>" user agents, ...).
 */
import type { ClientType } from './model';
import { charsFrom, intBetween, pick, type Rng, weighted } from './prng';

export type DeviceKind = 'iphone' | 'ipad' | 'samsung' | 'gmail' | 'windowsmail' | 'outlook-ios' | 'outlook-android';

export interface DeviceLook {
  deviceId: string;
  deviceType: string;
  clientType: ClientType;
  deviceModel: string | null;
  deviceOs: string | null;
  deviceOsLanguage: string | null;
  deviceUserAgent: string | null;
  friendlyName: string | null;
  deviceImei: string | null;
  deviceMobileOperator: string | null;
  deviceTelephoneNumber: string | null;
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const UPPER_HEX = '0123456789ABCDEF';
const DIGITS = '0123456789';

const IOS_BUILDS: readonly (readonly [string, string])[] = [
  ['16.7.10', '20H350'],
  ['17.5.1', '21F90'],
  ['17.6.1', '21G93'],
  ['18.1', '22B83'],
  ['18.3.2', '22D82'],
  ['18.5', '22F76'],
];
const IPHONE_MODELS = ['iPhone14C2', 'iPhone14C5', 'iPhone14C7', 'iPhone15C2', 'iPhone15C4', 'iPhone16C1', 'iPhone16C2', 'iPhone17C1', 'iPhone17C3'];
const IPAD_MODELS = ['iPad13C1', 'iPad13C16', 'iPad14C3', 'iPad14C8', 'iPad16C3'];
/** The old Galaxy S8 the seeded quarantine rule targets. */
export const QUARANTINED_MODEL = 'SM-G950F';
const SAMSUNG_MODELS: readonly (readonly [string, string, number])[] = [
  ['SM-S918B', 'Galaxy S23 Ultra', 20],
  ['SM-S911B', 'Galaxy S23', 20],
  ['SM-S921B', 'Galaxy S24', 20],
  ['SM-A546B', 'Galaxy A54 5G', 15],
  ['SM-G991B', 'Galaxy S21 5G', 10],
  ['SM-A536B', 'Galaxy A53 5G', 10],
  [QUARANTINED_MODEL, 'Galaxy S8', 5],
];
const PIXEL_MODELS = ['Pixel 7a', 'Pixel 8', 'Pixel 8 Pro', 'Pixel 9'];
const ANDROID_VERSIONS = ['Android 12.0.0', 'Android 13.0.0', 'Android 14.0.0', 'Android 15.0.0'];
const WINDOWS_MODELS = ['Surface Laptop 5', 'Surface Pro 9', 'HP EliteBook 840 G9', 'Latitude 7440'];
const LANGUAGES: readonly (readonly [string, number])[] = [
  ['en-US', 55],
  ['en-GB', 12],
  ['de-DE', 10],
  ['fr-FR', 8],
  ['nl-NL', 5],
  ['es-ES', 5],
  ['ja-JP', 5],
];
const OPERATORS: readonly (readonly [string | null, number])[] = [
  [null, 40],
  ['Verizon', 15],
  ['AT&T', 12],
  ['T-Mobile', 12],
  ['Vodafone', 10],
  ['Orange', 6],
  ['O2', 5],
];

/** iOS build 21F90 -> user agent version 2106.90 (major, letter index, build number). */
function iosAgentVersion(build: string): string {
  const m = /^(\d+)([A-Z])(\d+)$/.exec(build);
  if (!m) return '1.0';
  return `${m[1]}${String(m[2].charCodeAt(0) - 64).padStart(2, '0')}.${m[3]}`;
}

const imei = (rng: Rng) => `35${charsFrom(rng, DIGITS, 13)}`;

export function chooseKind(rng: Rng, outlookShare: number): DeviceKind {
  if (rng() < outlookShare) return rng() < 0.55 ? 'outlook-ios' : 'outlook-android';
  return weighted<DeviceKind>(rng, [
    ['iphone', 45],
    ['ipad', 8],
    ['samsung', 25],
    ['gmail', 12],
    ['windowsmail', 10],
  ]);
}

export function deviceLook(rng: Rng, kind: DeviceKind, opts: { samsungModel?: string; outlookClient?: 'Outlook' | 'REST' } = {}): DeviceLook {
  const language = weighted(rng, LANGUAGES);
  const operator = weighted(rng, OPERATORS);
  switch (kind) {
    case 'iphone':
    case 'ipad': {
      const [version, build] = pick(rng, IOS_BUILDS);
      const model = pick(rng, kind === 'iphone' ? IPHONE_MODELS : IPAD_MODELS);
      return {
        deviceId: charsFrom(rng, UPPER_ALNUM, 32),
        deviceType: kind === 'iphone' ? 'iPhone' : 'iPad',
        clientType: 'EAS',
        deviceModel: model,
        deviceOs: `iOS ${version} ${build}`,
        deviceOsLanguage: language,
        deviceUserAgent: `Apple-${model}/${iosAgentVersion(build)}`,
        friendlyName: rng() < 0.5 ? null : kind === 'iphone' ? 'iPhone' : 'iPad',
        deviceImei: kind === 'iphone' && rng() < 0.3 ? imei(rng) : null,
        deviceMobileOperator: kind === 'iphone' ? operator : null,
        deviceTelephoneNumber: null,
      };
    }
    case 'samsung': {
      const found = SAMSUNG_MODELS.find(([m]) => m === opts.samsungModel);
      const [model, marketing] = found ?? weighted(rng, SAMSUNG_MODELS.map((m) => [m, m[2]] as const));
      return {
        deviceId: `SEC${charsFrom(rng, UPPER_HEX, 17)}`,
        deviceType: `SAMSUNG${model.replace(/-/g, '')}`,
        clientType: 'EAS',
        deviceModel: model,
        deviceOs: pick(rng, ANDROID_VERSIONS),
        deviceOsLanguage: language,
        deviceUserAgent: `Android-SAMSUNG-${model}/101.${intBetween(rng, 100000, 150000)}`,
        friendlyName: marketing,
        deviceImei: imei(rng),
        deviceMobileOperator: operator,
        deviceTelephoneNumber: rng() < 0.1 ? `+1${charsFrom(rng, DIGITS, 10)}` : null,
      };
    }
    case 'gmail': {
      const model = pick(rng, PIXEL_MODELS);
      return {
        deviceId: `androidc${charsFrom(rng, DIGITS, 10)}`,
        deviceType: 'Android',
        clientType: 'EAS',
        deviceModel: model,
        deviceOs: pick(rng, ANDROID_VERSIONS),
        deviceOsLanguage: language,
        deviceUserAgent: `Android-Mail/2024.${intBetween(rng, 1, 12)}.${intBetween(rng, 1, 28)}.${intBetween(rng, 600000000, 699999999)}.Release`,
        friendlyName: model,
        deviceImei: null,
        deviceMobileOperator: operator,
        deviceTelephoneNumber: null,
      };
    }
    case 'windowsmail':
      return {
        deviceId: charsFrom(rng, UPPER_HEX, 32),
        deviceType: 'WindowsMail',
        clientType: 'EAS',
        deviceModel: pick(rng, WINDOWS_MODELS),
        deviceOs: pick(rng, ['Windows 10.0.19045', 'Windows 10.0.22631', 'Windows 10.0.26100']),
        deviceOsLanguage: language,
        deviceUserAgent: 'MSFT-WIN-3/10.0.22631',
        friendlyName: null,
        deviceImei: null,
        deviceMobileOperator: null,
        deviceTelephoneNumber: null,
      };
    case 'outlook-ios':
    case 'outlook-android': {
      const ios = kind === 'outlook-ios';
      return {
        deviceId: charsFrom(rng, UPPER_HEX, 32),
        deviceType: 'Outlook',
        // Most Outlook mobile partnerships report ClientType Outlook (named Hx§Outlook§<id>);
        // older ones REST (REST§Outlook§<id>). The draw is made even when forced, so a
        // fixture does not shift the devices after it.
        clientType: rng() < 0.8 ? (opts.outlookClient ?? 'Outlook') : (opts.outlookClient ?? 'REST'),
        deviceModel: 'Outlook for iOS and Android',
        deviceOs: ios ? `iOS ${pick(rng, IOS_BUILDS)[0]}` : pick(rng, ANDROID_VERSIONS),
        deviceOsLanguage: language,
        deviceUserAgent: ios ? 'Outlook-iOS/2.0' : 'Outlook-Android/2.0',
        friendlyName: null,
        deviceImei: null,
        deviceMobileOperator: null,
        deviceTelephoneNumber: null,
      };
    }
  }
}

export const FIRST_NAMES = [
  'Adele', 'Alex', 'Allan', 'Anna', 'Ben', 'Carla', 'Chris', 'Christie', 'Daniel', 'Debra', 'Diego', 'Elena', 'Emily', 'Eric',
  'Fatima', 'Grady', 'Hannah', 'Henrietta', 'Isaiah', 'Ivan', 'Jana', 'Joni', 'Johanna', 'Jorge', 'Kai', 'Karin', 'Lee', 'Lidia',
  'Lynne', 'Marta', 'Megan', 'Miriam', 'Nestor', 'Nina', 'Omar', 'Patti', 'Pradeep', 'Priya', 'Quinn', 'Raul', 'Rosa', 'Sakura',
  'Sam', 'Sara', 'Tomas', 'Uma', 'Victor', 'Wei', 'Xavier', 'Yara', 'Yusuf', 'Zoe',
];
export const LAST_NAMES = [
  'Vance', 'Wilber', 'Deyoung', 'Bowen', 'Gu', 'Langer', 'Sherman', 'Holt', 'Zrinski', 'Nguyen', 'Patel', 'Garcia', 'Mueller',
  'Schmidt', 'Rossi', 'Dubois', 'Jansen', 'Kowalski', 'Novak', 'Tanaka', 'Sato', 'Kim', 'Park', 'Chen', 'Wang', 'Singh',
  'Khan', 'Ali', 'Silva', 'Santos', 'Costa', 'Lopez', 'Martin', 'Bernard', 'Smith', 'Jones', 'Taylor', 'Brown', 'Wilson',
  'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Hughes', 'Edwards', 'Green', 'Hall', 'Wood', 'Clarke',
];
export const DEPARTMENTS = ['Sales', 'Engineering', 'Finance', 'Marketing', 'Operations', 'Legal', 'Human Resources', 'Support'];
