/**
 * `hsiphash()` of a single u32 as the mh scheduler calls it on 64-bit kernels, where hsiphash is
 * SipHash-1-3 (one compression round, three finalisation rounds) over the 4 message bytes, with a
 * 128-bit key of two 64-bit words, truncated to the low 32 bits of the result.
 *
 * 64-bit lanes are kept as (hi, lo) pairs of 32-bit numbers so a call allocates nothing; mh
 * hashes once per decision (more with mh-fallback), so this is the hash family's hot path.
 */
export interface SipKey {
  readonly k0hi: number;
  readonly k0lo: number;
  readonly k1hi: number;
  readonly k1lo: number;
}

/** A key from two 64-bit words given as (hi, lo) halves. */
export function sipKey(k0hi: number, k0lo: number, k1hi: number, k1lo: number): SipKey {
  return { k0hi: k0hi | 0, k0lo: k0lo | 0, k1hi: k1hi | 0, k1lo: k1lo | 0 };
}

export function hsiphashU32(key: SipKey, value: number): number {
  // Lanes are int32 (`| 0`) so V8 keeps them in registers; carries compare as unsigned.
  // "somepseudorandomlygeneratedbytes" initialisation, xored with the key words.
  let v0h = 0x736f6d65 ^ key.k0hi;
  let v0l = 0x70736575 ^ key.k0lo;
  let v1h = 0x646f7261 ^ key.k1hi;
  let v1l = 0x6e646f6d ^ key.k1lo;
  let v2h = 0x6c796765 ^ key.k0hi;
  let v2l = 0x6e657261 ^ key.k0lo;
  let v3h = 0x74656462 ^ key.k1hi;
  let v3l = 0x79746573 ^ key.k1lo;
  // Final block: length (4) in the top byte, the message in the low 4 bytes (little-endian load).
  const bh = 0x04000000;
  const bl = value | 0;
  v3h ^= bh;
  v3l ^= bl;
  // One compression round, then three finalisation rounds.
  for (let round = 0; round < 4; round++) {
    if (round === 1) {
      v0h ^= bh;
      v0l ^= bl;
      v2l ^= 0xff;
    }
    // v0 += v1; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
    let lo = (v0l + v1l) | 0;
    v0h = (v0h + v1h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = lo;
    let t = (v1h << 13) | (v1l >>> 19);
    v1l = ((v1l << 13) | (v1h >>> 19)) ^ v0l;
    v1h = t ^ v0h;
    t = v0h;
    v0h = v0l;
    v0l = t;
    // v2 += v3; v3 = rotl(v3, 16) ^ v2
    lo = (v2l + v3l) | 0;
    v2h = (v2h + v3h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = lo;
    t = (v3h << 16) | (v3l >>> 16);
    v3l = ((v3l << 16) | (v3h >>> 16)) ^ v2l;
    v3h = t ^ v2h;
    // v0 += v3; v3 = rotl(v3, 21) ^ v0
    lo = (v0l + v3l) | 0;
    v0h = (v0h + v3h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = lo;
    t = (v3h << 21) | (v3l >>> 11);
    v3l = ((v3l << 21) | (v3h >>> 11)) ^ v0l;
    v3h = t ^ v0h;
    // v2 += v1; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)
    lo = (v2l + v1l) | 0;
    v2h = (v2h + v1h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = lo;
    t = (v1h << 17) | (v1l >>> 15);
    v1l = ((v1l << 17) | (v1h >>> 15)) ^ v2l;
    v1h = t ^ v2h;
    t = v2h;
    v2h = v2l;
    v2l = t;
  }
  return (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}
