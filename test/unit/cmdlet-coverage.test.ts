/**
 * The install check verifies lib/exo/cmdlets/features.ts FEATURES; this test keeps that table
 * honest: every cmdlet name written as a string literal in lib/ (passed to invoke/pages,
 * to the wrappers' helpers, or kept in a table to pass later) must be in it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FEATURES, INSTALL_CHECK_CMDLETS, REQUIRED_CMDLETS } from '../../lib/exo/cmdlets';

const VERBS = 'Get|Set|New|Remove|Clear|Add|Enable|Disable|Update|Test|Start|Stop|Invoke|Search|Export|Import|Suspend|Resume|Restore|Grant|Revoke|Register|Unregister|Send|Approve|Deny|Release|Move';
const LITERAL = new RegExp(`['"\`](?:${VERBS})-[A-Z][A-Za-z]+['"\`]`, 'g');

/** Cmdlet names in a TypeScript source, outside comments and the seed's name map (on-premises names never invoked). */
function cmdletLiterals(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|\s)\/\/.*$/gm, '$1')
    .replace(/export const SEED_CMDLET_NAMES[\s\S]*?\n};/, '');
  return [...code.matchAll(LITERAL)].map((m) => m[0].slice(1, -1));
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('cmdlet coverage of the install check', () => {
  test('When code in lib/ names a cmdlet, then the feature table the install check verifies holds it', () => {
    const lib = path.join(__dirname, '..', '..', 'lib');
    const covered = new Set<string>([...REQUIRED_CMDLETS, ...INSTALL_CHECK_CMDLETS]);
    const uncovered: string[] = [];
    const seen = new Set<string>();
    for (const file of sources(lib)) {
      for (const name of cmdletLiterals(fs.readFileSync(file, 'utf8'))) {
        seen.add(name);
        if (!covered.has(name)) uncovered.push(`${name} in ${path.relative(lib, file)}`);
      }
    }
    expect(uncovered).toEqual([]);
    // The scan found the cmdlets the sync really calls (a scan that finds nothing proves nothing).
    expect([...seen]).toEqual(expect.arrayContaining(['Get-MobileDevice', 'Get-Recipient', 'Get-UnifiedGroupLinks', 'Get-DistributionGroupMember', 'Clear-MobileDevice']));
  });

  test('When a new cmdlet literal appears in code, then the scan reports it, but not one in a comment or the seed map', () => {
    const sample = [
      "await client.invoke('Get-Foo', {});",
      "const [c] = g ? (['Set-Bar', {}] as const) : (['Get-Baz', {}] as const);",
      "// client.invoke('Get-Commented')",
      "export const SEED_CMDLET_NAMES = {\n  'Get-MobileDevice': 'Get-ActiveSyncDevice',\n};",
      "headers['Content-Type'] = 'application/json';",
    ].join('\n');
    expect(cmdletLiterals(sample)).toEqual(['Get-Foo', 'Set-Bar', 'Get-Baz']);
  });

  test('When the features are listed, then each has cmdlets and the sync and group scope features hold the directory and group cmdlets', () => {
    expect(Object.keys(FEATURES)).toEqual(['sync', 'groupScope', 'deviceActions', 'accessRules', 'organizationSettings', 'mailboxPolicies']);
    for (const f of Object.values(FEATURES)) expect(f.cmdlets.length).toBeGreaterThan(0);
    expect(FEATURES.sync.cmdlets).toEqual(expect.arrayContaining(['Get-Recipient', 'Get-Mailbox']));
    expect(FEATURES.groupScope.cmdlets).toEqual(expect.arrayContaining(['Get-DistributionGroupMember', 'Get-UnifiedGroupLinks']));
  });
});
