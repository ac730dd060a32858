/**
 * What the access-rule and organization-settings use cases need from outside, and the
 * desired-state records they keep. The table adapter (lib/storage/access-repository.ts)
 * and the Exchange adapter (lib/exo/access.ts) implement the ports; the use cases never
 * see a table, a cmdlet's wire form or a storage ETag.
 */
import { AppError } from '../../errors';
import type { Clock } from '../../clock';
import type { Logger } from '../../log';
import type { AccessDevice, AccessLevel, RuleCharacteristic } from '../../domain/access-precedence';
import type { AuditLog, CallReceipt } from '../actions/ports';

export { ExchangeOutcomeUnknownError, ExchangeRefusedError, type CallReceipt } from '../actions/ports';

/** The four organization settings the connector may manage. */
export interface ManagedOrgSettings {
  defaultAccessLevel: AccessLevel;
  adminMailRecipients: string[];
  userMailInsert: string;
  otaNotificationMailInsert: string;
}
export type OrgSettingName = keyof ManagedOrgSettings;
export const ORG_SETTING_NAMES: readonly OrgSettingName[] = ['defaultAccessLevel', 'adminMailRecipients', 'userMailInsert', 'otaNotificationMailInsert'];

/** Get-ActiveSyncOrganizationSettings, read. */
export interface ExchangeOrgSettings {
  managed: ManagedOrgSettings;
  /** Shown, never managed (reference: DeviceFiltering, IsIntuneManaged, HasAzurePremiumSubscription, ...). */
  readOnly: Record<string, unknown>;
}

/** The parameters of one Set-ActiveSyncOrganizationSettings: only what changes. */
export interface OrgSettingsChange {
  defaultAccessLevel?: AccessLevel;
  adminMailRecipients?: { add: string[]; remove: string[] };
  userMailInsert?: string;
  otaNotificationMailInsert?: string;
}

/** A device access rule as Exchange holds it. */
export interface ExchangeRule {
  identity: string;
  characteristic: string;
  queryString: string;
  /** null: a level the connector does not know (Exchange may add one). */
  accessLevel: AccessLevel | null;
}

export interface AccessExchange {
  organization(): Promise<ExchangeOrgSettings>;
  setOrganization(change: OrgSettingsChange): Promise<CallReceipt>;
  rules(): Promise<ExchangeRule[]>;
  /** New-ActiveSyncDeviceAccessRule; the rule when Exchange answers with it. */
  newRule(rule: { characteristic: RuleCharacteristic; queryString: string; accessLevel: AccessLevel }): Promise<CallReceipt & { rule: ExchangeRule | null }>;
  setRuleLevel(identity: string, accessLevel: AccessLevel): Promise<CallReceipt>;
  removeRule(identity: string): Promise<CallReceipt>;
  /** Lower-cased Names of the mailboxes whose ActiveSync is disabled (Get-CASMailbox). */
  activeSyncDisabledMailboxes(): Promise<Set<string>>;
}

/** One difference between the desired and what Exchange held, and its repair. */
export interface DriftEntry {
  setting: string;
  desired: unknown;
  found: unknown;
  foundAt: string;
  repairedAt: string | null;
  /** Exchange's request id of the repairing call. */
  requestId?: string | null;
}

/** The desired organization settings: only the ones the connector manages. */
export interface OrgDesired {
  tenantId: string;
  managed: Partial<ManagedOrgSettings>;
  drift: DriftEntry[];
  updatedBy: string;
  updatedAt: string;
  /** A change whose Set- outcome is unknown: the next reconcile reads what Exchange holds. */
  outcomeUnknownAt: string | null;
}

/**
 * A rule the connector manages. `present` is the desired end (false while a removal is
 * under way); `pendingRemoval` holds identities of rules this one replaced (a new query
 * string is recreate-then-remove) that Exchange still holds.
 */
export interface RuleDesired {
  tenantId: string;
  /** The connector's id: URL-safe, stable across a recreate (the Exchange identity changes). */
  id: string;
  characteristic: RuleCharacteristic;
  queryString: string;
  accessLevel: AccessLevel;
  /** The Exchange identity of the rule as last created. */
  identity: string;
  present: boolean;
  pendingRemoval: string[];
  drift: DriftEntry[];
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  outcomeUnknownAt: string | null;
}

