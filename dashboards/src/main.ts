/**
 * `npm run dashboards`: writes dashboards/grafana/*.json, dashboards/rules/ and
 * dashboards/alerts/lvscope-ipvs.rules.yml from the TypeScript sources (default config).
 * test/dashboards/generated.test.ts fails when a committed file differs from what this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedFiles, ROOT } from './generate.js';

for (const { path, text } of await generatedFiles()) {
  mkdirSync(dirname(join(ROOT, path)), { recursive: true });
  writeFileSync(join(ROOT, path), text);
  process.stdout.write(`wrote ${path}\n`);
}
