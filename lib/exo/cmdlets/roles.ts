/** The install check's own reads: which management roles hold a cmdlet, and which roles the app is assigned. */
import type { InvokeOptions } from '../options';
import type { ExoInvoker } from './common';

/** Get-ManagementRoleEntry: one cmdlet of a management role. */
export interface ManagementRoleEntry {
  Name: string;
  Role?: string | null;
  Identity?: string | null;
  Parameters?: string[] | null;
  Type?: string | null;
}

/** Get-ManagementRoleAssignment. */
export interface ManagementRoleAssignment {
  Identity: string;
  Name?: string | null;
  Role?: string | null;
  RoleAssignee?: string | null;
  RoleAssigneeName?: string | null;
  RoleAssigneeType?: string | null;
  AssignmentMethod?: string | null;
  EffectiveUserName?: string | null;
  Enabled?: boolean | null;
}

/** Role entries matching an identity such as `*\Get-MobileDevice` (which roles hold a cmdlet). */
export function getManagementRoleEntries(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<ManagementRoleEntry[]> {
  return client.invoke<ManagementRoleEntry>('Get-ManagementRoleEntry', { Identity: identity }, options);
}

/** Role assignments, e.g. of the app's service principal (`roleAssignee`) or of one role. */
export function getManagementRoleAssignments(
  client: ExoInvoker,
  query: { roleAssignee?: string; role?: string } = {},
  options: InvokeOptions = {},
): Promise<ManagementRoleAssignment[]> {
  const parameters: Record<string, unknown> = {};
  if (query.roleAssignee) parameters.RoleAssignee = query.roleAssignee;
  if (query.role) parameters.Role = query.role;
  return client.invoke<ManagementRoleAssignment>('Get-ManagementRoleAssignment', parameters, options);
}
