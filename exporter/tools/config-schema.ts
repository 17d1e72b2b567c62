/** The published JSON schema of the --config file, rendered from every module's OptionSpec list. */
import { configJsonSchema } from '../core/config-file.js';
import { exporterOptionSpecs } from './collect-families.js';

/** Repository path of the committed schema (editors find it next to the example config). */
export const CONFIG_SCHEMA_PATH = 'exporter/config.schema.json';

/** The schema as committed: JSON formatted by the project's Prettier settings. */
export async function renderConfigSchema(): Promise<string> {
  const prettier = await import('prettier');
  const settings = (await prettier.resolveConfig(CONFIG_SCHEMA_PATH)) ?? {};
  return prettier.format(JSON.stringify(configJsonSchema(exporterOptionSpecs())), {
    ...settings,
    parser: 'json',
  });
}
