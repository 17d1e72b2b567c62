/**
 * What the ranking and the weight search minimise (lower is better):
 * - latency (default): the worst server's p99 queueing delay, subject to no server above 100 %:
 *   time above 100 % dominates, then the p99, then the peak utilisation to break ties;
 * - balance: the utilisation spread across servers (1 − Jain's index), then the peak;
 * - headroom: the busiest server's peak utilisation (the capacity left at the peak), then time above 80 %.
 * Without a queue model (relative capacities only) latency falls back to headroom's terms.
 */
import type { CandidateMeasures, Quantile } from '../replay/measures.js';
import type { Objective } from './types.js';

/** The worst server's quantile: 'overloaded' beats any number; null when no server has a queue model. */
export function worstQuantile(m: CandidateMeasures, pick: 'waitP50Ms' | 'waitP99Ms'): Quantile | null {
  let worst: Quantile | null = null;
  for (const s of m.servers) {
    const q = s.queue?.[pick];
    if (q === undefined) continue;
    if (q === 'overloaded' || worst === 'overloaded') worst = 'overloaded';
    else worst = worst === null ? q : Math.max(worst, q);
  }
  return worst;
}

function worstAbove(m: CandidateMeasures, which: 'above80Ms' | 'above100Ms'): number {
  return Math.max(0, ...m.servers.map((s) => s.utilisation[which] ?? 0));
}

/** Share of the run some server spends above 100 %: 0..1. */
const overloadShare = (m: CandidateMeasures, durationMs: number): number =>
  durationMs > 0 ? worstAbove(m, 'above100Ms') / durationMs : 0;

export function score(m: CandidateMeasures, objective: Objective, durationMs: number): number {
  const dropped = m.connections > 0 ? m.dropped / m.connections : 0;
  const over = overloadShare(m, durationMs);
  const peak = m.peakUtilisation > 0 ? m.peakUtilisation : m.utilisation.max;
  const penalty = 1e6 * dropped + 1e4 * over;
  switch (objective) {
    case 'balance':
      return penalty + 100 * (1 - m.utilisation.jain) + 1e-3 * peak;
    case 'headroom':
      return penalty + peak + 1e-3 * (durationMs > 0 ? worstAbove(m, 'above80Ms') / durationMs : 0);
    case 'latency': {
      const p99 = worstQuantile(m, 'waitP99Ms');
      if (p99 === null) return penalty + peak;
      // An overloaded p99 ranks behind every finite one; log keeps ms and peak on comparable scales.
      const delay = p99 === 'overloaded' ? 1e3 : Math.log1p(p99);
      return penalty + delay + 1e-3 * peak;
    }
  }
}
