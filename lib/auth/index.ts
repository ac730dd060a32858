/** Outbound authentication: app-only tokens for Exchange Online. */
export * from './token-provider';
export * from './tenant-discovery';
