/**
 * The two ways to feed prom-client that lvs-exporter does not use, kept here so bench/scrape can
 * show why: prom-client's own Gauge/Counter objects (labels().set() hashes every label set), and
 * lightweight objects that build a label object per sample (no sharing across families).
 */
import client from 'prom-client';
import type { MetricFamily } from '../../common/metrics/family.js';

/** The conventional way: one prom-client Gauge or Counter per family, set sample by sample. */
export async function renderWithPromClientMetrics(families: readonly MetricFamily[]): Promise<string> {
  const registry = new client.Registry();
  for (const family of families) {
    if (family.samples.length === 0) continue;
    const config = {
      name: family.name,
      help: family.help,
      labelNames: [...family.labelNames],
      registers: [registry],
    };
    const metric = family.type === 'counter' ? new client.Counter(config) : new client.Gauge(config);
    for (const sample of family.samples) {
      const labels: Record<string, string> = {};
      family.labelNames.forEach((name, i) => (labels[name] = sample.labels[i] ?? ''));
      if (metric instanceof client.Counter) metric.inc(labels, sample.value);
      else metric.set(labels, sample.value);
    }
  }
  return registry.metrics();
}

/** Lightweight get() objects, but a fresh label object for every sample of every family. */
export async function renderWithUnsharedLabels(families: readonly MetricFamily[]): Promise<string> {
  const registry = new client.Registry();
  for (const family of families) {
    if (family.samples.length === 0) continue;
    const metric = {
      name: family.name,
      help: family.help,
      type: family.type,
      aggregator: 'sum',
      get: () => ({
        name: family.name,
        help: family.help,
        type: family.type,
        values: family.samples.map((sample) => {
          const labels: Record<string, string> = {};
          family.labelNames.forEach((name, i) => (labels[name] = sample.labels[i] ?? ''));
          return { value: sample.value, labels };
        }),
      }),
    };
    // Same runtime contract as exporter/outputs/prometheus/render.ts (name, type, get()).
    registry.registerMetric(metric as unknown as client.Gauge);
  }
  return registry.metrics();
}
