/**
 * `--format json` is the Recommendation, versioned, and valid against the published JSON Schema
 * (analyzer/recommendation.schema.json) checked by a real validator (ajv); the schema rejects a
 * document that breaks it, so the check can fail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../common/package.js';
import { RECOMMENDATION_VERSION } from '../../../analyzer/recommend/types.js';
import { smallRecommendation } from './fixture.js';

const schema = JSON.parse(
  readFileSync(join(PACKAGE_ROOT, 'analyzer/recommendation.schema.json'), 'utf8'),
) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

describe('the Recommendation JSON', () => {
  it('validates against the schema, whatever the scenarios', async () => {
    const doc = JSON.parse(JSON.stringify(await smallRecommendation())) as Record<string, unknown>;
    const ok = validate(doc);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
    expect(doc.version).toBe(RECOMMENDATION_VERSION);
    expect(RECOMMENDATION_VERSION).toBe(1);
  }, 120_000);

  it('is plain JSON: no Infinity or NaN turned into null, series at most 300 points', async () => {
    const r = await smallRecommendation();
    const text = JSON.stringify(r);
    expect(JSON.stringify(JSON.parse(text))).toBe(text);
    for (const s of r.services)
      for (const series of [s.series.baseline, s.series.recommended])
        for (const server of series.servers) {
          expect(server.utilisation.length).toBeGreaterThan(0);
          expect(server.utilisation.length).toBeLessThanOrEqual(300);
        }
    expect(r.services[0]?.whatif.map((w) => w.scenario.kind)).toEqual([
      'fail-return',
      'weight-change',
      'flash-crowd',
      'add-server',
    ]);
  }, 120_000);

  it('rejects what breaks the schema', async () => {
    const doc = JSON.parse(JSON.stringify(await smallRecommendation())) as {
      version: number;
      services: { verdict: string }[];
    };
    expect(validate({ ...doc, version: 2 })).toBe(false);
    const bad = structuredClone(doc);
    (bad.services[0] as { verdict: string }).verdict = 'maybe';
    expect(validate(bad)).toBe(false);
    expect(validate({ ...doc, surprise: 1 })).toBe(false);
  }, 120_000);
});
