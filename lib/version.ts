/** The connector's version: package.json's, found upwards from this file (source or dist/). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function connectorVersion(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.version) return (cached = pkg.version);
    } catch {
      // not here: one level up
    }
    if (path.dirname(dir) === dir) return (cached = '0.0.0');
  }
}
