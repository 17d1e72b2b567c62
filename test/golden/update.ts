/** Rewrites fixtures/golden/exposition/*.prom from the built exporter (see cases.ts). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASES, EXPORTER, GOLDEN_DIR, stable } from './cases.js';

mkdirSync(GOLDEN_DIR, { recursive: true });
for (const c of CASES) {
  const result = spawnSync(process.execPath, [EXPORTER, '--once', ...c.args], {
    env: { ...process.env, ...c.env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`${c.name}: exit ${result.status}: ${result.stderr}`);
  writeFileSync(join(GOLDEN_DIR, `${c.name}.prom`), stable(result.stdout));
  console.log(`${c.name}: ${result.stdout.length} bytes`);
}
