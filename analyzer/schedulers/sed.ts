import type { Dest } from '../model/dest.js';
import type { Scheduler, ServiceView } from './scheduler.js';
import { productGreater } from './scheduler.js';

/**
 * Shortest expected delay (ip_vs_sed.c): the wlc loop with overhead = activeconns + 1, so
 * inactive connections (all of UDP's) are ignored and idle dests are ranked by weight.
 */
export class ShortestExpectedDelay implements Scheduler {
  readonly name = 'sed';

  schedule(svc: ServiceView): Dest | null {
    const dests = svc.dests;
    let i = 0;
    let least: Dest | null = null;
    for (; i < dests.length; i++) {
      const d = dests[i] as Dest;
      if (!d.overloaded && d.weight > 0) {
        least = d;
        break;
      }
    }
    if (least === null) return null;
    let loh = least.activeConns + 1;
    for (i++; i < dests.length; i++) {
      const d = dests[i] as Dest;
      if (d.overloaded) continue;
      const doh = d.activeConns + 1;
      if (productGreater(loh, d.weight, doh, least.weight)) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }

  onUpdate(): void {}
}
