/** One append-only audit entry: who did what to what, when, and how it ended. */
export interface AuditEntry {
  tenantId: string;
  /** ISO 8601 time of the event; decides the month partition. */
  at: string;
  /** Who: the caller's object id / app id, or `connector` for timers. */
  actor: string;
  /** What: `wipe.request`, `exchange.Clear-MobileDevice`, `policy.apply`, ... */
  action: string;
  /** On what: a device guid, a policy name, ... */
  target: string;
  outcome: string;
  details: Record<string, unknown>;
}
