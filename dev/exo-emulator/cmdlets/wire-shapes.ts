/** Helpers every wire projection shares: Exchange's type annotations, times, the organisation id. */
import { EXCHANGE_SERVER } from '../exchange-errors';
import type { Org } from '../store/org';
import { exoDate, exoDateUtc } from '../values';
import type { WireObject } from '../wire';

export { EXCHANGE_SERVER };
const STRINGS = '#Collection(String)';
export const OBJECT_STATE = 'Unchanged';

export function guidProp(o: WireObject, key: string, value: string): void {
  o[`${key}@data.type`] = 'System.Guid';
  o[key] = value;
}

export function listProp(o: WireObject, key: string, value: readonly string[]): void {
  o[`${key}@odata.type`] = STRINGS;
  o[key] = [...value];
}

export function times(o: WireObject, created: number, changed: number): void {
  o.WhenChanged = exoDate(changed);
  o.WhenCreated = exoDate(created);
  o.WhenChangedUTC = exoDateUtc(changed);
  o.WhenCreatedUTC = exoDateUtc(created);
}

export function organizationId(org: Org): string {
  return `EURPR01A005.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/${org.domain} - EURPR01A005.PROD.OUTLOOK.COM/ConfigurationUnits/${org.domain}/Configuration`;
}

/**
 * The properties every configuration object (policy, rule, organisation settings) ends
 * with, in the order a live survey of Exchange Online's app-only output shows them
 * (AdminDisplayName, ExchangeVersion, Name, DistinguishedName, Identity, ObjectCategory,
 * ObjectClass, the four times, ExchangeObjectId, OrganizationId, Id, Guid,
 * OriginatingServer, IsValid, ObjectState). DirectoryObjectVersion and
 * OrganizationalUnitRoot are left out: no source gives their values.
 */
export function configurationTail(
  o: WireObject,
  org: Org,
  c: { name: string; identity: string; dn: string; guid: string; category: string; objectClass: string[]; created: number; changed: number },
): WireObject {
  Object.assign(o, { AdminDisplayName: '', ExchangeVersion: '0.10 (14.1.100.0)', Name: c.name, DistinguishedName: c.dn, Identity: c.identity });
  o.ObjectCategory = `EURPR01A005.PROD.OUTLOOK.COM/Configuration/Schema/${c.category}`;
  listProp(o, 'ObjectClass', c.objectClass);
  times(o, c.created, c.changed);
  guidProp(o, 'ExchangeObjectId', c.guid);
  o.OrganizationId = organizationId(org);
  o.Id = c.identity;
  guidProp(o, 'Guid', c.guid);
  o.OriginatingServer = EXCHANGE_SERVER;
  o.IsValid = true;
  o.ObjectState = OBJECT_STATE;
  return o;
}
