/**
 * Routes whose Exchange cmdlets the connector may not run answer before calling Exchange:
 * the install check (lib/app/install-check.ts) records per feature which cmdlets the
 * app's Exchange role lacks, and a route naming the cmdlets it invokes is refused with
 * a problem naming them while the other features keep working. Only a recorded
 * "unavailable" refuses: before the first check, or when the check could not tell,
 * Exchange itself answers (and a refusal there is reported as PermissionMissing).
 */
import { AppError } from '../../errors';
import type { Clock } from '../../clock';
import type { ConnectorStatus } from '../../domain/connector-status';

export interface FeatureNeed {
  /** A feature of lib/exo/cmdlets/features.ts FEATURES. */
  feature: string;
  /** The cmdlets the route may invoke. */
  cmdlets: readonly string[];
}

export class FeatureUnavailableError extends AppError {
  constructor(feature: string, missing: string[], status: ConnectorStatus) {
    const again = status.nextCheckAt ? ` The check runs again at ${status.nextCheckAt}.` : '';
    super(
      'FeatureUnavailable',
      `The connector may not run ${missing.join(', ')} in Exchange, so ${feature} is unavailable (install check of ${status.checkedAt}). ` +
        `Add the cmdlets to the connector app's Exchange role group (README, "Exchange roles"); GET /api/status lists every missing cmdlet.${again}`,
      503,
      { feature, missingCmdlets: missing, checkedAt: status.checkedAt, nextCheckAt: status.nextCheckAt },
    );
  }
}

export interface FeatureGate {
  /** Throws FeatureUnavailableError when the last install check found any of `need.cmdlets` missing. */
  require(need: FeatureNeed): Promise<void>;
}

export interface FeatureGateDeps {
  tenantId: string;
  status: { getStatus(tenantId: string): Promise<{ status: ConnectorStatus } | null> };
  clock: Clock;
  /** How long one read of the status answers later requests (default 30 s). */
  ttlMs?: number;
}

export function createFeatureGate(deps: FeatureGateDeps): FeatureGate {
  const ttlMs = deps.ttlMs ?? 30_000;
  let cached: { at: number; status: Promise<ConnectorStatus | null> } | null = null;
  const current = () => {
    const now = deps.clock.now();
    if (!cached || now - cached.at >= ttlMs) {
      const status = deps.status.getStatus(deps.tenantId).then((s) => s?.status ?? null);
      // A failed read is not kept: the next request reads again.
      status.catch(() => (cached = null));
      cached = { at: now, status };
    }
    return cached.status;
  };
  return {
    async require(need) {
      const status = await current();
      const f = status?.features.find((x) => x.feature === need.feature);
      if (!status || !f || f.state !== 'unavailable') return;
      const missing = need.cmdlets.filter((c) => f.missingCmdlets.includes(c));
      if (missing.length) throw new FeatureUnavailableError(need.feature, missing, status);
    },
  };
}
