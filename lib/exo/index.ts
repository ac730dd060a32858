/** Exchange Online admin API: the client, its typed errors, the cmdlet wrappers and value parsers. */
export * from './client';
export type { ExoClientOptions, InvokeOptions } from './options';
export type { ExoCallStats } from './stats';
export { DEFAULT_USER_AGENT, SYSTEM_MAILBOX } from './call';
export { TRUNCATION_WARNING } from './judge';
export * from './cmdlets';
export * from './errors';
export * from './classify';
export * from './values';
export type { AccessTokenInfo, Clock, TokenProvider } from './ports';
export { systemClock } from './ports';
