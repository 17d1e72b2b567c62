/**
 * Prometheus text exposition of MetricFamily values through prom-client's Registry (HELP/TYPE
 * lines, escaping, number formatting, content type). Instead of prom-client Gauges, whose
 * labels().set() hashes every label set, each family is registered as a lightweight object whose
 * get() hands over its samples. Label values travel as prom-client `sharedLabels` objects built
 * once per label array: prom-client caches their rendered text per object, and the IPVS families
 * share one array per service/destination, so a destination's labels are formatted once per
 * collection instead of once per family (bench/scrape measures both ways).
 */
import client from 'prom-client';
import type { MetricFamily } from '../../../common/metrics/family.js';

export const PROMETHEUS_CONTENT_TYPE = client.Registry.PROMETHEUS_CONTENT_TYPE;

type LabelObject = Record<string, string>;

/** What prom-client's Registry reads from a registered metric at render time. */
interface ExposedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly aggregator: 'sum';
  get(): {
    name: string;
    help: string;
    type: string;
    values: { value: number; labels: LabelObject; sharedLabels?: LabelObject }[];
  };
}

const NO_LABELS: LabelObject = Object.freeze({});

class LabelObjectCache {
  private readonly cache = new WeakMap<
    readonly string[],
    { names: readonly string[]; object: LabelObject }
  >();

  get(names: readonly string[], values: readonly string[]): LabelObject {
    const hit = this.cache.get(values);
    if (hit && hit.names === names) return hit.object;
    const object: LabelObject = {};
    for (let i = 0; i < names.length; i++) object[names[i]!] = values[i] ?? '';
    if (!hit) this.cache.set(values, { names, object });
    return object;
  }
}

function exposed(family: MetricFamily, labelObjects: LabelObjectCache): ExposedMetric {
  return {
    name: family.name,
    help: family.help,
    type: family.type,
    aggregator: 'sum',
    get: () => ({
      name: family.name,
      help: family.help,
      type: family.type,
      values: family.samples.map((sample) =>
        family.labelNames.length === 0
          ? { value: sample.value, labels: NO_LABELS }
          : {
              value: sample.value,
              labels: NO_LABELS,
              sharedLabels: labelObjects.get(family.labelNames, sample.labels),
            },
      ),
    }),
  };
}

/**
 * Writes the exposition family by family, so memory holds one rendered family at a time however
 * big the table (a 900k-sample exposition is ~140 MB of text). Families without samples are left
 * out, as node_exporter does. Every family is registered before anything is written, so a name
 * declared twice (prom-client refuses it) fails the whole exposition, never half of it. The text
 * is exactly prom-client's Registry.metrics(): families separated by a blank line.
 */
export async function writeExposition(
  families: readonly MetricFamily[],
  write: (chunk: string) => void | Promise<void>,
): Promise<void> {
  const registry = new client.Registry();
  const labelObjects = new LabelObjectCache();
  const names: string[] = [];
  for (const family of families) {
    if (family.samples.length === 0) continue;
    // prom-client's typings only admit its own metric classes; at runtime its Registry reads just
    // name, type and get() from a registered metric (registry.js getMetricsAsString).
    registry.registerMetric(exposed(family, labelObjects) as unknown as client.Gauge);
    names.push(family.name);
  }
  for (const [index, name] of names.entries()) {
    const text = await registry.getSingleMetricAsString(name);
    await write(index === 0 ? text : `\n\n${text}`);
  }
  await write('\n');
}

/** The whole exposition as one string (for small outputs and tests). */
export async function renderExposition(families: readonly MetricFamily[]): Promise<string> {
  const chunks: string[] = [];
  await writeExposition(families, (chunk) => {
    chunks.push(chunk);
  });
  return chunks.join('');
}
