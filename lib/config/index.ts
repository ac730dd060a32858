/**
 * Configuration: the only module that reads process.env. Every setting is declared once
 * (./settings.ts: type, default, range, whether it may hold a secret, example, meaning)
 * and read through that declaration at start; a missing or malformed setting stops
 * start-up with a single ConfigError naming every bad setting and what it expects.
 * Secrets (client secret, certificate) are carried in the Config object but never
 * logged: use `describeConfig` for anything printed.
 */
import type { Env } from './reader';

export type { CredentialConfig, StorageConfig, ScopeConfig, Schedules, Config } from './types';
export type { Env } from './reader';
export { SettingsReader } from './reader';
export type { SettingSpec, DocumentedSetting, TemplateBinding } from './spec';
export { SETTING_TABLE, SETTINGS } from './settings';
export { loadConfig, loadSchedules } from './load';
export { describeConfig, settingsTableMarkdown } from './describe';

/** The environment, for tools that layer their own settings over it (the local stack, the CLI). */
export function processEnv(): Env {
  return { ...process.env };
}
