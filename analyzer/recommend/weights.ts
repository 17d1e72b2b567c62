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
 * With `loads` (per weight, its server's load), each weight moves only the way that evens the
 * load, the most uneven server first; a server at the mean load tries both ways.
 */
export function neighbours(weights: readonly number[], step: number, loads?: readonly number[]): number[][] {
  const seen = new Set<string>([reduceWeights(weights).join(':')]);
  const out: number[][] = [];
  const mean = loads ? meanOf(loads) : 0;
  const order = weights.map((_, i) => i);
  if (loads) order.sort((a, b) => Math.abs((loads[b] ?? 0) - mean) - Math.abs((loads[a] ?? 0) - mean));
  for (const i of order) {
    const load = loads?.[i];
    const ways = load === undefined || load === mean ? [-step, step] : load > mean ? [-step] : [step];
    for (const d of ways) {
      const w = [...weights];
      w[i] = (w[i] as number) + d;
      if (w[i] < 1 || w[i] > MAX_WEIGHT) continue;
      const key = reduceWeights(w).join(':');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(w);
    }
  }
  return out;
}

/** How far one balancing move may scale a weight: a server idle in the replay is not worth ∞. */
const MAX_BALANCING_FACTOR = 2;

/**
 * The move toward even load: each weight times the mean load ÷ its server's load (within
 * ½..2), rescaled to the same sum and rounded into 1..MAX_WEIGHT; null when it changes nothing.
 * Under wrr (and rr's shares under persistence) a server's load follows its weight's share, so
 * this one move nearly evens the pool; for the least-connection family it is a first guess.
 */
export function balancingMove(weights: readonly number[], loads: readonly number[]): number[] | null {
  const mean = meanOf(loads);
  if (!(mean > 0) || loads.length !== weights.length) return null;
  const scaled = weights.map((w, i) => {
    const load = loads[i] as number;
    const factor = load > 0 ? mean / load : MAX_BALANCING_FACTOR;
    return w * Math.min(MAX_BALANCING_FACTOR, Math.max(1 / MAX_BALANCING_FACTOR, factor));
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  const scaledSum = scaled.reduce((a, b) => a + b, 0);
  const fit = Math.min(sum / scaledSum, MAX_WEIGHT / Math.max(...scaled));
  const out = scaled.map((w) => Math.min(MAX_WEIGHT, Math.max(1, Math.round(w * fit))));
  return out.every((w, i) => w === weights[i]) ? null : out;
}

const meanOf = (xs: readonly number[]): number =>
  xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;

/** The search's starting vector: the proportional weights scaled up so ±1 steps are ~10 % moves. */
export function searchStart(weights: readonly number[]): number[] {
  const min = Math.min(...weights);
  const scale = Math.max(1, Math.min(Math.floor(10 / min), Math.floor(MAX_WEIGHT / Math.max(...weights))));
  return weights.map((w) => w * scale);
}
