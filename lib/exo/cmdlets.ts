/**
 * Typed wrappers for the cmdlets the connector uses. Short on purpose: the client does
 * the work (paging, retries, errors). Objects keep Exchange's PascalCase property names;
 * dates stay Exchange's strings (read them with parseExoDate), sizes too (parseByteQuantity).
 * Properties are optional because Exchange omits what it does not know; only the keys
 * without which an object is useless are typed as always present.
 */
export type { ExoDateText, ExoInvoker, Open } from './cmdlets/common';
export * from './cmdlets/features';
export * from './cmdlets/inventory';
export * from './cmdlets/directory';
export * from './cmdlets/device-actions';
export * from './cmdlets/access-rules';
export * from './cmdlets/mailbox-policies';
export * from './cmdlets/roles';
