/** Small helpers to declare MetricFamily values tersely and keep their series unique. */
import type { MetricFamily, MetricType, Sample } from '../core/family.js';

export interface FamilySpec {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly unit: string;
  readonly labelNames: readonly string[];
  readonly otelName: string | null;
  readonly influx: MetricFamily['influx'];
}

export function family(spec: FamilySpec, samples: Sample[]): MetricFamily {
  return { ...spec, samples };
}

/**
 * Merges samples whose label values are equal: summed (what node_exporter does for collapsed
 * backends), or for info families (value 1) kept once.
 */
export function mergeDuplicates(input: MetricFamily, how: 'sum' | 'once'): MetricFamily {
  const byKey = new Map<string, { labels: readonly string[]; value: number }>();
  for (const sample of input.samples) {
    const key = sample.labels.join('\u0000');
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { labels: sample.labels, value: sample.value });
    else if (how === 'sum') seen.value += sample.value;
  }
  return byKey.size === input.samples.length ? input : { ...input, samples: [...byKey.values()] };
}
