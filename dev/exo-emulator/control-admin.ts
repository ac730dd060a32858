/** Running a cmdlet as an administrator at a console (control.invoke and the "by hand" changes): no auth, faults or paging; prompts are answered. */
import type { Caller } from './auth';
import type { EmulatorCore } from './core';
import { cmdletErrors } from './exchange-errors';
import { runCmdlet } from './invoke';
import { readPage } from './paging';
import type { WireObject } from './wire';

/** Who control.invoke acts as: an administrator at the Exchange admin center. */
export const ADMINISTRATOR: Caller = { appId: 'administrator', tenantId: '', roles: [], displayName: 'Administrator' };

export function invokeAsAdministrator(core: EmulatorCore, cmdletName: string, parameters: Record<string, unknown> = {}): WireObject[] {
  const def = core.registry.get(String(cmdletName).toLowerCase());
  if (!def) throw cmdletErrors.invalidOperation(`The term '${cmdletName}' is not recognized as the name of a cmdlet.`);
  const output = runCmdlet(core, def, parameters, ADMINISTRATOR, { interactive: true });
  if (output.kind === 'none') return [];
  if (output.kind === 'objects') return output.objects;
  return readPage(output.listing, { afterSeq: 0, emitted: 0 }, Infinity, output.resultSize).objects;
}
