/**
 * The reasons a senior engineer gives next to the numbers: when the weights do not matter (the
 * least-connection family with equal servers, persistence or hashing deciding), and when the
 * scheduler matters more than the weights.
 */
import type { CandidateResult } from './types.js';

const LC_FAMILY = new Set(['lc', 'wlc', 'sed', 'nq']);
/** Scores closer than this (relative) are "the same". */
const SAME = 0.02;

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

function figure(c: CandidateResult): string {
  const d = c.outcome.delayP99Ms;
  // A delay under 0.005 ms is no figure worth reading.
  const delay =
    d === null || (typeof d === 'number' && d < 0.005)
      ? ''
      : d === 'overloaded'
        ? 'p99 overloaded, '
        : `p99 ${d < 10 ? d.toFixed(2) : d.toFixed(0)} ms, `;
  return `${delay}peak ${pct(c.outcome.peakUtilisation)}`;
}

export function explanations(
  ranked: readonly CandidateResult[],
  baseline: CandidateResult,
  equalServers: boolean,
  persistent: boolean,
): string[] {
  const out: string[] = [];
  const top = ranked[0];
  if (top === undefined) return out;
  if (equalServers && LC_FAMILY.has(top.config.scheduler))
    out.push(
      `the servers are equal, so ${top.config.scheduler}'s weights only scale its counts: it sends each new connection to the server with the fewest, and any equal weights give the same decisions (weights do not matter here)`,
    );
  if (persistent)
    out.push(
      'the service is persistent: a client returning within the timeout goes to its previous server without a scheduling decision, so schedulers differ only in where each client first lands',
    );
  // The same scheduler's weight variants vs the schedulers at their best.
  const byScheduler = new Map<string, CandidateResult[]>();
  for (const c of ranked)
    byScheduler.set(c.config.scheduler, [...(byScheduler.get(c.config.scheduler) ?? []), c]);
  const topVariants = byScheduler.get(top.config.scheduler) ?? [];
  const worstOfTop = topVariants[topVariants.length - 1];
  if (worstOfTop && topVariants.length > 1) {
    const spread =
      Math.abs(worstOfTop.outcome.score - top.outcome.score) / Math.max(1e-9, Math.abs(top.outcome.score));
    if (spread < SAME)
      out.push(
        `${top.config.scheduler}'s ${topVariants.length} weight settings replayed all score within ${pct(SAME)} of each other: its weights hardly matter for this workload`,
      );
  }
  const sameSchedulerBest = (byScheduler.get(baseline.config.scheduler) ?? [])[0];
  if (sameSchedulerBest && sameSchedulerBest !== top && top.config.scheduler !== baseline.config.scheduler) {
    const weightGain = baseline.outcome.score - sameSchedulerBest.outcome.score;
    const schedulerGain = sameSchedulerBest.outcome.score - top.outcome.score;
    if (schedulerGain > weightGain)
      out.push(
        `the scheduler matters more than the weights: the best ${baseline.config.scheduler} weights found (${sameSchedulerBest.name}: ${figure(sameSchedulerBest)}) stay behind ${top.name} (${figure(top)}), against ${figure(baseline)} now`,
      );
    else
      out.push(
        `the weights matter more than the scheduler: ${sameSchedulerBest.name} already gives ${figure(sameSchedulerBest)}, ${top.name} ${figure(top)}`,
      );
  }
  return out;
}
