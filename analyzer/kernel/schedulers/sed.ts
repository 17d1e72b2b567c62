import type { Dest } from '../dest.js';
import type { Scheduler, ServiceView } from './scheduler.js';
import { leastOverheadPerWeight } from './wlc.js';

/** Inactive connections (all of UDP's) do not delay a new one: sed ranks by activeconns + 1. */
const expectedDelay = (d: Dest): number => d.activeConns + 1;

/**
 * Shortest expected delay (ip_vs_sed.c): the wlc loop with overhead = activeconns + 1, so idle
 * dests are ranked by weight.
 */
export class ShortestExpectedDelay implements Scheduler {
  readonly name = 'sed';

  schedule(svc: ServiceView): Dest | null {
    return leastOverheadPerWeight(svc.dests, expectedDelay);
  }

  onUpdate(): void {}
}
