/** The settings table of README.md, rendered from the catalogue (a unit test keeps them equal). */
import { ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF, POLICY_SETTINGS, type PolicyParameterDef } from './catalogue';
import { showValue } from './values';

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function policySettingsTableMarkdown(): string[] {
  const row = (group: string, d: PolicyParameterDef) =>
    `| ${group} | \`${d.key}\` | ${cell(d.label)} | ${cell(d.allowed)} | \`${cell(showValue(d.default))}\` | ${d.relevance === 'current' ? '**current**' : 'legacy'}: ${cell(d.relevanceNote)} |`;
  return [
    '| group | setting | meaning | allowed | Exchange default | still has an effect? |',
    '|---|---|---|---|---|---|',
    ...POLICY_SETTINGS.map((s) => row(s.group, s)),
    row('(policy)', ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF),
  ];
}
