/** Declaring MetricFamily values tersely, collecting their samples, and keeping series unique. */
import type { MetricFamily, Sample } from '../../common/metrics/family.js';

/** Everything about a family but its samples: declared once, filled on every collection. */
export type FamilySpec = Omit<MetricFamily, 'samples'>;

export function family(spec: FamilySpec, samples: Sample[]): MetricFamily {
  return { ...spec, samples };
}

/**
 * Gathers samples family by family while a domain walks its part of a snapshot, and builds the
 * families in a fixed order; a family that got no sample is left out.
 */
export class FamilySamples {
  private readonly samples = new Map<FamilySpec, Sample[]>();

  /** Adds one sample; an unknown (undefined) or non-finite value adds nothing. */
  add(spec: FamilySpec, labels: readonly string[], value: number | undefined): void {
    if (value === undefined || !Number.isFinite(value)) return;
    let list = this.samples.get(spec);
    if (!list) this.samples.set(spec, (list = []));
    list.push({ labels, value });
  }

  build(order: readonly FamilySpec[]): MetricFamily[] {
    return order.flatMap((spec) => {
      const samples = this.samples.get(spec);
      return samples ? [family(spec, samples)] : [];
    });
  }
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
