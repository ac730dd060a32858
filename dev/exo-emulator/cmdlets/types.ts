/** How a cmdlet is declared: its parameters, the management role holding it, and what it does. */
import type { Caller } from '../auth';
import type { Listing } from '../paging';
import type { Org } from '../store/org';
import type { WireObject } from '../wire';
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
}

export type CmdletOutput =
  /** A few objects, returned in one page. */
  | { kind: 'objects'; objects: WireObject[]; warnings?: string[] }
  /** A listing, paged by the emulator; resultSize Infinity for Unlimited. */
  | { kind: 'listing'; listing: Listing; resultSize: number; warnings?: string[] }
  /** Set-/New-/Remove-/Clear-: nothing to return. */
  | { kind: 'none' };

export interface CmdletDef {
  name: string;
  /** The built-in management role whose entry lets an app run it (see rbac.ts). */
  role: string;
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
