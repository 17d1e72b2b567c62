import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ip } from './helpers.js';
import { Dest } from '../../analyzer/kernel/dest.js';
import { Packet } from '../../analyzer/kernel/packet.js';
import { DestinationHashing } from '../../analyzer/kernel/schedulers/dh.js';
import { WeightedFailover } from '../../analyzer/kernel/schedulers/fo.js';
import { LeastConnection } from '../../analyzer/kernel/schedulers/lc.js';
import { MaglevHashing } from '../../analyzer/kernel/schedulers/mh.js';
import { NeverQueue } from '../../analyzer/kernel/schedulers/nq.js';
import { WeightedOverflow } from '../../analyzer/kernel/schedulers/ovf.js';
import { RoundRobin } from '../../analyzer/kernel/schedulers/rr.js';
import type { Scheduler, ServiceView } from '../../analyzer/kernel/schedulers/scheduler.js';
import { ShortestExpectedDelay } from '../../analyzer/kernel/schedulers/sed.js';
import { SourceHashing } from '../../analyzer/kernel/schedulers/sh.js';
import { hsiphashU32, sipKey } from '../../analyzer/kernel/schedulers/siphash.js';
import { WeightedLeastConnection } from '../../analyzer/kernel/schedulers/wlc.js';
import { WeightedRoundRobin } from '../../analyzer/kernel/schedulers/wrr.js';
import {
  NaiveDestinationHashing,
  NaiveLeastConnection,
  NaiveMaglevHashing,
  NaiveNeverQueue,
  NaiveRoundRobin,
  NaiveShortestExpectedDelay,
  NaiveSourceHashing,
  NaiveWeightedFailover,
  NaiveWeightedLeastConnection,
  NaiveWeightedOverflow,
  NaiveWeightedRoundRobin,
  naiveHsiphash,
  sipHash,
} from '../../bench/sim/naive.js';

interface DestSpec {
  weight: number;
  active: number;
  inact: number;
  overloaded: boolean;
}

const destSpec = fc.record({
  weight: fc.integer({ min: 0, max: 6 }),
  active: fc.integer({ min: 0, max: 20 }),
  inact: fc.integer({ min: 0, max: 60 }),
  overloaded: fc.integer({ min: 0, max: 9 }).map((x) => x < 3),
});

let serial = 0;
function makeDest(spec: DestSpec): Dest {
  serial++;
  const addr = ip(`10.${(serial >> 16) & 255}.${(serial >> 8) & 255}.${serial & 255}`);
  const d = new Dest(addr, 80, `${addr.text}:80`, 'prop');
  d.weight = spec.weight;
  d.lastWeight = spec.weight;
  d.activeConns = spec.active;
  d.inactConns = spec.inact;
  d.overloaded = spec.overloaded;
  d.available = true;
  return d;
}

function view(specs: readonly DestSpec[], schedFlags = 0): ServiceView & { dests: Dest[] } {
  return { dests: specs.map(makeDest), schedFlags };
}

const overhead = (d: Dest): number => d.activeConns * 256 + d.inactConns;

