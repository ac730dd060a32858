/**
 * Get-ManagementRoleAssignment and Get-ManagementRoleEntry, so the connector can learn
 * before it starts which cmdlets its app may run, and name each one missing.
 *
 * The emulated RBAC is a simple, consistent model:
 * - The app's service principal is the one member of the role group
 *   "Mobile Device Connector" (the custom role group the reference recommends). That
 *   group is assigned the built-in roles Mail Recipients, Organization Client Access,
 *   Recipient Policies, Distribution Groups and View-Only Configuration
 *   (control.setAssignedRoles changes the set; a cmdlet none of whose roles is assigned
 *   answers 403).
 * - Every implemented cmdlet is an entry of its role (CmdletDef.role) and of other
 *   administrator roles that hold it (CmdletDef.alsoInRoles; listed for the device, CAS,
 *   policy, rule, settings and RBAC cmdlets), with its parameters. Which
 *   role holds which cmdlet follows Exchange's own tenant role definitions
 *   (CannedRoles_Tenant in github.com/evilashz/exchange-server-27065,
 *   Microsoft.Exchange.Management.RbacDefinition/Tasks/): New-/Set-/Remove-
 *   MobileDeviceMailboxPolicy are in Recipient Policies only (Get- also in Mail Recipients,
 *   Mail Recipient Creation, View-Only Configuration and View-Only Recipients); the device
 *   access rule and organisation settings cmdlets in Organization Client Access (their
 *   Get- also in View-Only Configuration); Set-CASMailbox in Mail Recipients and
 *   Organization Client Access. Microsoft365DSC's role list for its
 *   EXOMobileDeviceMailboxPolicy resource names Recipient Policies too (settings.json).
 *   Choices: end-user roles (MyBaseOptions, User Options) are not listed, and an entry
 *   lists all of the cmdlet's parameters (Exchange splits some per role: there
 *   ActiveSyncMailboxPolicy is Mail Recipients' and ActiveSyncAllowedDeviceIDs /
 *   ActiveSyncBlockedDeviceIDs are Organization Client Access's).
 * - control.denyCmdlets(names) removes those entries, as an administrator would by
 *   trimming a custom copy of the role: calling a denied cmdlet answers 403 (NUL body,
 *   x-ms-diagnostics naming it), and Get-ManagementRoleEntry no longer lists it.
 *   Role assignments are not affected.
 * - Get-ManagementRoleEntry -Identity '<role>\<cmdlet>' accepts '*' wildcards in either
 *   part: '*\Clear-MobileDevice' returns its entries when the app may run it and an empty
 *   list when it may not. An identity without wildcards that matches nothing is
 *   ManagementObjectNotFoundException. Cmdlets the emulator does not implement have no
 *   entries (and calling them answers 403, as Exchange does for unknown cmdlets).
 * - Get-ManagementRoleAssignment lists the group's assignments whatever -RoleAssignee
 *   names (the emulator has one principal: the caller); -Role filters (wildcards
 *   allowed); -GetEffectiveUsers puts the app's name in EffectiveUserName.
 */
import { createHash } from 'node:crypto';
import { cmdletErrors } from '../exchange-errors';
import { exoDate } from '../values';
import type { WireObject } from '../wire';
import type { CmdletContext, CmdletDef } from './types';
import { identityParam, ignoredParam, objects, resultSizeParam } from './types';

export const CONNECTOR_ROLE_GROUP = 'Mobile Device Connector';
export const ASSIGNED_ROLES = ['Mail Recipients', 'Organization Client Access', 'Recipient Policies', 'Distribution Groups', 'View-Only Configuration'] as const;

/** Every role holding an entry for the cmdlet, its own first. */
export const rolesOf = (def: CmdletDef): string[] => [def.role, ...(def.alsoInRoles ?? [])];

const stableGuid = (text: string) => {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
}

function entries(ctx: CmdletContext): { role: string; def: CmdletDef }[] {
  return [...ctx.registry.values()].filter((def) => !ctx.denied.has(def.name.toLowerCase())).flatMap((def) => rolesOf(def).map((role) => ({ role, def })));
}

