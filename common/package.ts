/** lvscope's package: its version and where it is installed (a checkout or an npm install). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function findPackage(): { root: string; version: string } {
  // Walk up from this file (dist/common/ or common/) to lvscope's package.json.
  for (let dir = new URL('./', import.meta.url), depth = 0; depth < 5; dir = new URL('../', dir), depth++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'lvscope' && pkg.version) return { root: fileURLToPath(dir), version: pkg.version };
    } catch {
      // not here: keep walking up
    }
  }
  return { root: fileURLToPath(new URL('../', import.meta.url)), version: 'unknown' };
}

const found = findPackage();
export const VERSION = found.version;
/** The folder holding package.json (and the bundled fixtures/). */
export const PACKAGE_ROOT = found.root;
