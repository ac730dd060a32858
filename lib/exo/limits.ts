/**
 * Bounds and defaults of the Exchange client's tunable options, declared once. The
 * client checks its options against them, and lib/config's settings table declares
 * EXO_PAGE_SIZE, EXO_MAX_CONCURRENCY, EXO_MAX_RETRIES and EXO_TIMEOUT_SECONDS from them,
 * so a value accepted at start is never refused (or defaulted differently) by the client.
 *
 * They live here rather than in lib/config because the dependency already points that
 * way: lib/config imports lib/exo (the OPATH rules of SCOPE_RECIPIENT_FILTER), and
 * lib/exo must not import the reader of process.env. What the numbers mean (a page, a
 * retry, a deadline) is the client's business; config only names the settings.
 */
export interface IntLimit {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

export const EXO_LIMITS = {
  /** `Prefer: odata.maxpagesize`; 1000 is the most Exchange returns in one page. */
  pageSize: { min: 1, max: 1000, default: 1000 },
  /** Upper bound of the adaptive concurrency limit (lib/exo/limiter.ts lowers it while throttled). */
  maxConcurrency: { min: 1, max: 32, default: 12 },
  /** Retries per HTTP request (throttling, transient errors, dropped connections, timeouts). */
  maxRetries: { min: 0, max: 10, default: 5 },
  /** Deadline of one HTTP request, in seconds; Exchange itself may run a cmdlet up to ~15 min. */
  timeoutSeconds: { min: 5, max: 960, default: 120 },
} as const satisfies Record<string, IntLimit>;
