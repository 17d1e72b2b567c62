import type { Dest } from '../dest.js';
import type { Scheduler, ServiceView } from './scheduler.js';

/**
 * Weighted overflow (ip_vs_ovf.c): the highest weight among usable dests whose active
 * connections do not exceed their weight — so a dest fills to weight + 1 active connections.
 */
export class WeightedOverflow implements Scheduler {
  readonly name = 'ovf';

  schedule(svc: ServiceView): Dest | null {
    let best: Dest | null = null;
    for (const d of svc.dests) {
      const w = d.weight;
      if (d.overloaded || d.activeConns > w || w === 0) continue;
      if (best === null || w > best.weight) best = d;
    }
    return best;
  }

  onUpdate(): void {}
}
