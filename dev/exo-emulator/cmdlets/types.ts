/** How a cmdlet is declared: its parameters, the management role holding it, and what it does. */
import type { Caller } from '../auth';
import type { Listing } from '../paging';
import type { ReleasedFromLists } from '../store/device-rules';
import type { Org } from '../store/org';
import type { WireObject } from '../wire';
import { cmdletErrors } from '../exchange-errors';
import type { Args, ParamKind } from './params';

export interface CmdletContext {
  org: Org;
  /** The emulator clock, epoch milliseconds. */
  now: number;
  caller: Caller;
  /** Lower-cased names of the cmdlets the app may not run (control: denyCmdlets). */
  denied: { has(lowerCasedName: string): boolean };
  /** Every implemented cmdlet, by lower-cased name. */
  registry: ReadonlyMap<string, CmdletDef>;
  /** The management roles assigned to the app's role group (control: setAssignedRoles). */
  assignedRoles: readonly string[];
  /** An administrator at a console (control.invoke): confirmation prompts are answered. Over REST nobody can answer them. */
  interactive: boolean;
  /** Where Exchange's behaviour is not settled, which variant the emulator plays (control: setVariants). */
  variants: Variants;
}

export interface Variants {
  /** Clear-MobileDevice -Cancel after the device picked the wipe up: an error (default) or Exchange 2013's 200 with a warning. */
  cancelAfterPickUp: 'error' | 'warning';
  /** A device leaving Set-CASMailbox's lists: re-evaluated at once (default) or Unknown until it connects, as Exchange 2013. */
  releasedFromLists: ReleasedFromLists;
  /** EasMaxDeviceDeletesPerMonth: Remove-MobileDevice calls per mailbox and calendar month; null (default) for unlimited. */
  maxDeviceDeletesPerMonth: number | null;
}

export const DEFAULT_VARIANTS: Readonly<Variants> = { cancelAfterPickUp: 'error', releasedFromLists: 'reevaluate', maxDeviceDeletesPerMonth: null };

export type CmdletOutput =
  /** A few objects, returned in one page. */
  | { kind: 'objects'; objects: WireObject[]; warnings?: string[] }
  /** A listing, paged by the emulator; resultSize Infinity for Unlimited. */
  | { kind: 'listing'; listing: Listing; resultSize: number; warnings?: string[] }
  /** Set-/New-/Remove-/Clear-: nothing to return (warnings go to @adminapi.warnings). */
  | { kind: 'none'; warnings?: string[] };

export interface CmdletDef {
  name: string;
  /** The built-in management role whose entry lets an app run it (see rbac.ts). */
  role: string;
  /** Other built-in roles that hold an entry for it (Get-ManagementRoleEntry lists one per role). */
  alsoInRoles?: readonly string[];
  params: Record<string, ParamKind>;
  mandatory?: readonly string[];
  run(args: Args, ctx: CmdletContext): CmdletOutput;
}

/** -Identity given as a string (Exchange also accepts objects piped in; over REST it is a string). */
export const identityParam: ParamKind = { kind: 'string' };
export const confirmParam: ParamKind = { kind: 'switch' };
export const resultSizeParam: ParamKind = { kind: 'resultSize' };
export const ignoredParam: ParamKind = { kind: 'ignored' };

export const objects = (list: WireObject[], warnings?: string[]): CmdletOutput => ({ kind: 'objects', objects: list, warnings });
export const none: CmdletOutput = { kind: 'none' };
export const noneWith = (warnings: string[]): CmdletOutput => (warnings.length === 0 ? none : { kind: 'none', warnings });

/**
 * A cmdlet with a built-in pause (ConfirmImpact High) called without `Confirm: false`, or a
 * ShouldContinue question (which Confirm does not answer): over REST nobody can answer, so
 * the call fails before anything changes (see exchange-errors.ts, confirmationRequired).
 * An administrator at a console (control.invoke) answers yes.
 */
export function requireConfirmation(args: Args, ctx: CmdletContext, prompt: string, o: { shouldContinue?: boolean } = {}): void {
  if (ctx.interactive) return;
  if (!o.shouldContinue && args.bool('Confirm') === false) return;
  throw cmdletErrors.confirmationRequired(prompt);
}
