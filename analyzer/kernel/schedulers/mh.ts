import type { Dest } from '../dest.js';
import type { Packet } from '../packet.js';
import type { Scheduler, ServiceView } from './scheduler.js';
import { SCHED_FLAG_1, SCHED_FLAG_2 } from './scheduler.js';
import { hsiphashU32, sipKey } from './siphash.js';

/** Lookup table size: primes[CONFIG_IP_VS_MH_TAB_INDEX − 8] with the default index 12. */
export const MH_TABLE_SIZE = 4093;
/** IP_VS_MH_TAB_BITS = CONFIG_IP_VS_MH_TAB_INDEX / 2: weights above 2^6 are shifted down. */
const MH_TAB_BITS = 6;

/** The fixed keys of ip_vs_mh.c (2654435761 and 2654446892, both words), not random. */
export const MH_KEY1 = sipKey(0, 0x9e3779b1, 0, 0x9e3779b1);
export const MH_KEY2 = sipKey(0, 0x9e37a52c, 0, 0x9e37a52c);

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function bitLength(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/**
 * Maglev hashing (ip_vs_mh.c). Each dest gets a permutation (offset, skip) from SipHash-1-3 of
 * its `port + address`; rounds of claims in list order fill the 4093-slot table, a dest making
 * `last_weight / gcd >> rshift` consecutive claims per round. Rebuilt on add, delete and edit,
 * from last_weight — so an edit to weight 0 keeps the table, and the dest is just refused.
 */
export class MaglevHashing implements Scheduler {
  readonly name = 'mh';
  private readonly table = new Int32Array(MH_TABLE_SIZE).fill(-1);
  /** The dests the table's indices refer to (the list as of the last rebuild). */
  private slots: readonly Dest[] = [];

  constructor(svc: ServiceView) {
    this.populate(svc);
  }

  /** The dest owning each slot (for tests and analysis). */
  lookupTable(): (Dest | null)[] {
    return Array.from(this.table, (i) => (i < 0 ? null : (this.slots[i] ?? null)));
  }

  schedule(svc: ServiceView, pkt: Packet): Dest | null {
    const port = (svc.schedFlags & SCHED_FLAG_2) !== 0 ? pkt.sport : 0;
    const v = (port + pkt.sfold) >>> 0;
    const ihash = hsiphashU32(MH_KEY1, v) % MH_TABLE_SIZE;
    const first = this.at(ihash);
    if ((svc.schedFlags & SCHED_FLAG_1) === 0) {
      return first !== null && first.weight > 0 && !first.overloaded ? first : null;
    }
    if (first === null) return null;
    if (first.weight > 0 && !first.overloaded) return first;
    for (let offset = 0; offset < MH_TABLE_SIZE; offset++) {
      const roffset = (offset + ihash) % MH_TABLE_SIZE;
      const d = this.at(hsiphashU32(MH_KEY1, (roffset + v) >>> 0) % MH_TABLE_SIZE);
      if (d === null) return null;
      if (d.weight > 0 && !d.overloaded) return d;
    }
    return null;
  }

  onUpdate(svc: ServiceView): void {
    this.populate(svc);
  }

  private at(slot: number): Dest | null {
    const i = this.table[slot] ?? -1;
    return i < 0 ? null : (this.slots[i] ?? null);
  }

  private populate(svc: ServiceView): void {
    const dests = svc.dests;
    let g = 0;
    let max = 0;
    for (const d of dests) {
      if (d.lastWeight > 0) g = g > 0 ? gcd(d.lastWeight, g) : d.lastWeight;
      if (d.lastWeight > max) max = d.lastWeight;
    }
    this.slots = dests.slice();
    if (g < 1) {
      this.table.fill(-1);
      return;
    }
    const rshift = Math.max(0, bitLength(Math.floor(max / g)) - MH_TAB_BITS);
    const n = dests.length;
    const next = new Int32Array(n);
    const skip = new Int32Array(n);
    const turns = new Int32Array(n);
    dests.forEach((d, i) => {
      next[i] = hsiphashU32(MH_KEY1, d.mhKey) % MH_TABLE_SIZE;
      skip[i] = (hsiphashU32(MH_KEY2, d.mhKey) % (MH_TABLE_SIZE - 1)) + 1;
      const t = Math.floor(d.lastWeight / g) >>> rshift;
      turns[i] = t !== 0 ? t : d.lastWeight !== 0 ? 1 : 0;
    });
    const taken = new Uint8Array(MH_TABLE_SIZE);
    let filled = 0;
    let claims = 0;
    // Rounds over the list; within a round dest i claims turns[i] slots in a row.
    for (let i = 0; filled < MH_TABLE_SIZE; i = (i + 1) % n) {
      const t = turns[i] ?? 0;
      if (t < 1) continue;
      for (;;) {
        let c = next[i] ?? 0;
        while (taken[c] === 1) {
          c += skip[i] ?? 1;
          if (c >= MH_TABLE_SIZE) c -= MH_TABLE_SIZE;
        }
        next[i] = c;
        taken[c] = 1;
        this.table[c] = i;
        if (++filled === MH_TABLE_SIZE) return;
        if (++claims >= t) {
          claims = 0;
          break;
        }
      }
    }
  }
}
