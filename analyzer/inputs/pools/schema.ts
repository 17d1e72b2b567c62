/** The published JSON schema of the pools file (`--pools FILE`), rendered from its zod schema. */
import { poolsJsonSchema } from './pools-file.js';

/** Repository path of the committed schema, next to the example pools file. */
export const POOLS_SCHEMA_PATH = 'analyzer/pools.schema.json';
export const POOLS_EXAMPLE_PATH = 'analyzer/pools.example.yml';

/** The schema as committed: JSON formatted by the project's Prettier settings. */
export async function renderPoolsSchema(): Promise<string> {
  const prettier = await import('prettier');
  const settings = (await prettier.resolveConfig(POOLS_SCHEMA_PATH)) ?? {};
  return prettier.format(JSON.stringify(poolsJsonSchema()), { ...settings, parser: 'json' });
}
