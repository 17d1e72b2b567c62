import type { Dest } from '../model/dest.js';
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
    for (const d of svc.dests) if (!d.overloaded && d.weight > 0) total += d.weight;
    if (total === 0) return null;
    total += 1;
    let r1 = Math.floor((this.random32() * total) / 2 ** 32);
    let r2 = Math.floor((this.random32() * total) / 2 ** 32);
    let choice1: Dest | null = null;
    let choice2: Dest | null = null;
    for (const d of svc.dests) {
      if (d.overloaded || d.weight <= 0) continue;
      r1 -= d.weight;
      r2 -= d.weight;
      if (r1 <= 0 && choice1 === null) choice1 = d;
      if (r2 <= 0 && choice2 === null) choice2 = d;
      if (choice1 !== null && choice2 !== null) break;
    }
    if (choice1 === null || choice2 === null) return choice1 ?? choice2;
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
