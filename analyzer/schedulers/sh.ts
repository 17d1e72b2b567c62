import type { Dest } from '../model/dest.js';
import type { Packet } from '../model/packet.js';
import { bucketOf } from './hash.js';
import type { HashVariant } from './hash.js';
import type { Scheduler, ServiceView } from './scheduler.js';
import { SCHED_FLAG_1, SCHED_FLAG_2 } from './scheduler.js';

const TAB_BITS = 8;
const TAB_SIZE = 1 << TAB_BITS;

/**
 * Source hashing (ip_vs_sh.c). The 256 buckets are dealt out walking the dest list cyclically,
 * each dest taking max(weight, 1) consecutive buckets; rebuilt on every add, delete and edit.
 * Flags: sh-fallback (SCHED1) scans on from bucket 2·h when the hashed dest is unusable;
 * sh-port (SCHED2) adds the client's source port to the hashed value.
 */
export class SourceHashing implements Scheduler {
  readonly name = 'sh';
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

  schedule(svc: ServiceView, pkt: Packet): Dest | null {
    const port = (svc.schedFlags & SCHED_FLAG_2) !== 0 ? pkt.sport : 0;
    const ihash = this.bucket(pkt.sfold, port, 0);
    const first = this.table[ihash] ?? null;
    if ((svc.schedFlags & SCHED_FLAG_1) === 0) {
      return first !== null && first.weight > 0 && !first.overloaded ? first : null;
    }
    if (first === null) return null;
    if (first.weight > 0 && !first.overloaded) return first;
    for (let offset = 0; offset < TAB_SIZE; offset++) {
      const d = this.table[this.bucket(pkt.sfold, port, (offset + ihash) % TAB_SIZE)] ?? null;
      if (d === null) return null;
      if (d.weight > 0 && !d.overloaded) return d;
    }
    return null;
  }

  onUpdate(svc: ServiceView): void {
    this.assign(svc);
  }

  private bucket(fold: number, port: number, offset: number): number {
    return (offset + bucketOf(this.variant, (port + fold) >>> 0, TAB_BITS)) & (TAB_SIZE - 1);
  }

  private assign(svc: ServiceView): void {
    const dests = svc.dests;
    let p = 0;
    let count = 0;
    for (let i = 0; i < TAB_SIZE; i++) {
      const d = dests[p];
      if (d === undefined) {
        this.table[i] = null;
        continue;
      }
      this.table[i] = d;
      if (++count >= d.weight) {
        p = (p + 1) % dests.length;
        count = 0;
      }
    }
  }
}
