/** Outbound authentication: app-only tokens for Exchange Online. */
export * from './token-provider';
