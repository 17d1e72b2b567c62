/**
 * What sh, dh, lblc and lblcr share: the multiplicative hash of their buckets (kernels since about
 * 4.7 use `hash_32(x, bits)`: multiply by GOLDEN_RATIO_32, keep the top bits; older ones kept the
 * low bits of `x * 2654435761`; Debian 12's 6.1 modules use hash_32, schedulers.md §9.2, §13), and
 * the 256-bucket table of sh and dh.
 */
import type { Dest } from '../dest.js';

export type HashVariant = 'hash32' | 'legacy';

const GOLDEN_RATIO_32 = 0x61c88647;
const KNUTH = 2654435761 | 0;

/** Bucket of `x` (an unsigned 32-bit value) in a table of 2^bits entries. */
export function bucketOf(variant: HashVariant, x: number, bits: number): number {
  if (variant === 'hash32') return Math.imul(x, GOLDEN_RATIO_32) >>> (32 - bits);
  return Math.imul(x, KNUTH) & ((1 << bits) - 1);
}

/** IP_VS_SH_TAB_BITS / IP_VS_DH_TAB_BITS. */
export const DEST_TABLE_BITS = 8;
export const DEST_TABLE_SIZE = 1 << DEST_TABLE_BITS;

export function emptyDestTable(): (Dest | null)[] {
  return new Array<Dest | null>(DEST_TABLE_SIZE).fill(null);
}

/**
 * Deals the buckets out walking the dest list cyclically, each dest taking `share(d)`
 * consecutive buckets (at least one), as ip_vs_sh_reassign and ip_vs_dh_reassign do; an empty
 * list leaves every bucket empty.
 */
export function dealDestTable(
  table: (Dest | null)[],
  dests: readonly Dest[],
  share: (d: Dest) => number,
): void {
  let p = 0;
  let count = 0;
  for (let i = 0; i < table.length; i++) {
    const d = dests[p];
    if (d === undefined) {
      table[i] = null;
      continue;
    }
    table[i] = d;
    if (++count >= share(d)) {
      p = (p + 1) % dests.length;
      count = 0;
    }
  }
}
