/**
 * What lib/exo needs from outside, as small interfaces. The token provider is lib/auth's
 * (type only: this module never loads MSAL); any object of that shape fits, a test fake too.
 */
export type { AccessTokenInfo, TokenProvider } from '../auth/token-provider';

/** Time, injectable so retry and throttling behaviour can be tested without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
