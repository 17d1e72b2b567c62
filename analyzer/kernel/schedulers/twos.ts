import type { Dest } from '../dest.js';
import type { Scheduler, ServiceView } from './scheduler.js';
import { productGreater } from './scheduler.js';

/**
 * Weighted power of two choices (ip_vs_twos.c, Linux 6.2+; not in 6.1). Two dests are drawn at
 * random in proportion to weight (the first eligible one slightly favoured by the kernel's
 * inclusive range), and the one with the lower overhead/weight wins, the first draw on ties.
 * The kernel's randomness cannot be replayed, so only distributions are comparable.
 */
export class WeightedTwoChoices implements Scheduler {
  readonly name = 'twos';

  constructor(private readonly random32: () => number) {}

  schedule(svc: ServiceView): Dest | null {
    let total = 0;
    let last: Dest | null = null;
    for (const d of svc.dests) {
      if (d.overloaded || d.weight <= 0) continue;
      total += d.weight;
      last = d;
    }
    if (last === null) return null;
    total += 1;
    let r1 = Math.floor((this.random32() * total) / 2 ** 32);
    let r2 = Math.floor((this.random32() * total) / 2 ** 32);
    // r ≤ Σw, so both draws end at the last eligible dest at the latest.
    let choice1 = last;
    let choice2 = last;
    let found1 = false;
    let found2 = false;
    for (const d of svc.dests) {
      if (d.overloaded || d.weight <= 0) continue;
      r1 -= d.weight;
      r2 -= d.weight;
      if (r1 <= 0 && !found1) {
        choice1 = d;
        found1 = true;
      }
      if (r2 <= 0 && !found2) {
        choice2 = d;
        found2 = true;
      }
      if (found1 && found2) break;
    }
    if (
      choice1 !== choice2 &&
      productGreater(choice2.weight, choice1.overhead(), choice1.weight, choice2.overhead())
    ) {
      return choice2;
    }
    return choice1;
  }

  onUpdate(): void {}
}
