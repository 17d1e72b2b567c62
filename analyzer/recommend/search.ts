/**
 * The weight search, shared by the recommender and bench:recommend: rounds of candidate weight
 * vectors replayed together (on the worker pool), each round led by the balancing move (every
 * weight scaled by the mean load ÷ its server's load: under wrr a pool's shares follow the
 * weights, so that one move nearly evens it), then ±step on each weight in the direction that
 * evens the load (a busy server's weight down, an idle one's up), the most uneven first, up to
 * `perRound` of them. The best move is kept when it beats the best so far by `minGain`, and the
 * next round starts from it; when every move at this step was tried in vain, the step halves,
 * and at step 1 the search ends, as it does at the budget.
 */
import { balancingMove, neighbours, reduceWeights } from './weights.js';

export interface SearchPoint<T> {
  readonly weights: readonly number[];
  readonly value: T;
  readonly score: number;
}

export interface SearchSpec<T> {
  /** Replays at most. */
  readonly budget: number;
  /** Moves replayed per round, the most promising first (default: every move of the round). */
  readonly perRound?: number;
  /** Relative gain a move needs to be kept (simpler weights win near-ties). */
  readonly minGain: number;
  /** Replays and measures weight vectors (one per server, unreduced), in order. */
  evaluate(weights: readonly number[][]): Promise<T[]>;
  score(value: T): number;
  /** Per weight: its server's load (e.g. utilisation in its worst window). */
  loads(value: T): readonly number[];
}

export interface SearchResult<T> {
  readonly best: SearchPoint<T>;
  /** Replays made. */
  readonly evaluated: number;
  /** Rounds replayed. */
  readonly rounds: number;
}

/** Searches from `start` (already replayed and scored) with its weights scaled to `from`. */
export async function searchWeights<T>(
  start: SearchPoint<T>,
  from: readonly number[],
  spec: SearchSpec<T>,
): Promise<SearchResult<T>> {
  let best = start;
  let at = [...from];
  let loads = spec.loads(start.value);
  let step = Math.max(1, Math.floor(Math.min(...at) / 4));
  let evaluated = 0;
  let rounds = 0;
  const seen = new Set<string>([key(at)]);
  while (evaluated < spec.budget) {
    const moves: number[][] = [];
    const balanced = balancingMove(at, loads);
    if (balanced !== null) moves.push(balanced);
    moves.push(...neighbours(at, step, loads));
    const fresh = moves
      .filter((w) => !seen.has(key(w)))
      .slice(0, Math.min(spec.budget - evaluated, spec.perRound ?? Infinity));
    if (fresh.length === 0) {
      if (step === 1) break;
      step = Math.max(1, Math.floor(step / 2));
      continue;
    }
    for (const w of fresh) seen.add(key(w));
    const values = await spec.evaluate(fresh);
    evaluated += fresh.length;
    rounds++;
    let pick = -1;
    let pickScore = Infinity;
    values.forEach((v, i) => {
      const s = spec.score(v);
      if (s < pickScore) {
        pick = i;
        pickScore = s;
      }
    });
    if (pick >= 0 && pickScore < best.score * (1 - spec.minGain) - 1e-12) {
      const value = values[pick] as T;
      at = fresh[pick] as number[];
      best = { weights: at, value, score: pickScore };
      loads = spec.loads(value);
    }
    // Otherwise the round's other moves next; the step halves once none is left.
  }
  return { best, evaluated, rounds };
}

const key = (w: readonly number[]): string => reduceWeights(w).join(':');
