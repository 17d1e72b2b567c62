import type { Dest } from '../dest.js';
import type { Scheduler, ServiceView } from './scheduler.js';
import { productGreater } from './scheduler.js';

/**
 * Never queue (ip_vs_nq.c): the first usable dest with no active connection wins outright,
 * otherwise the sed rule. SYN_RECV counts as active on 6.x, so "idle" means no connection in
 * SYN_RECV/ESTABLISHED, not "no connection at all".
 */
export class NeverQueue implements Scheduler {
  readonly name = 'nq';

  schedule(svc: ServiceView): Dest | null {
    let least: Dest | null = null;
    let loh = 0;
    for (const d of svc.dests) {
      if (d.overloaded || d.weight === 0) continue;
      const doh = d.activeConns + 1;
      if (d.activeConns === 0) return d;
      if (least === null || productGreater(loh, d.weight, doh, least.weight)) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }

  onUpdate(): void {}
}
