import { readFileSync } from 'node:fs';
import path from 'node:path';
import { policySettingsTableMarkdown } from '../../lib/domain/policy';

test('When the settings catalogue changes, then README shows exactly its settings table (ranges, defaults, relevance)', () => {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8').split('\n');
  const expected = policySettingsTableMarkdown();
  const start = readme.indexOf(expected[0]);
  expect(start).toBeGreaterThan(0);
  let end = start;
  while (end < readme.length && readme[end].startsWith('|')) end++;
  expect(readme.slice(start, end)).toEqual(expected);
});
