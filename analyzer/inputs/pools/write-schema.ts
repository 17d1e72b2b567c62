/**
 * Regenerates analyzer/pools.schema.json after the pools file's schema changed
 * (test/analyzer/pools/schema.test.ts fails while it is stale). Run from the repository root:
 * `npm run build && node dist/analyzer/inputs/pools/write-schema.js`.
 */
import { writeFileSync } from 'node:fs';
import { POOLS_SCHEMA_PATH, renderPoolsSchema } from './schema.js';

writeFileSync(POOLS_SCHEMA_PATH, await renderPoolsSchema());
process.stdout.write(`wrote ${POOLS_SCHEMA_PATH}\n`);
