/**
 * The multiplicative hashes of sh, dh, lblc and lblcr. Kernels since about 4.7 use
 * `hash_32(x, bits)` (multiply by GOLDEN_RATIO_32, keep the top bits); older ones kept the low
 * bits of `x * 2654435761`. Debian 12's 6.1 modules use hash_32 (schedulers.md §9.2, §13).
 */
export type HashVariant = 'hash32' | 'legacy';

const GOLDEN_RATIO_32 = 0x61c88647;
const KNUTH = 2654435761 | 0;

/** Bucket of `x` (an unsigned 32-bit value) in a table of 2^bits entries. */
export function bucketOf(variant: HashVariant, x: number, bits: number): number {
  if (variant === 'hash32') return Math.imul(x, GOLDEN_RATIO_32) >>> (32 - bits);
  return Math.imul(x, KNUTH) & ((1 << bits) - 1);
}