function entryObject(role: string, def: CmdletDef): WireObject {
  return {
    Name: def.name,
    Role: role,
    Identity: `${role}\\${def.name}`,
    'Parameters@odata.type': '#Collection(String)',
    Parameters: Object.keys(def.params).sort(),
    PSSnapinName: 'Microsoft.Exchange.Management.PowerShell.E2010',
    Type: 'Cmdlet',
    IsValid: true,
  };
}

const getManagementRoleEntry: CmdletDef = {
  name: 'Get-ManagementRoleEntry',
  role: 'View-Only Configuration',
  alsoInRoles: ['Role Management'],
  params: { Identity: identityParam, Parameters: { kind: 'multiValue' }, ResultSize: resultSizeParam, DomainController: ignoredParam },
  mandatory: ['Identity'],
  run(args, ctx) {
    const identity = args.string('Identity')!;
    const slash = identity.lastIndexOf('\\');
    if (slash <= 0 || slash === identity.length - 1) {
      throw cmdletErrors.validation('Identity', `The value '${identity}' isn't a role entry identity. Use the form <role>\\<cmdlet>, for example '*\\Get-MobileDevice'.`);
    }
    const rolePattern = wildcard(identity.slice(0, slash));
    const cmdletPattern = wildcard(identity.slice(slash + 1));
    const wantedParams = args.multi('Parameters')?.replace ?? [];
    const found = entries(ctx).filter(
      ({ role, def }) =>
        rolePattern.test(role) &&
        cmdletPattern.test(def.name) &&
        wantedParams.every((p) => Object.keys(def.params).some((k) => k.toLowerCase() === p.toLowerCase())),
    );
    if (found.length === 0 && !identity.includes('*')) throw cmdletErrors.notFound(identity);
    return objects(found.slice(0, args.resultSize(Infinity)).map(({ role, def }) => entryObject(role, def)));
  },
};

const getManagementRoleAssignment: CmdletDef = {
  name: 'Get-ManagementRoleAssignment',
  role: 'View-Only Configuration',
  alsoInRoles: ['Role Management', 'Mail Recipients'],
  params: {
    Identity: identityParam,
    Role: { kind: 'string' },
    RoleAssignee: { kind: 'string' },
    AssignmentMethod: { kind: 'multiValue' },
    GetEffectiveUsers: { kind: 'switch' },
    Enabled: { kind: 'bool' },
    Delegating: { kind: 'bool' },
    ResultSize: resultSizeParam,
    DomainController: ignoredParam,
  },
  run(args, ctx) {
    const rolePattern = wildcard(args.string('Role') ?? '*');
    const identity = args.string('Identity');
    const effective = args.bool('GetEffectiveUsers') ?? false;
    if (args.bool('Delegating') === true || args.bool('Enabled') === false) return objects([]);
    const list = ctx.assignedRoles
      .filter((role) => rolePattern.test(role))
      .map((role) => ({ role, name: `${role}-${CONNECTOR_ROLE_GROUP}` }))
      .filter((a) => identity === undefined || wildcard(identity).test(a.name));
    if (identity !== undefined && !identity.includes('*') && list.length === 0) throw cmdletErrors.notFound(identity);
    return objects(
      list.map(({ role, name }) => {
        const o: WireObject = {
          Name: name,
          Identity: name,
          Role: role,
          RoleAssigneeType: 'RoleGroup',
          RoleAssignee: CONNECTOR_ROLE_GROUP,
          RoleAssigneeName: CONNECTOR_ROLE_GROUP,
          AssignmentMethod: 'Direct',
          EffectiveUserName: effective ? ctx.caller.displayName : 'All Group Members',
          Enabled: true,
          RoleAssignmentDelegationType: 'Regular',
          RecipientReadScope: 'Organization',
          ConfigReadScope: 'OrganizationConfig',
          RecipientWriteScope: 'Organization',
          ConfigWriteScope: 'OrganizationConfig',
          'Guid@data.type': 'System.Guid',
          Guid: stableGuid(name),
          WhenChanged: exoDate(Date.UTC(2024, 0, 1)),
          IsValid: true,
        };
        return o;
      }),
    );
  },
};

export const rbacCmdlets: CmdletDef[] = [getManagementRoleAssignment, getManagementRoleEntry];
