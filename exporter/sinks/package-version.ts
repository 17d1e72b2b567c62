import { readFileSync } from 'node:fs';

/** lvscope's version from package.json, found from this file in the source tree and in dist/. */
export function packageVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'lvscope' && pkg.version) return pkg.version;
    } catch {
      // not at this depth: try the next one
    }
  }
  return 'unknown';
}
