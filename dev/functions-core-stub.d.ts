export interface CoreRegistration {
  metadata: { name: string; bindings: Record<string, Record<string, unknown> & { type: string; direction: string }> };
  handler: (...args: unknown[]) => unknown;
}
export const registrations: CoreRegistration[];
export const hooks: { hookName: string; callback: (...args: unknown[]) => unknown }[];
