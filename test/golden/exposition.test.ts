/**
 * Every fixture renders exactly as it did before the shared-library restructure: the built
 * exporter's `--once` output, volatile values masked, against fixtures/golden/exposition.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../support/process.js';
import { CASES, EXPORTER, GOLDEN_DIR, stable } from './cases.js';

describe('exposition golden files', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s renders byte for byte as pinned', async (_, c) => {
    const { code, stdout, stderr } = await run(process.execPath, [EXPORTER, '--once', ...c.args], {
      env: c.env ?? {},
    });
    expect(code, stderr).toBe(0);
    const pinned = readFileSync(join(GOLDEN_DIR, `${c.name}.prom`), 'utf8');
    // Compared as text, not with toEqual on lines: a diff of a 300 kB file stays readable.
    expect(stable(stdout) === pinned ? 'identical' : firstDifference(stable(stdout), pinned)).toBe(
      'identical',
    );
  });
});

function firstDifference(got: string, want: string): string {
  const a = got.split('\n');
  const b = want.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: got ${JSON.stringify(a[i])}, pinned ${JSON.stringify(b[i])}`;
  }
  return 'identical';
}
