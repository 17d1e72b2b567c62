/**
 * `recommend --textfile FILE`: the lvscope_recommendation_* families (declared in
 * common/metrics/catalog/recommendation.ts) in Prometheus text format through prom-client's
 * registry, for node_exporter's textfile collector. Written to a temporary file in the same
 * directory and renamed over FILE, so a scrape never reads half a file.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import client from 'prom-client';
import {
  LVSCOPE_RECOMMENDATION_DESTINATION_CURRENT_PEAK_UTILISATION_RATIO as DEST_CURRENT_UTIL,
  LVSCOPE_RECOMMENDATION_DESTINATION_CURRENT_WEIGHT as DEST_CURRENT_WEIGHT,
  LVSCOPE_RECOMMENDATION_DESTINATION_RECOMMENDED_PEAK_UTILISATION_RATIO as DEST_RECOMMENDED_UTIL,
  LVSCOPE_RECOMMENDATION_DESTINATION_RECOMMENDED_WEIGHT as DEST_RECOMMENDED_WEIGHT,
  LVSCOPE_RECOMMENDATION_HISTORY_WINDOW_SECONDS as WINDOW,
  LVSCOPE_RECOMMENDATION_SERVICE_CURRENT_HEADROOM_RATIO as CURRENT_HEADROOM,
  LVSCOPE_RECOMMENDATION_SERVICE_INFO as INFO,
  LVSCOPE_RECOMMENDATION_SERVICE_MISMATCH as MISMATCH,
  LVSCOPE_RECOMMENDATION_SERVICE_PEAK_CONNECTIONS_PER_SECOND as PEAK_CPS,
  LVSCOPE_RECOMMENDATION_SERVICE_RECOMMENDED_HEADROOM_RATIO as RECOMMENDED_HEADROOM,
  LVSCOPE_RECOMMENDATION_TIMESTAMP_SECONDS as TIMESTAMP,
  RECOMMENDATION_FAMILIES,
} from '../../common/metrics/catalog/recommendation.js';
import type { FamilySpec } from '../../common/metrics/family.js';
import { parseEndpoint } from '../../common/net/ip.js';
import { addressLabel } from '../../common/ipvs/vocabulary.js';
import type { Recommendation } from '../recommend/types.js';

type Labels = Record<string, string>;

function labelsOf(names: readonly string[], values: readonly string[]): Labels {
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}

/** The exposition text of a recommendation. */
export async function recommendationMetrics(r: Recommendation): Promise<string> {
  const registry = new client.Registry();
  const gauges = new Map<string, client.Gauge>();
  for (const spec of RECOMMENDATION_FAMILIES)
    gauges.set(
      spec.name,
      new client.Gauge({
        name: spec.name,
        help: spec.help,
        labelNames: [...spec.labelNames],
        registers: [registry],
      }),
    );
  const set = (spec: FamilySpec, values: readonly string[], value: number) =>
    gauges.get(spec.name)?.set(labelsOf(spec.labelNames, values), value);
  set(TIMESTAMP, [], Date.parse(r.generatedAt) / 1000);
  set(WINDOW, [], r.evidence.windowSeconds);
  for (const s of r.services) {
    const svc = s.labels;
    set(INFO, [...svc, s.recommended.config.scheduler], 1);
    set(MISMATCH, svc, s.verdict === 'change' ? 1 : 0);
    set(PEAK_CPS, svc, s.peakConnectionsPerSecond);
    set(CURRENT_HEADROOM, svc, 1 - s.baseline.outcome.peakUtilisation);
    set(RECOMMENDED_HEADROOM, svc, 1 - s.recommended.outcome.peakUtilisation);
    s.baseline.config.servers.forEach((server, i) => {
      const ep = parseEndpoint(server.server);
      if (typeof ep === 'string') return;
      const dest = [...svc, addressLabel(ep.addr), String(ep.port)];
      const next = s.recommended.config.servers[i];
      const util = (c: typeof s.baseline) =>
        c.outcome.servers.find((x) => x.server === ep.addr.text)?.peakUtilisation;
      set(DEST_CURRENT_WEIGHT, dest, server.weight);
      if (next) set(DEST_RECOMMENDED_WEIGHT, dest, next.weight);
      const now = util(s.baseline);
      const then = util(s.recommended);
      if (now !== undefined) set(DEST_CURRENT_UTIL, dest, now);
      if (then !== undefined) set(DEST_RECOMMENDED_UTIL, dest, then);
    });
  }
  return registry.metrics();
}

/** Writes the exposition to `file` atomically (temporary file + rename). */
export async function writeRecommendationTextfile(file: string, r: Recommendation): Promise<void> {
  const text = await recommendationMetrics(r);
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
