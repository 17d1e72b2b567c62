/**
 * Straightforward versions of the scheduler decisions, written the way one would first write
 * them from schedulers.md: array methods that allocate (filter/reduce/slice), BigInt for every
 * 64-bit product and for SipHash, derived state recomputed on every call. They make the same
 * decisions as analyzer/kernel/schedulers (the property tests check that) and serve as the in-run peer
 * of the benchmark.
 */
import type { Dest } from '../../analyzer/kernel/dest.js';
import type { Packet } from '../../analyzer/kernel/packet.js';
import type { DestChange, Scheduler, ServiceView } from '../../analyzer/kernel/schedulers/scheduler.js';
import { SCHED_FLAG_1, SCHED_FLAG_2 } from '../../analyzer/kernel/schedulers/scheduler.js';

const eligible = (d: Dest): boolean => !d.overloaded && d.weight > 0;
const big = (x: number): bigint => BigInt(x);

/** The kernel's "x is less loaded than y": oh(x)·w(y) < oh(y)·w(x), in 64 bits. */
function lighter(x: Dest, y: Dest, oh: (d: Dest) => number): boolean {
  return big(oh(x)) * big(y.weight) < big(oh(y)) * big(x.weight);
}

const overhead = (d: Dest): number => d.activeConns * 256 + d.inactConns;
const sedOverhead = (d: Dest): number => d.activeConns + 1;

/** First usable dest, then any later non-overloaded one strictly lighter (wlc, sed shape). */
function weightedMin(dests: readonly Dest[], oh: (d: Dest) => number): Dest | null {
  const first = dests.findIndex(eligible);
  if (first < 0) return null;
  return dests
    .slice(first + 1)
    .filter((d) => !d.overloaded)
    .reduce<Dest>((least, d) => (lighter(d, least, oh) ? d : least), dests[first] as Dest);
}

export class NaiveRoundRobin implements Scheduler {
  readonly name = 'rr';
  private cursor: Dest | null = null;

  schedule(svc: ServiceView): Dest | null {
    const at = this.cursor === null ? -1 : svc.dests.indexOf(this.cursor);
    const order = at < 0 ? svc.dests.slice() : [...svc.dests.slice(at + 1), ...svc.dests.slice(0, at + 1)];
    const hit = order.find(eligible) ?? null;
    if (hit) this.cursor = hit;
    return hit;
  }

  onUpdate(svc: ServiceView, change: DestChange, dest: Dest, formerIndex: number): void {
    if (change === 'delete' && dest === this.cursor) this.cursor = svc.dests[formerIndex - 1] ?? null;
  }
}

/** wrr with di and mw recomputed from the list on every decision. */
export class NaiveWeightedRoundRobin implements Scheduler {
  readonly name = 'wrr';
  private cursor: Dest | null = null;
  private cw: number;

  constructor(svc: ServiceView) {
    this.cw = this.maxWeight(svc);
  }

  schedule(svc: ServiceView): Dest | null {
    const di = this.gcdWeight(svc);
    const mw = this.maxWeight(svc);
    if (mw === 0) return null;
    const list = svc.dests;
    const start = this.cursor === null ? -1 : list.indexOf(this.cursor);
    let from = start;
    let stop: Dest | null = null;
    let lastPass = false;
    let restarted = false;
    for (;;) {
      for (const d of list.slice(from + 1)) {
        if (!d.overloaded && d.weight >= this.cw) {
          this.cursor = d;
          return d;
        }
        if (d === stop) {
          this.cursor = d;
          return null;
        }
      }
      from = -1;
      this.cw -= di;
      if (this.cw <= 0) {
        this.cw = mw;
        if (lastPass || start < 0) {
          this.cursor = null;
          return null;
        }
        restarted = true;
      }
      lastPass = this.cw <= di;
      if (lastPass && restarted && start >= 0) stop = list[start] ?? null;
    }
  }

  onUpdate(svc: ServiceView): void {
    this.cursor = null;
    const di = this.gcdWeight(svc);
    const mw = this.maxWeight(svc);
    if (this.cw > mw || this.cw === 0) this.cw = mw;
    else if (di > 1) this.cw = Math.floor(this.cw / di) * di + 1;
  }

  private gcdWeight(svc: ServiceView): number {
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    return (
      svc.dests
        .map((d) => d.weight)
        .filter((w) => w > 0)
        .reduce(gcd, 0) || 1
    );
  }

  private maxWeight(svc: ServiceView): number {
    return Math.max(0, ...svc.dests.map((d) => d.weight)) - (this.gcdWeight(svc) - 1);
  }
}

export class NaiveLeastConnection implements Scheduler {
  readonly name = 'lc';
  schedule(svc: ServiceView): Dest | null {
    return svc.dests
      .filter(eligible)
      .reduce<Dest | null>((l, d) => (l === null || overhead(d) < overhead(l) ? d : l), null);
  }
  onUpdate(): void {}
}

