/**
 * MetricFamily → InfluxDB points. Each family names its measurement and field; its labels become
 * tags under their Prometheus names, so the analyzer reads history back with the same vocabulary
 * as PromQL. Families of one measurement that share a tag set are merged into one point (one line
 * with several fields), all stamped with the collection's start time in milliseconds.
 *
 * Stable contract for readers: every field is a float (InfluxDB fixes a field's type per shard,
 * so a counter that once looked like an integer must not become `i` later); empty label values
 * are left out (line protocol has no empty tag value), so a missing tag reads as ""; NaN and
 * ±Inf samples are left out (line protocol cannot carry them). A label named like an extra tag
 * (`host`) keeps the label's value.
 */
import type { MetricFamily } from '../../../common/metrics/family.js';

export interface InfluxPoint {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Record<string, number>;
  readonly timestampMs: number;
}

export function familiesToPoints(
  families: readonly MetricFamily[],
  timestampMs: number,
  extraTags: Readonly<Record<string, string>>,
): InfluxPoint[] {
  const points = new Map<string, InfluxPoint>();
  const timestamp = Math.round(timestampMs);
  for (const family of families) {
    if (family.influx === null) continue;
    const { measurement, field } = family.influx;
    // Tag names in sorted order, once per family: the point key and the tag order follow from it.
    const slots = [...new Set([...Object.keys(extraTags), ...family.labelNames])]
      .sort()
      .map((name) => ({ name, index: family.labelNames.indexOf(name), extra: extraTags[name] }));
    for (const sample of family.samples) {
      if (!Number.isFinite(sample.value)) continue;
      const tags: Record<string, string> = {};
      let key = measurement;
      for (const { name, index, extra } of slots) {
        const label = index >= 0 ? (sample.labels[index] ?? '') : '';
        const value = label !== '' ? label : extra;
        if (value === undefined || value === '') continue;
        tags[name] = value;
        key += `\u0000${name}=${value}`;
      }
      const existing = points.get(key);
      if (existing) existing.fields[field] = sample.value;
      else points.set(key, { measurement, tags, fields: { [field]: sample.value }, timestampMs: timestamp });
    }
  }
  return [...points.values()];
}
