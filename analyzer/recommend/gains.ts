/**
 * Baseline → recommended: the gains to print (p99 delay 180 → 40 ms, peak utilisation 97 % → 71 %)
 * and the one relative improvement the verdict compares with --min-gain, on the objective's own
 * figure: the p99 delay for latency (a change under 1 ms is no gain: the peak utilisation then
 * decides), the utilisation peak-to-mean for balance, the peak utilisation for headroom. Time
 * over 100 % that the candidate removes always counts as a full gain; for latency, while some
 * remains, its reduction is the gain (the objective's constraint comes before the delay).
 */
import type { CandidateResult, Gain, Objective, Outcome } from './types.js';

/** Delay differences below this are noise for an operator. */
const MIN_DELAY_DIFFERENCE_MS = 1;

function relative(base: number, next: number): number | null {
  if (!Number.isFinite(base) || !Number.isFinite(next) || base <= 0) return null;
  return (base - next) / base;
}

function delayGain(base: Outcome, next: Outcome): Gain {
  const b = base.delayP99Ms;
  const r = next.delayP99Ms;
  let improvement: number | null = null;
  if (typeof b === 'number' && typeof r === 'number') improvement = relative(b, r);
  else if (b === 'overloaded' && typeof r === 'number') improvement = 1;
  else if (typeof b === 'number' && r === 'overloaded') improvement = -1;
  return {
    figure: 'p99 queueing delay (worst server)',
    unit: 'ms',
    baseline: b,
    recommended: r,
    improvement,
  };
}

export function gainsOf(base: Outcome, next: Outcome): Gain[] {
  const gains: Gain[] = [];
  if (base.delayP99Ms !== null) gains.push(delayGain(base, next));
  gains.push({
    figure: 'peak utilisation (busiest server)',
    unit: 'ratio',
    baseline: base.peakUtilisation,
    recommended: next.peakUtilisation,
    improvement: relative(base.peakUtilisation, next.peakUtilisation),
  });
  if (base.above100Seconds !== null && next.above100Seconds !== null)
    gains.push({
      figure: 'time above 100 % (worst server)',
      unit: 's',
      baseline: base.above100Seconds,
      recommended: next.above100Seconds,
      improvement: base.above100Seconds > 0 ? relative(base.above100Seconds, next.above100Seconds) : null,
    });
  if (base.above80Seconds !== null && next.above80Seconds !== null)
    gains.push({
      figure: 'time above 80 % (worst server)',
      unit: 's',
      baseline: base.above80Seconds,
      recommended: next.above80Seconds,
      improvement: base.above80Seconds > 0 ? relative(base.above80Seconds, next.above80Seconds) : null,
    });
  gains.push({
    figure: 'utilisation peak-to-mean across servers',
    unit: 'ratio',
    baseline: base.utilisation.peakToMean,
    recommended: next.utilisation.peakToMean,
    improvement: relative(base.utilisation.peakToMean - 1, next.utilisation.peakToMean - 1),
  });
  gains.push({
    figure: "Jain's fairness index of utilisation",
    unit: 'index',
    baseline: base.utilisation.jain,
    recommended: next.utilisation.jain,
    improvement: relative(1 - base.utilisation.jain, 1 - next.utilisation.jain),
  });
  return gains;
}

/** The relative improvement the verdict weighs (see the file comment), and on which figure; 0 when none. */
export interface Improvement {
  readonly gain: number;
  readonly figure: string;
}

export function primaryImprovement(
  base: CandidateResult,
  next: CandidateResult,
  objective: Objective,
): Improvement {
  const b = base.outcome;
  const n = next.outcome;
  const none = { gain: 0, figure: objective };
  if (next.outcome.score >= base.outcome.score) return none;
  // Time over capacity is the latency objective's constraint: its reduction comes first.
  const over = b.above100Seconds ?? 0;
  const overFigure = 'time above 100 %';
  if (over > 0 && (n.above100Seconds ?? 0) === 0) return { gain: 1, figure: overFigure };
  if (objective === 'latency' && over > 0)
    return { gain: relative(over, n.above100Seconds ?? 0) ?? 0, figure: overFigure };
  const peak = { gain: relative(b.peakUtilisation, n.peakUtilisation) ?? 0, figure: 'peak utilisation' };
  switch (objective) {
    case 'latency': {
      const bd = b.delayP99Ms;
      const nd = n.delayP99Ms;
      if (bd === 'overloaded' && typeof nd === 'number') return { gain: 1, figure: 'p99 delay' };
      if (typeof bd === 'number' && typeof nd === 'number' && bd - nd >= MIN_DELAY_DIFFERENCE_MS)
        return { gain: relative(bd, nd) ?? 0, figure: 'p99 delay' };
      return peak;
    }
    case 'balance':
      return {
        gain: relative(b.utilisation.peakToMean, n.utilisation.peakToMean) ?? 0,
        figure: 'utilisation peak-to-mean',
      };
    case 'headroom':
      return peak;
  }
}