export class NaiveWeightedLeastConnection implements Scheduler {
  readonly name = 'wlc';
  schedule(svc: ServiceView): Dest | null {
    return weightedMin(svc.dests, overhead);
  }
  onUpdate(): void {}
}

export class NaiveShortestExpectedDelay implements Scheduler {
  readonly name = 'sed';
  schedule(svc: ServiceView): Dest | null {
    return weightedMin(svc.dests, sedOverhead);
  }
  onUpdate(): void {}
}

export class NaiveNeverQueue implements Scheduler {
  readonly name = 'nq';
  schedule(svc: ServiceView): Dest | null {
    const candidates = svc.dests.filter(eligible);
    const idle = candidates.find((d) => d.activeConns === 0);
    if (idle) return idle;
    return candidates.reduce<Dest | null>((l, d) => (l === null || lighter(d, l, sedOverhead) ? d : l), null);
  }
  onUpdate(): void {}
}

export class NaiveWeightedFailover implements Scheduler {
  readonly name = 'fo';
  schedule(svc: ServiceView): Dest | null {
    return svc.dests
      .filter(eligible)
      .reduce<Dest | null>((h, d) => (h === null || d.weight > h.weight ? d : h), null);
  }
  onUpdate(): void {}
}

export class NaiveWeightedOverflow implements Scheduler {
  readonly name = 'ovf';
  schedule(svc: ServiceView): Dest | null {
    return svc.dests
      .filter((d) => eligible(d) && d.activeConns <= d.weight)
      .reduce<Dest | null>((h, d) => (h === null || d.weight > h.weight ? d : h), null);
  }
  onUpdate(): void {}
}

const MASK32 = 0xffffffffn;

/** hash_32 in BigInt: (x · 0x61C88647 mod 2^32) >> (32 − bits). */
function hash32(x: number, bits: number): number {
  return Number(((big(x) * 0x61c88647n) & MASK32) >> big(32 - bits));
}

export class NaiveSourceHashing implements Scheduler {
  readonly name = 'sh';
  private table: (Dest | null)[] = [];

  constructor(svc: ServiceView) {
    this.onUpdate(svc);
  }

  schedule(svc: ServiceView, pkt: Packet): Dest | null {
    const port = svc.schedFlags & SCHED_FLAG_2 ? pkt.sport : 0;
    const h = hash32((pkt.sfold + port) % 2 ** 32, 8);
    const usable = (d: Dest | null): boolean => d !== null && d.weight > 0 && !d.overloaded;
    const first = this.table[h] ?? null;
    if (!(svc.schedFlags & SCHED_FLAG_1)) return usable(first) ? first : null;
    if (first === null) return null;
    if (usable(first)) return first;
    // Probe offset o hashes to (o + h) & 255, starting at o = h.
    const probes = Array.from({ length: 256 }, (_, o) => this.table[(((o + h) % 256) + h) % 256] ?? null);
    const end = probes.indexOf(null);
    return (end < 0 ? probes : probes.slice(0, end)).find(usable) ?? null;
  }

  onUpdate(svc: ServiceView): void {
    // Each dest repeated max(weight, 1) times, the pattern tiled over 256 buckets.
    const pattern = svc.dests.flatMap((d) => new Array<Dest>(Math.max(d.weight, 1)).fill(d));
    this.table = Array.from({ length: 256 }, (_, i) => pattern[i % pattern.length] ?? null);
  }
}

export class NaiveDestinationHashing implements Scheduler {
  readonly name = 'dh';
  private table: (Dest | null)[] = [];

  constructor(svc: ServiceView) {
    this.onUpdate(svc, 'add');
  }

  schedule(_svc: ServiceView, pkt: Packet): Dest | null {
    const d = this.table[hash32(pkt.dfold, 8)] ?? null;
    return d !== null && d.available && d.weight > 0 && !d.overloaded ? d : null;
  }

  onUpdate(svc: ServiceView, change: DestChange): void {
    if (change === 'edit') return;
    this.table = Array.from({ length: 256 }, (_, i) => svc.dests[i % svc.dests.length] ?? null);
  }
}