export interface Versioned<T> {
  value: T;
  /** Guards the next write (a storage ETag). */
  version: string;
}

export interface AccessStore {
  organization(tenantId: string): Promise<Versioned<OrgDesired> | null>;
  /** Writes the record: created when `version` is null (someone else's first write wins), else only over that version. */
  saveOrganization(record: OrgDesired, version: string | null): Promise<Versioned<OrgDesired>>;
  rules(tenantId: string): Promise<Versioned<RuleDesired>[]>;
  rule(tenantId: string, id: string): Promise<Versioned<RuleDesired> | null>;
  saveRule(record: RuleDesired, version: string | null): Promise<Versioned<RuleDesired>>;
  deleteRule(tenantId: string, id: string, version: string): Promise<void>;
}

/** The devices the preview judges: the inventory's records, removed ones left out. */
export interface AccessInventory {
  devices(tenantId: string): AsyncIterable<PreviewDevice>;
}

export interface PreviewDevice extends AccessDevice {
  name: string;
  userUpn: string | null;
}

export interface AccessSettings {
  /** A change that would block or quarantine more devices than this needs confirmImpact (ACCESS_CONFIRM_ABOVE). */
  confirmAbove: number;
}

export interface AccessDeps {
  tenantId: string;
  store: AccessStore;
  exchange: AccessExchange;
  inventory: AccessInventory;
  audit: AuditLog;
  settings: AccessSettings;
  clock: Clock;
  log: Logger;
}

/** Who asks (the caller's id as the audit shows it). */
export interface Requester {
  id: string;
}

/** The If-Match a change needs is missing (RFC 6585, 428). */
export class PreconditionRequiredError extends AppError {
  constructor(what: string) {
    super('PreconditionRequired', `Changing ${what} needs an If-Match header holding the ETag its GET answered, so that no one's change is overwritten unseen`, 428, { header: 'If-Match' });
  }
}

/** The If-Match names a version that is no longer the current one (412). */
export class PreconditionFailedError extends AppError {
  constructor(what: string) {
    super('PreconditionFailed', `${what} changed since that ETag was read (in the connector or in Exchange); read it again (GET) and decide on the current values`, 412, { header: 'If-Match' });
  }
}

/** The change would block or quarantine more devices than ACCESS_CONFIRM_ABOVE without the caller confirming the number. */
export class ImpactConfirmationRequiredError extends AppError {
  constructor(o: { impact: number; wouldBlock: number; wouldQuarantine: number; threshold: number; confirmImpact: number | null }) {
    const given = o.confirmImpact === null ? 'no confirmImpact was given' : `confirmImpact was ${o.confirmImpact}`;
    super(
      'ImpactConfirmationRequired',
      `This change would block or quarantine ${o.impact} devices (${o.wouldBlock} blocked, ${o.wouldQuarantine} quarantined), more than ${o.threshold}; ${given}. ` +
        `Send "confirmImpact":${o.impact} to go ahead (POST /api/access/preview lists the devices).`,
      409,
      o,
    );
  }
}

/** A rule with that identity already exists in Exchange. */
export class RuleExistsError extends AppError {
  constructor(identity: string, ruleId: string | null) {
    super(
      'RuleExists',
      ruleId ? `Exchange already holds the rule ${identity}, managed by the connector as ${ruleId}` : `Exchange already holds the rule ${identity}; the connector does not manage it and leaves it alone`,
      409,
      { identity, ruleId, managed: ruleId !== null },
    );
  }
}

/** Exchange refused removing a rule the connector no longer wants (one a recreate replaced, or one being removed): kept as pending removal. */
export class RuleRemovalPendingError extends AppError {
  constructor(o: { ruleId: string; identity: string | null; pendingRemoval: string[]; cmdlet: string; exchangeCode: string | null; requestId: string | null; reason: string }) {
    super(
      'RuleRemovalPending',
      `${o.identity ? `The rule ${o.identity} is in place, but r` : 'R'}emoving ${o.pendingRemoval.join(', ')} failed: ${o.reason.replace(/\.+$/, '')}. ` +
        'It is kept as pending removal: the same request again, or the next reconcile, removes it.',
      502,
      o,
    );
  }
}
