import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadConfigFile } from '../../exporter/core/config-file.js';
import { exporterOptionSpecs } from '../../exporter/tools/collect-families.js';
import { CONFIG_SCHEMA_PATH, renderConfigSchema } from '../../exporter/tools/config-schema.js';

const root = new URL('../../', import.meta.url);

describe('published JSON schema of the config file', () => {
  test('is up to date with every module option (regenerate: npm run build:dev && node build/exporter/tools/write-config-schema.js)', async () => {
    const committed = readFileSync(new URL(CONFIG_SCHEMA_PATH, root), 'utf8');
    expect(committed).toBe(await renderConfigSchema());
  });

  test('lists every option with its kind, default (secrets excepted) and environment variable', () => {
    const schema = JSON.parse(readFileSync(new URL(CONFIG_SCHEMA_PATH, root), 'utf8')) as {
      additionalProperties: boolean;
      properties: Record<string, { type?: string; enum?: string[]; default?: unknown; description: string }>;
    };
    expect(schema.additionalProperties).toBe(false);
    const specs = exporterOptionSpecs();
    expect(Object.keys(schema.properties)).toEqual(specs.map((spec) => spec.name));
    for (const spec of specs) {
      const property = schema.properties[spec.name];
      expect(property?.description).toContain(spec.description);
      if (spec.env) expect(property?.description).toContain(spec.env);
      expect(property?.default).toEqual(spec.secret ? undefined : spec.default);
      if (spec.choices) expect(property?.enum).toEqual(spec.choices);
    }
  });

  test('the example config validates against the real option list', () => {
    const values = loadConfigFile(
      new URL('exporter/config.example.yml', root).pathname,
      exporterOptionSpecs(),
    );
    expect(values.get('otlp.endpoint')).toBe('http://127.0.0.1:4318');
    expect(values.get('influx.tags')).toEqual(['site=dc1']);
  });
});
