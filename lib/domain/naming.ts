/**
 * Readable device names, as the ConfigMgr connector made them: `<user>_<deviceType>`
 * (e.g. `jdoe_iPhone`). ConfigMgr gave two same-type devices of one user the same name;
 * here the second and later ones get `_2`, `_3`... in first-sync order. A name is decided
 * once, when the connector first sees the partnership, and never changes afterwards, so
 * the names already taken by a user's stored records (removed ones too) are reserved.
 */

/** The user part: the UPN's local part (or the alias), keeping only safe characters. */
export function userNamePart(user: string | null | undefined): string {
  const local = (user ?? '').split('@')[0].trim();
  const safe = local.replace(/[^A-Za-z0-9._-]/g, '');
  return safe || 'unknown';
}

/** The type part: Exchange's DeviceType without spaces or punctuation. */
export function deviceTypePart(deviceType: string | null | undefined): string {
  const safe = (deviceType ?? '').replace(/[^A-Za-z0-9]/g, '');
  return safe || 'Device';
}

export interface NewPartnership {
  deviceGuid: string;
  deviceType: string | null;
  firstSyncTime: string | null;
}

/**
 * Names for a user's newly seen partnerships. `taken` holds the names this user's
 * stored partnerships already carry. New partnerships are named in first-sync order
 * (unknown first-sync times last, then by guid, so the result is deterministic), each
 * taking the lowest free suffix.
 */
export function nameNewPartnerships(user: string | null | undefined, taken: Iterable<string>, fresh: NewPartnership[]): Map<string, string> {
  const used = new Set([...taken].map((n) => n.toLowerCase()));
  const ordered = [...fresh].sort((a, b) => {
    const ta = a.firstSyncTime ? Date.parse(a.firstSyncTime) : Number.POSITIVE_INFINITY;
    const tb = b.firstSyncTime ? Date.parse(b.firstSyncTime) : Number.POSITIVE_INFINITY;
    if (ta !== tb) return ta < tb ? -1 : 1;
    return a.deviceGuid < b.deviceGuid ? -1 : a.deviceGuid > b.deviceGuid ? 1 : 0;
  });
  const names = new Map<string, string>();
  const userPart = userNamePart(user);
  for (const p of ordered) {
    const base = `${userPart}_${deviceTypePart(p.deviceType)}`;
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    used.add(name.toLowerCase());
    names.set(p.deviceGuid, name);
  }
  return names;
}
