import type { Dest } from '../dest.js';
import type { Packet } from '../packet.js';
import { DEST_TABLE_BITS, bucketOf, dealDestTable, emptyDestTable } from './hash.js';
import type { HashVariant } from './hash.js';
import type { DestChange, Scheduler, ServiceView } from './scheduler.js';

/**
 * Destination hashing (ip_vs_dh.c): bucket i of 256 holds the (i mod n)-th dest in list order,
 * weights ignored; the packet's destination address picks the bucket. Rebuilt on add and delete
 * only (the kernel has no upd_dest hook), and a dest must be available, weighted and not
 * OVERLOADed to be returned.
 */
export class DestinationHashing implements Scheduler {
  readonly name = 'dh';
  private readonly table = emptyDestTable();

  constructor(
    svc: ServiceView,
    private readonly variant: HashVariant,
  ) {
    this.assign(svc);
  }

  /** The dest of each of the 256 buckets (for tests and analysis). */
  lookupTable(): (Dest | null)[] {
    return this.table.slice();
  }

  schedule(_svc: ServiceView, pkt: Packet): Dest | null {
    const d = this.table[bucketOf(this.variant, pkt.dfold, DEST_TABLE_BITS)] ?? null;
    return d !== null && d.available && d.weight > 0 && !d.overloaded ? d : null;
  }

  onUpdate(svc: ServiceView, change: DestChange): void {
    if (change !== 'edit') this.assign(svc);
  }

  private assign(svc: ServiceView): void {
    dealDestTable(this.table, svc.dests, () => 1);
  }
}
