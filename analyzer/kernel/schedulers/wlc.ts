import type { Dest } from '../dest.js';
import type { Scheduler, ServiceView } from './scheduler.js';
import { productGreater } from './scheduler.js';

/**
 * The loop of wlc and sed (and the WLC step of lblc/lblcr): the first usable dest, then any later
 * non-OVERLOADed dest with a strictly smaller overhead/weight. Later weight-0 dests are not
 * skipped but can never win (their product is 0).
 */
export function leastOverheadPerWeight(dests: readonly Dest[], overhead: (d: Dest) => number): Dest | null {
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
  let loh = overhead(least);
  for (i++; i < dests.length; i++) {
    const d = dests[i] as Dest;
    if (d.overloaded) continue;
    const doh = overhead(d);
    if (productGreater(loh, d.weight, doh, least.weight)) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

const connOverhead = (d: Dest): number => d.overhead();

/** wlc's choice among `dests`: least activeconns·256 + inactconns per weight. */
export function weightedLeast(dests: readonly Dest[]): Dest | null {
  return leastOverheadPerWeight(dests, connOverhead);
}

/** Weighted least connection (ip_vs_wlc.c), ipvsadm's default scheduler. */
export class WeightedLeastConnection implements Scheduler {
  readonly name = 'wlc';

  schedule(svc: ServiceView): Dest | null {
    return weightedLeast(svc.dests);
  }

  onUpdate(): void {}
}
