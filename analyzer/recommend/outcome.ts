/** The replay's measures in the Recommendation's JSON-safe shape, and series downsampled for charts. */
import type { CandidateMeasures, Quantile, Spread } from '../replay/measures.js';
import { worstQuantile } from './objective.js';
import type { DelayMs, LoadSeries, Outcome, ServerOutcome, SpreadFigures } from './types.js';

/** At most this many points per series (an HTML chart's width). */
export const MAX_POINTS = 300;

const round = (x: number, digits = 4): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

const delay = (q: Quantile | null | undefined): DelayMs =>
  q === undefined || q === null ? null : q === 'overloaded' ? 'overloaded' : round(q, 3);

const spreadOf = (s: Spread): SpreadFigures => ({
  peakToMean: round(s.peakToMean),
  minToMax: round(s.minToMax),
  cv: round(s.cv),
  jain: round(s.jain),
});

const seconds = (ms: number | null): number | null => (ms === null ? null : round(ms / 1000, 1));

export function outcomeOf(m: CandidateMeasures, score: number): Outcome {
  const servers: ServerOutcome[] = m.servers.map((s) => ({
    server: s.server,
    capacity: round(s.capacity.relative),
    utilisationBasis: s.utilisationBasis,
    connections: s.conns,
    connectionShare: round(s.connShare),
    meanActive: round(s.meanActive, 2),
    peakActive: round(s.peakActive, 2),
    meanUtilisation: round(s.utilisation.mean),
    peakUtilisation: round(s.utilisation.peak),
    worstWindowUtilisation: round(s.utilisation.worstWindow),
    above80Seconds: seconds(s.utilisation.above80Ms),
    above100Seconds: seconds(s.utilisation.above100Ms),
    delayP50Ms: delay(s.queue?.waitP50Ms),
    delayP99Ms: delay(s.queue?.waitP99Ms),
  }));
  const absolute = servers.some((s) => s.utilisationBasis !== 'relative');
  const worst = (pick: (s: ServerOutcome) => number | null): number | null =>
    absolute ? Math.max(0, ...servers.map((s) => pick(s) ?? 0)) : null;
  return {
    peakUtilisation: round(m.peakUtilisation > 0 ? m.peakUtilisation : m.utilisation.max),
    worstWindowUtilisation: round(m.worstWindowUtilisation),
    utilisation: spreadOf(m.utilisation),
    newConnections: spreadOf(m.newConnections),
    concurrency: spreadOf(m.concurrency),
    above80Seconds: worst((s) => s.above80Seconds),
    above100Seconds: worst((s) => s.above100Seconds),
    delayP50Ms: delay(worstQuantile(m, 'waitP50Ms')),
    delayP99Ms: delay(worstQuantile(m, 'waitP99Ms')),
    queueModel: m.servers.find((s) => s.queue !== null)?.queue?.model ?? null,
    dropped: m.dropped,
    score: round(score, 6),
    servers,
  };
}

/** Per-server utilisation, averaged into at most MAX_POINTS buckets. */
export function loadSeries(m: CandidateMeasures, originMs: number): LoadSeries {
  const steps = m.servers[0]?.series?.length ?? 0;
  const per = Math.max(1, Math.ceil(steps / MAX_POINTS));
  const points = Math.ceil(steps / per);
  return {
    startMs: originMs,
    stepMs: m.stepMs * per,
    servers: m.servers.map((s) => {
      const series = s.series ?? new Float64Array(0);
      const out: number[] = [];
      for (let p = 0; p < points; p++) {
        let sum = 0;
        const end = Math.min(series.length, (p + 1) * per);
        for (let b = p * per; b < end; b++) sum += series[b] as number;
        out.push(round(sum / Math.max(1, end - p * per)));
      }
      return { server: s.server, utilisation: out };
    }),
  };
}
