import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../lib/config';

describe('README configuration table', () => {
  test('When the settings change, then README lists every setting with its current default', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const s of SETTINGS) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${s.name}\` |`));
      expect(row).toBeDefined();
      const cells = row!.split(' | ');
      expect({ name: s.name, default: cells[2].replace(/`/g, '') }).toEqual({ name: s.name, default: s.default });
    }
  });
});
