/**
 * Integer weights: the capacity-proportional start (the smallest integers 1–100 that keep the
 * capacity ratio within 5 %), and the moves of the bounded search around it.
 */

export const MAX_WEIGHT = 100;
/** How far a rounded ratio may stray from the exact one. */
const RATIO_TOLERANCE = 0.05;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Divides by the common divisor: 4:2 → 2:1 (ipvsadm and wrr treat them alike, and 2:1 reads better). */
export function reduceWeights(weights: readonly number[]): number[] {
  const g = weights.reduce((a, w) => gcd(a, w), 0);
  return g > 1 ? weights.map((w) => w / g) : [...weights];
}

/** The smallest integers in 1..MAX_WEIGHT proportional to `capacities` within the tolerance (the best found otherwise). */
export function proportionalWeights(capacities: readonly number[]): number[] {
  const min = Math.min(...capacities.filter((c) => c > 0));
  if (!Number.isFinite(min)) return capacities.map(() => 1);
  const ratios = capacities.map((c) => Math.max(c, 0) / min);
  let best: number[] = ratios.map(() => 1);
  let bestError = Infinity;
  for (let base = 1; base <= MAX_WEIGHT; base++) {
    const w = ratios.map((r) => Math.min(MAX_WEIGHT, Math.max(1, Math.round(r * base))));
    const error = Math.max(...w.map((x, i) => Math.abs(x / base / (ratios[i] as number) - 1)));
    if (error < bestError - 1e-12) {
      best = w;
      bestError = error;
    }
    if (error <= RATIO_TOLERANCE) break;
  }
  return reduceWeights(best);
}

/**
 * One round of the coordinate search: each weight moved by ±step (after scaling the vector so a
 * step of 1 is fine enough), kept in 1..MAX_WEIGHT, duplicates and the start itself left out.
 */
export function neighbours(weights: readonly number[], step: number): number[][] {
  const seen = new Set<string>([reduceWeights(weights).join(':')]);
  const out: number[][] = [];
  for (let i = 0; i < weights.length; i++) {
    for (const d of [-step, step]) {
      const w = [...weights];
      w[i] = (w[i] as number) + d;
      if ((w[i] as number) < 1 || (w[i] as number) > MAX_WEIGHT) continue;
      const key = reduceWeights(w).join(':');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(w);
    }
  }
  return out;
}

/** The search's starting vector: the proportional weights scaled up so ±1 steps are ~10 % moves. */
export function searchStart(weights: readonly number[]): number[] {
  const min = Math.min(...weights);
  const scale = Math.max(1, Math.min(Math.floor(10 / min), Math.floor(MAX_WEIGHT / Math.max(...weights))));
  return weights.map((w) => w * scale);
}
