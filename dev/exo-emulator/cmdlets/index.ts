/** Every cmdlet the emulator implements, by lower-cased name (PowerShell names are case-insensitive). */
import { accessSettingsCmdlets } from './access-settings';
import { deviceActionCmdlets } from './device-actions';
import { mailboxPolicyCmdlets } from './mailbox-policies';
import { mobileDeviceCmdlets } from './mobile-devices';
import { rbacCmdlets } from './rbac';
import { recipientCmdlets } from './recipients';
import type { CmdletDef } from './types';

export function cmdletRegistry(): ReadonlyMap<string, CmdletDef> {
  const all = [...mobileDeviceCmdlets, ...deviceActionCmdlets, ...mailboxPolicyCmdlets, ...accessSettingsCmdlets, ...recipientCmdlets, ...rbacCmdlets];
  return new Map(all.map((c) => [c.name.toLowerCase(), c]));
}

export type { CmdletContext, CmdletDef, CmdletOutput } from './types';
