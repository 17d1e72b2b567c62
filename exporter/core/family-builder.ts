/** Filling catalog specs (common/metrics/catalog/) with samples, and keeping series unique. */
import type { FamilySpec, MetricFamily, Sample } from '../../common/metrics/family.js';

// The type lives next to MetricFamily; re-exported for modules that still import it from here.

/**
 * Label lists with optional labels, one array per distinct list (a few: the daemon label, the
 * backend label subsets), so families with the same labels share it as the catalog's do and the
 * Prometheus renderer formats each label set once for all of them.
 */
const withOptional = new Map<string, readonly string[]>();

function labelNames(spec: FamilySpec, present: readonly string[]): readonly string[] {
  const extra = spec.optionalLabels?.filter((label) => present.includes(label)) ?? [];
  if (extra.length === 0) return spec.labelNames;
  const names = [...spec.labelNames, ...extra];
  const key = names.join(',');
  let shared = withOptional.get(key);
  if (!shared) withOptional.set(key, (shared = Object.freeze(names)));
  return shared;
}

/**
 * The family of a spec with these samples. `present` names the optional labels this collection
 * carries (those the spec does not declare are ignored); they follow the spec's labelNames in
 * the spec's order, whatever order `present` lists them in.
 */
export function family(spec: FamilySpec, samples: Sample[], present: readonly string[] = []): MetricFamily {
  const { name, help, type, unit, otelName, influx } = spec;
  return { name, help, type, unit, labelNames: labelNames(spec, present), samples, otelName, influx };
}

/**
 * Gathers samples family by family while a domain walks its part of a snapshot, and builds the
 * families in a fixed order; a family that got no sample is left out.
 */
export class FamilySamples {
  private readonly samples = new Map<FamilySpec, Sample[]>();

  /** @param present optional labels carried this collection (see family()); samples hold their values. */
  constructor(private readonly present: readonly string[] = []) {}

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
      return samples ? [family(spec, samples, this.present)] : [];
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
