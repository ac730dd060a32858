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
