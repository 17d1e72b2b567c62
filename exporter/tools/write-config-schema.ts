/**
 * Regenerates exporter/config.schema.json after an option changed (test/config/schema.test.ts
 * fails while it is stale). Run from the repository root: `npm run build && node
 * dist/exporter/tools/write-config-schema.js`.
 */
import { writeFileSync } from 'node:fs';
import { CONFIG_SCHEMA_PATH, renderConfigSchema } from './config-schema.js';

writeFileSync(CONFIG_SCHEMA_PATH, await renderConfigSchema());
process.stdout.write(`wrote ${CONFIG_SCHEMA_PATH}\n`);
