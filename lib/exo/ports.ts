/**
 * What lib/exo needs from outside, as small interfaces. The token provider is lib/auth's
 * (type only: this module never loads MSAL); any object of that shape fits, a test fake too.
 */
export type { AccessTokenInfo, TokenProvider } from '../auth/token-provider';

/** Time, injectable so retry and throttling behaviour can be tested without waiting (one clock for the connector). */
export { systemClock, type Clock } from '../clock';
