/** Exchange Online admin API: the client, its typed errors, the cmdlet wrappers and value parsers. */
export * from './client';
export * from './cmdlets';
export * from './errors';
export * from './classify';
export * from './values';
export type { AccessTokenInfo, Clock, TokenProvider } from './ports';
export { systemClock } from './ports';
