/**
 * The names Exchange Online gives recipients and device partnerships: distinguished
 * names in the hosted forest, the canonical name a device shows as its UserDisplayName,
 * and a partnership's Name and Identity. Pure text; the Org supplies its domain.
 */
import type { Device } from './model';

/** The forest part of every distinguished name, as in EXO. */
const FOREST_DN = 'OU=Microsoft Exchange Hosted Organizations,DC=EURPR01A005,DC=PROD,DC=OUTLOOK,DC=COM';
const FOREST_CANONICAL = 'EURPR01A005.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations';
export const DEVICE_CONTAINER = 'ExchangeActiveSyncDevices';

const lower = (s: string) => s.toLowerCase();

export function distinguishedName(domain: string, cn: string): string {
  return `CN=${cn},OU=${domain},${FOREST_DN}`;
}

/** The canonical name EXO shows as a device's UserDisplayName (not the user's display name). */
export function canonicalName(domain: string, name: string): string {
  return `${FOREST_CANONICAL}/${domain}/${name}`;
}

/**
 * The partnership's Name: `<DeviceType>§<DeviceId>` for ActiveSync; Outlook for iOS and
 * Android partnerships are `REST§Outlook§<id>` (ClientType REST) or `Hx§Outlook§<id>`
 * (ClientType Outlook, the Hx sync stack), as the reference says.
 */
export function deviceName(d: Device): string {
  if (d.clientType === 'EAS') return `${d.deviceType}§${d.deviceId}`;
  return `${d.clientType === 'REST' ? 'REST' : 'Hx'}§${d.deviceType}§${d.deviceId}`;
}

/** `<mailbox Name>\ExchangeActiveSyncDevices\<object name>`, as EXO shows it: the Name is not escaped. */
export function deviceIdentity(d: Device): string {
  return `${d.mailbox.name}\\${DEVICE_CONTAINER}\\${deviceName(d)}`;
}

export function deviceDistinguishedName(domain: string, d: Device): string {
  return `CN=${deviceName(d)},CN=${DEVICE_CONTAINER},CN=${d.mailbox.name},OU=${domain},${FOREST_DN}`;
}

/**
 * The owner part of a device Identity: everything before the literal
 * `\ExchangeActiveSyncDevices\` (case-insensitive), or the CN after it in a DN; undefined
 * when the text is neither.
 */
export function splitDeviceIdentity(id: string): { owner: string; name: string } | undefined {
  const text = id.trim();
  const marker = `\\${lower(DEVICE_CONTAINER)}\\`;
  const at = lower(text).indexOf(marker);
  if (at > 0) return { owner: text.slice(0, at), name: text.slice(at + marker.length) };
  const dn = /^CN=([^,]+),CN=ExchangeActiveSyncDevices,CN=([^,]+),/i.exec(text);
  return dn ? { owner: dn[2], name: dn[1] } : undefined;
}