/** Generic SipHash-c-d over bytes with BigInt lanes, returning the 64-bit result. */
export function sipHash(c: number, d: number, k0: bigint, k1: bigint, message: Uint8Array): bigint {
  const M64 = 0xffffffffffffffffn;
  const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;
  let v0 = 0x736f6d6570736575n ^ k0;
  let v1 = 0x646f72616e646f6dn ^ k1;
  let v2 = 0x6c7967656e657261n ^ k0;
  let v3 = 0x7465646279746573n ^ k1;
  const round = (): void => {
    v0 = (v0 + v1) & M64;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & M64;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & M64;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const blocks = Math.floor(message.length / 8);
  const word = (from: number, to: number): bigint =>
    Array.from(message.subarray(from, to)).reduceRight((acc, byte) => (acc << 8n) | big(byte), 0n);
  for (let i = 0; i < blocks; i++) {
    const m = word(8 * i, 8 * i + 8);
    v3 ^= m;
    for (let r = 0; r < c; r++) round();
    v0 ^= m;
  }
  const b = (big(message.length & 0xff) << 56n) | word(8 * blocks, message.length);
  v3 ^= b;
  for (let r = 0; r < c; r++) round();
  v0 ^= b;
  v2 ^= 0xffn;
  for (let r = 0; r < d; r++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/** hsiphash of a u32 on a 64-bit kernel: SipHash-1-3 of its 4 little-endian bytes, low 32 bits. */
export function naiveHsiphash(k: bigint, value: number): number {
  const bytes = new Uint8Array(new Uint32Array([value]).buffer);
  return Number(sipHash(1, 3, k, k, bytes) & MASK32);
}

const MH_M = 4093;
const K1 = 2654435761n;
const K2 = 2654446892n;

/** Maglev as in the paper: per-dest permutations, rounds of claims in list order. */
export class NaiveMaglevHashing implements Scheduler {
  readonly name = 'mh';
  private table: (Dest | null)[] = [];

  constructor(svc: ServiceView) {
    this.onUpdate(svc);
  }

  schedule(svc: ServiceView, pkt: Packet): Dest | null {
    const v = (pkt.sfold + (svc.schedFlags & SCHED_FLAG_2 ? pkt.sport : 0)) % 2 ** 32;
    const usable = (d: Dest | null): boolean => d !== null && d.weight > 0 && !d.overloaded;
    const h = naiveHsiphash(K1, v) % MH_M;
    const first = this.table[h] ?? null;
    if (!(svc.schedFlags & SCHED_FLAG_1)) return usable(first) ? first : null;
    if (first === null) return null;
    if (usable(first)) return first;
    for (let o = 0; o < MH_M; o++) {
      const d = this.table[naiveHsiphash(K1, (((o + h) % MH_M) + v) % 2 ** 32) % MH_M] ?? null;
      if (d === null) return null;
      if (usable(d)) return d;
    }
    return null;
  }

  onUpdate(svc: ServiceView): void {
    const weights = svc.dests.map((d) => d.lastWeight);
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    const g = weights.filter((w) => w > 0).reduce(gcd, 0);
    if (g === 0) {
      this.table = new Array<Dest | null>(MH_M).fill(null);
      return;
    }
    const shift = Math.max(0, (Math.max(...weights) / g).toString(2).length - 6);
    const setup = svc.dests.map((d) => ({
      d,
      next: naiveHsiphash(K1, d.mhKey) % MH_M,
      skip: (naiveHsiphash(K2, d.mhKey) % (MH_M - 1)) + 1,
      turns: Math.floor(Math.floor(d.lastWeight / g) / 2 ** shift) || (d.lastWeight !== 0 ? 1 : 0),
    }));
    const table = new Array<Dest | null>(MH_M).fill(null);
    let filled = 0;
    while (filled < MH_M) {
      for (const s of setup) {
        for (let t = 0; t < s.turns && filled < MH_M; t++) {
          while (table[s.next] !== null) s.next = (s.next + s.skip) % MH_M;
          table[s.next] = s.d;
          filled++;
        }
      }
    }
    this.table = table;
  }
}

/** lblc/lblcr's extra overload rule, with array methods. */
function lblcOverloaded(d: Dest, dests: readonly Dest[]): boolean {
  return d.activeConns > d.weight && dests.some((x) => x.activeConns * 2 < x.weight);
}

/** lblc without garbage collection (the benchmark never reaches a 60 s tick). */
export class NaiveLocalityLeastConnection implements Scheduler {
  readonly name = 'lblc';
  private readonly cache = new Map<string, Dest>();

  schedule(svc: ServiceView, pkt: Packet): Dest | null {
    const cached = this.cache.get(pkt.daddr.text);
    if (cached && cached.available && cached.weight > 0 && !lblcOverloaded(cached, svc.dests)) return cached;
    const d = weightedMin(svc.dests, overhead);
    if (d) this.cache.set(pkt.daddr.text, d);
    return d;
  }

  onUpdate(): void {}
}

/** twos drawing from the same random source as the real one, in the same order. */
export class NaiveTwoChoices implements Scheduler {
  readonly name = 'twos';

  constructor(private readonly random32: () => number) {}

  schedule(svc: ServiceView): Dest | null {
    const candidates = svc.dests.filter(eligible);
    if (candidates.length === 0) return null;
    const total = candidates.reduce((s, d) => s + d.weight, 0) + 1;
    const draw = (): Dest => {
      let r = Math.floor((this.random32() * total) / 2 ** 32);
      return candidates.find((d) => (r -= d.weight) <= 0) ?? (candidates[candidates.length - 1] as Dest);
    };
    const c1 = draw();
    const c2 = draw();
    return c1 !== c2 && big(c2.weight) * big(overhead(c1)) > big(c1.weight) * big(overhead(c2)) ? c2 : c1;
  }

  onUpdate(): void {}
}
