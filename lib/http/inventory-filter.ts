/**
 * The inventory's filters as a JSON body (a saved collection's filter, a bulk action's
 * filter): the query parameters of GET /api/devices with JSON types. One schema, so a
 * collection saved here selects the same devices wherever it is used.
 */
import { z } from 'zod';
import { isoTime } from './query-params';

/** An ActiveSync version filter value (the query string's too). */
export const activeSyncVersion = z.string().regex(/^\d{1,3}(\.\d{1,3}){0,3}$/, 'must be an ActiveSync version such as 16.1');
const text = (max: number) => z.string().min(1).max(max);

export const inventoryFilter = z
  .object({
    user: text(256).optional(), deviceType: text(100).optional(), model: text(100).optional(), os: text(100).optional(),
    clientType: z.enum(['EAS', 'Outlook', 'REST']).optional(), accessState: z.enum(['Allowed', 'Blocked', 'Quarantined', 'DeviceDiscovery']).optional(),
    stale: z.boolean().optional(), removed: z.boolean().optional(), wipeState: z.enum(['pending', 'acknowledged', 'none']).optional(),
    lastSyncBefore: isoTime.optional(), lastSyncAfter: isoTime.optional(), name: text(256).optional(), policy: text(64).optional(),
    statisticsUnavailable: z.boolean().optional(), wipedWithinDays: z.number().int().min(1).max(3650).optional(), policyAppliedInFull: z.boolean().optional(),
    activeSyncVersionBelow: activeSyncVersion.optional(), activeSyncVersionAtLeast: activeSyncVersion.optional(),
  })
  .strict();

/** A collection's name (built in or saved). */
export const collectionName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a collection name: lowercase letters, digits and -, at most 63');
