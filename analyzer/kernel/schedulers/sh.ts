import type { Dest } from '../dest.js';
import type { Packet } from '../packet.js';
import { DEST_TABLE_BITS, DEST_TABLE_SIZE, bucketOf, dealDestTable, emptyDestTable } from './hash.js';
import type { HashVariant } from './hash.js';
import type { Scheduler, ServiceView } from './scheduler.js';
import { SCHED_FLAG_1, SCHED_FLAG_2 } from './scheduler.js';

/**
 * Source hashing (ip_vs_sh.c). The 256 buckets are dealt out walking the dest list cyclically,
 * each dest taking max(weight, 1) consecutive buckets; rebuilt on every add, delete and edit.
 * Flags: sh-fallback (SCHED1) scans on from bucket 2·h when the hashed dest is unusable;
 * sh-port (SCHED2) adds the client's source port to the hashed value.
 */
export class SourceHashing implements Scheduler {
  readonly name = 'sh';
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

  schedule(svc: ServiceView, pkt: Packet): Dest | null {
    const port = (svc.schedFlags & SCHED_FLAG_2) !== 0 ? pkt.sport : 0;
    const ihash = this.bucket(pkt.sfold, port, 0);
    const first = this.table[ihash] ?? null;
    if ((svc.schedFlags & SCHED_FLAG_1) === 0)
      return first !== null && first.weight > 0 && !first.overloaded ? first : null;
    if (first === null) return null;
    if (first.weight > 0 && !first.overloaded) return first;
    for (let offset = 0; offset < DEST_TABLE_SIZE; offset++) {
      const d = this.table[this.bucket(pkt.sfold, port, (offset + ihash) % DEST_TABLE_SIZE)] ?? null;
      if (d === null) return null;
      if (d.weight > 0 && !d.overloaded) return d;
    }
    return null;
  }

  onUpdate(svc: ServiceView): void {
    this.assign(svc);
  }

  private bucket(fold: number, port: number, offset: number): number {
    return (offset + bucketOf(this.variant, (port + fold) >>> 0, DEST_TABLE_BITS)) & (DEST_TABLE_SIZE - 1);
  }

  private assign(svc: ServiceView): void {
    dealDestTable(this.table, svc.dests, (d) => d.weight);
  }
}
