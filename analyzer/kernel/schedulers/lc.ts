import type { Dest } from '../dest.js';
import type { Scheduler, ServiceView } from './scheduler.js';

/** Least connection (ip_vs_lc.c): smallest overhead among usable dests; ties to the first. */
export class LeastConnection implements Scheduler {
  readonly name = 'lc';

  schedule(svc: ServiceView): Dest | null {
    let least: Dest | null = null;
    let loh = 0;
    for (const d of svc.dests) {
      if (d.overloaded || d.weight === 0) continue;
      const doh = d.overhead();
      if (least === null || doh < loh) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }

  onUpdate(): void {}
}