describe('counter-based schedulers agree with the naive reference and keep their invariants', () => {
  const pairs: [string, () => Scheduler, () => Scheduler][] = [
    ['lc', () => new LeastConnection(), () => new NaiveLeastConnection()],
    ['wlc', () => new WeightedLeastConnection(), () => new NaiveWeightedLeastConnection()],
    ['sed', () => new ShortestExpectedDelay(), () => new NaiveShortestExpectedDelay()],
    ['nq', () => new NeverQueue(), () => new NaiveNeverQueue()],
    ['fo', () => new WeightedFailover(), () => new NaiveWeightedFailover()],
    ['ovf', () => new WeightedOverflow(), () => new NaiveWeightedOverflow()],
  ];
  const pkt = new Packet('tcp', ip('203.0.113.1'), 40000, ip('192.0.2.1'), 80);
  for (const [name, fast, naive] of pairs) {
    it(`${name}: same decisions over 40 arrivals (half of them as inactive entries)`, () => {
      fc.assert(
        fc.property(
          fc.array(destSpec, { minLength: 1, maxLength: 8 }),
          fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
          (specs, kinds) => {
            const svc = view(specs);
            const a = fast();
            const b = naive();
            for (const active of kinds) {
              const da = a.schedule(svc, pkt, 0);
              expect(b.schedule(svc, pkt, 0)).toBe(da);
              if (da && active) da.activeConns++;
              else if (da) da.inactConns++;
            }
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it('lc never picks a dest with a higher overhead than another eligible one', () => {
    fc.assert(
      fc.property(fc.array(destSpec, { minLength: 1, maxLength: 10 }), (specs) => {
        const svc = view(specs);
        const pick = new LeastConnection().schedule(svc);
        const eligible = svc.dests.filter((d) => !d.overloaded && d.weight > 0);
        if (pick === null) return eligible.length === 0;
        return eligible.every((e) => overhead(pick) <= overhead(e));
      }),
      { numRuns: 500 },
    );
  });

  it('wlc picks a minimum of overhead/weight, the first such in list order', () => {
    fc.assert(
      fc.property(fc.array(destSpec, { minLength: 1, maxLength: 10 }), (specs) => {
        const svc = view(specs);
        const pick = new WeightedLeastConnection().schedule(svc);
        const eligible = svc.dests.filter((d) => !d.overloaded && d.weight > 0);
        if (pick === null) return eligible.length === 0;
        const ratio = (d: Dest): number => overhead(d) / d.weight;
        const min = Math.min(...eligible.map(ratio));
        return ratio(pick) === min && eligible.find((e) => ratio(e) === min) === pick;
      }),
      { numRuns: 500 },
    );
  });
});

type Op =
  | { kind: 'schedule'; client: number; port: number }
  | { kind: 'add'; weight: number }
  | { kind: 'delete'; at: number }
  | { kind: 'edit'; at: number; weight: number }
  | { kind: 'overload'; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('schedule' as const),
      client: fc.nat(),
      port: fc.integer({ min: 1024, max: 65535 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('add' as const), weight: fc.integer({ min: 0, max: 5 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      at: fc.nat(),
      weight: fc.integer({ min: 0, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('overload' as const), at: fc.nat() }) },
);

/** Applies the same configuration history to two schedulers and compares every decision. */
function sameHistory(
  make: (svc: ServiceView) => [Scheduler, Scheduler],
  weights: number[],
  ops: Op[],
  schedFlags: number,
): void {
  const svc = view(
    weights.map((weight) => ({ weight, active: 0, inact: 0, overloaded: false })),
    schedFlags,
  );
  const [a, b] = make(svc);
  for (const o of ops) {
    const n = svc.dests.length;
    switch (o.kind) {
      case 'schedule': {
        const w = o.client >>> 0;
        const client = ip(`${(w >>> 24) & 255}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`);
        const pkt = new Packet('tcp', client, o.port, ip('192.0.2.1'), 80);
        const da = a.schedule(svc, pkt, 0);
        expect(b.schedule(svc, pkt, 0)).toBe(da);
        break;
      }
      case 'add': {
        const d = makeDest({ weight: o.weight, active: 0, inact: 0, overloaded: false });
        svc.dests.unshift(d);
        a.onUpdate(svc, 'add', d, 0);
        b.onUpdate(svc, 'add', d, 0);
        break;
      }
      case 'delete': {
        if (n === 0) break;
        const at = o.at % n;
        const [d] = svc.dests.splice(at, 1) as [Dest];
        d.available = false;
        a.onUpdate(svc, 'delete', d, at);
        b.onUpdate(svc, 'delete', d, at);
        break;
      }
      case 'edit': {
        if (n === 0) break;
        const d = svc.dests[o.at % n] as Dest;
        d.weight = o.weight;
        if (o.weight !== 0) d.lastWeight = o.weight;
        a.onUpdate(svc, 'edit', d, o.at % n);
        b.onUpdate(svc, 'edit', d, o.at % n);
        break;
      }
      case 'overload': {
        if (n === 0) break;
        const d = svc.dests[o.at % n] as Dest;
        d.overloaded = !d.overloaded;
        break;
      }
    }
  }
}

describe('stateful schedulers agree with the naive reference through adds, deletes and edits', () => {
  const histories: [string, (svc: ServiceView) => [Scheduler, Scheduler], number, number][] = [
    ['rr', () => [new RoundRobin(), new NaiveRoundRobin()], 0, 300],
    ['wrr', (svc) => [new WeightedRoundRobin(svc), new NaiveWeightedRoundRobin(svc)], 0, 300],
    ['sh', (svc) => [new SourceHashing(svc, 'hash32'), new NaiveSourceHashing(svc)], 0, 100],
    ['sh (fallback, port)', (svc) => [new SourceHashing(svc, 'hash32'), new NaiveSourceHashing(svc)], 3, 100],
    ['dh', (svc) => [new DestinationHashing(svc, 'hash32'), new NaiveDestinationHashing(svc)], 0, 100],
    ['mh (fallback, port)', (svc) => [new MaglevHashing(svc), new NaiveMaglevHashing(svc)], 3, 15],
  ];
  for (const [name, make, flags, numRuns] of histories) {
    it(name, () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }),
          fc.array(op, { maxLength: 40 }),
          (weights, ops) => sameHistory(make, weights, ops, flags),
        ),
        { numRuns },
      );
    });
  }

  it('wrr: over one full cycle every dest gets weight/gcd picks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 50 }),
        (weights, skip) => {
          const svc = view(weights.map((weight) => ({ weight, active: 0, inact: 0, overloaded: false })));
          const wrr = new WeightedRoundRobin(svc);
          const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
          const g = weights.reduce(gcd);
          for (let i = 0; i < skip; i++) wrr.schedule(svc);
          const cycle = weights.reduce((s, w) => s + w / g, 0);
          const counts = new Map<Dest, number>();
          for (let i = 0; i < cycle; i++) {
            const d = wrr.schedule(svc) as Dest;
            counts.set(d, (counts.get(d) ?? 0) + 1);
          }
          return svc.dests.every((d) => counts.get(d) === d.weight / g);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('SipHash', () => {
  it('the BigInt reference reproduces the official SipHash-2-4 vectors', () => {
    const key = Array.from({ length: 16 }, (_, i) => BigInt(i));
    const k0 = key.slice(0, 8).reduceRight((a, b) => (a << 8n) | b, 0n);
    const k1 = key.slice(8).reduceRight((a, b) => (a << 8n) | b, 0n);
    expect(sipHash(2, 4, k0, k1, new Uint8Array(0))).toBe(0x726fdb47dd0e0e31n);
    expect(
      sipHash(
        2,
        4,
        k0,
        k1,
        Uint8Array.from({ length: 15 }, (_, i) => i),
      ),
    ).toBe(0xa129ca6149be45e5n);
  });

  it('the 32-bit-lane hsiphash equals the BigInt SipHash-1-3 for any key and value', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), (k, v) => {
        return hsiphashU32(sipKey(0, k, 0, k), v) === naiveHsiphash(BigInt(k), v);
      }),
      { numRuns: 300 },
    );
  });
});
