/** lvscope's version, read once from the package.json the running file belongs to. */
import { readFileSync } from 'node:fs';

function findVersion(): string {
  // Walk up from this file (dist/exporter/self/ or exporter/self/) to lvscope's package.json.
  for (let dir = new URL('./', import.meta.url), depth = 0; depth < 5; dir = new URL('../', dir), depth++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'lvscope' && pkg.version) return pkg.version;
    } catch {
      // not here: keep walking up
    }
  }
  return 'unknown';
}

export const VERSION = findVersion();
