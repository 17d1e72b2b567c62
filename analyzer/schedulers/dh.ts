import type { Dest } from '../model/dest.js';
import type { Packet } from '../model/packet.js';
import { bucketOf } from './hash.js';
import type { HashVariant } from './hash.js';
import type { DestChange, Scheduler, ServiceView } from './scheduler.js';

const TAB_BITS = 8;
const TAB_SIZE = 1 << TAB_BITS;

/**
 * Destination hashing (ip_vs_dh.c): bucket i of 256 holds the (i mod n)-th dest in list order,
 * weights ignored; the packet's destination address picks the bucket. Rebuilt on add and delete
 * only (the kernel has no upd_dest hook), and a dest must be available, weighted and not
 * OVERLOADed to be returned.
 */
export class DestinationHashing implements Scheduler {
  readonly name = 'dh';
  private readonly table: (Dest | null)[] = new Array<Dest | null>(TAB_SIZE).fill(null);
  private readonly variant: HashVariant;

  constructor(svc: ServiceView, variant: HashVariant) {
    this.variant = variant;
    this.assign(svc);
  }

  /** The dest of each of the 256 buckets (for tests and analysis). */
  lookupTable(): (Dest | null)[] {
    return this.table.slice();
  }

  schedule(_svc: ServiceView, pkt: Packet): Dest | null {
    const d = this.table[bucketOf(this.variant, pkt.dfold, TAB_BITS)] ?? null;
    return d !== null && d.available && d.weight > 0 && !d.overloaded ? d : null;
  }

  onUpdate(svc: ServiceView, change: DestChange): void {
    if (change !== 'edit') this.assign(svc);
  }

  private assign(svc: ServiceView): void {
    const n = svc.dests.length;
    for (let i = 0; i < TAB_SIZE; i++) this.table[i] = n === 0 ? null : (svc.dests[i % n] ?? null);
  }
}
