import type { Dest } from '../dest.js';
import type { Scheduler, ServiceView } from './scheduler.js';

/** Weighted failover (ip_vs_fo.c): the highest weight among usable dests, first on ties. */
export class WeightedFailover implements Scheduler {
  readonly name = 'fo';

  schedule(svc: ServiceView): Dest | null {
    let best: Dest | null = null;
    for (const d of svc.dests) {
      if (!d.overloaded && d.weight > 0 && (best === null || d.weight > best.weight)) best = d;
    }
    return best;
  }

  onUpdate(): void {}
}
