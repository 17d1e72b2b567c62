import { describe, expect, it } from 'vitest';
import { Dest } from '../../analyzer/kernel/dest.js';
import { DestinationHashing } from '../../analyzer/kernel/schedulers/dh.js';
import { WeightedFailover } from '../../analyzer/kernel/schedulers/fo.js';
import { bucketOf } from '../../analyzer/kernel/schedulers/hash.js';
import { LocalityLeastConnection } from '../../analyzer/kernel/schedulers/lblc.js';
import { LocalityLeastConnectionReplicated } from '../../analyzer/kernel/schedulers/lblcr.js';
import { LeastConnection } from '../../analyzer/kernel/schedulers/lc.js';
import { MH_KEY1, MH_KEY2, MH_TABLE_SIZE, MaglevHashing } from '../../analyzer/kernel/schedulers/mh.js';
import { NeverQueue } from '../../analyzer/kernel/schedulers/nq.js';
import { WeightedOverflow } from '../../analyzer/kernel/schedulers/ovf.js';
import { RoundRobin } from '../../analyzer/kernel/schedulers/rr.js';
import type { Scheduler, SchedulerSettings } from '../../analyzer/kernel/schedulers/scheduler.js';
import { SCHED_FLAG_1, SCHED_FLAG_2 } from '../../analyzer/kernel/schedulers/scheduler.js';
import { ShortestExpectedDelay } from '../../analyzer/kernel/schedulers/sed.js';
import { SourceHashing } from '../../analyzer/kernel/schedulers/sh.js';
import { hsiphashU32 } from '../../analyzer/kernel/schedulers/siphash.js';
import { WeightedTwoChoices } from '../../analyzer/kernel/schedulers/twos.js';
import { WeightedLeastConnection } from '../../analyzer/kernel/schedulers/wlc.js';
import { WeightedRoundRobin } from '../../analyzer/kernel/schedulers/wrr.js';
import type { Fixture } from './helpers.js';
import { fixture, ip, picks, tcpPacket } from './helpers.js';

// Every worked example of schedulers.md §14, in its order. "[A1, B0, C5]" is the kernel list
// order (last added first) with weights; the fixture builds exactly that list.

const settings: SchedulerSettings = {
  hashVariant: 'hash32',
  lblcExpirationMs: 86_400_000,
  lblcrExpirationMs: 86_400_000,
  random32: () => 0,
};

function split(s: string): string[] {
  return s.split(/[ ,]+/).filter((x) => x !== '');
}

/** Adds a dest at the head the way ipvsadm -a does and tells the scheduler. */
function addAtHead(f: Fixture, s: Scheduler, name: string, weight: number): void {
  const addr = ip(`10.0.0.${name.charCodeAt(0)}`);
  const d = new Dest(addr, 80, `${addr.text}:80`, 'test');
  d.weight = weight;
  d.lastWeight = weight;
  d.available = true;
  f.svc.dests.unshift(d);
  f.byName.set(name, d);
  s.onUpdate(f.svc, 'add', d, 0);
}

function named(f: Fixture): (d: Dest | null) => string {
  const names = new Map([...f.byName].map(([n, d]) => [d, n]));
  return (d) => (d === null ? 'fail' : (names.get(d) ?? '?'));
}

describe('rr (§14 R1–R3)', () => {
  it('R1: [A1, B0, C5] from a fresh cursor skips the weight-0 dest', () => {
    const f = fixture([1, 0, 5]);
    expect(picks(new RoundRobin(), f, 5)).toEqual(split('A C A C A'));
  });

  it('R2: built by -a A, -a B, -a C the list is [C, B, A] and rr starts at C', () => {
    const f = fixture([]);
    const rr = new RoundRobin();
    for (const n of ['A', 'B', 'C']) addAtHead(f, rr, n, 1);
    const name = named(f);
    expect(Array.from({ length: 6 }, () => name(rr.schedule(f.svc)))).toEqual(split('C B A C B A'));
  });

  it('R3: deleting the dest under the cursor continues with the one after it', () => {
    const f = fixture([1, 1, 1]);
    const rr = new RoundRobin();
    expect(picks(rr, f, 2)).toEqual(['A', 'B']);
    const b = f.byName.get('B') as Dest;
    f.svc.dests.splice(1, 1);
    b.available = false;
    rr.onUpdate(f.svc, 'delete', b, 1);
    expect(picks(rr, f, 4)).toEqual(split('C A C A'));
  });

  it('fails when every dest is quiesced or overloaded', () => {
    const f = fixture([0, 1]);
    (f.byName.get('B') as Dest).overloaded = true;
    expect(picks(new RoundRobin(), f, 2)).toEqual(['fail', 'fail']);
  });
});

describe('wrr (§14 W1–W6)', () => {
  it('W1: [A4, B3, C2] gives the 4:3:2 nine-cycle', () => {
    const f = fixture([4, 3, 2]);
    const cycle = split('A A B A B C A B C');
    expect(picks(new WeightedRoundRobin(f.svc), f, 18)).toEqual([...cycle, ...cycle]);
  });

  it('W2: [A4, B2] (gcd 2) gives A A B', () => {
    const f = fixture([4, 2]);
    expect(picks(new WeightedRoundRobin(f.svc), f, 6)).toEqual(split('A A B A A B'));
  });

  it('W3: a service built by successive adds starts with a residual cw = 1 pass', () => {
    const f = fixture([]);
    const wrr = new WeightedRoundRobin(f.svc);
    addAtHead(f, wrr, 'A', 4);
    addAtHead(f, wrr, 'B', 3);
    addAtHead(f, wrr, 'C', 2);
    const name = named(f);
    const got = Array.from({ length: 21 }, () => name(wrr.schedule(f.svc)));
    const cycle = split('A B A C B A C B A');
    expect(got).toEqual(['C', 'B', 'A', ...cycle, ...cycle]);
  });

  it('W3: the same build with A6, B4, C2', () => {
    const f = fixture([]);
    const wrr = new WeightedRoundRobin(f.svc);
    addAtHead(f, wrr, 'A', 6);
    addAtHead(f, wrr, 'B', 4);
    addAtHead(f, wrr, 'C', 2);
    const name = named(f);
    const got = Array.from({ length: 15 }, () => name(wrr.schedule(f.svc)));
    const cycle = split('A B A C B A');
    expect(got).toEqual(['C', 'B', 'A', ...cycle, ...cycle]);
  });

  it('W4: an OVERLOADed dest is skipped but still sets mw', () => {
    const f = fixture([4, 3, 2]);
    (f.byName.get('A') as Dest).overloaded = true;
    expect(picks(new WeightedRoundRobin(f.svc), f, 10)).toEqual(split('B B C B C B B C B C'));
  });

  it('W5: an edit resets the cursor to the head and keeps cw', () => {
    const f = fixture([4, 3, 2]);
    const wrr = new WeightedRoundRobin(f.svc);
    expect(picks(wrr, f, 4)).toEqual(split('A A B A'));
    const c = f.byName.get('C') as Dest;
    c.weight = 4;
    c.lastWeight = 4;
    wrr.onUpdate(f.svc);
    expect(picks(wrr, f, 12)).toEqual(split('A B C A B C A C A B C A'));
  });

  it('W6: [A3, B0, C2] never picks the weight-0 dest', () => {
    const f = fixture([3, 0, 2]);
    expect(picks(new WeightedRoundRobin(f.svc), f, 10)).toEqual(split('A A C A C A A C A C'));
  });

  it('fails when all weights are 0', () => {
    const f = fixture([0, 0]);
    expect(picks(new WeightedRoundRobin(f.svc), f, 1)).toEqual(['fail']);
  });
});

describe('lc, wlc, sed, nq, fo, ovf (§14 table, weights [A1, B2, C3], 12 arrivals)', () => {
  const table: [string, () => Scheduler, string, string][] = [
    ['lc', () => new LeastConnection(), 'A B C A B C A B C A B C', 'A B C A B C A B C A B C'],
    ['wlc', () => new WeightedLeastConnection(), 'A B C C B C A B C C B C', 'A B C C B C A B C C B C'],
    ['sed', () => new ShortestExpectedDelay(), 'C B C A B C C B C A B C', 'C C C C C C C C C C C C'],
    ['nq', () => new NeverQueue(), 'A B C C B C C B C A B C', 'A A A A A A A A A A A A'],
    ['fo', () => new WeightedFailover(), 'C C C C C C C C C C C C', 'C C C C C C C C C C C C'],
    ['ovf', () => new WeightedOverflow(), 'C C C C B B B A A fail fail fail', 'C C C C C C C C C C C C'],
  ];
  for (const [name, make, active, inactive] of table) {
    it(`${name}: established at once (also SYN bursts)`, () => {
      expect(picks(make(), fixture([1, 2, 3]), 12, 'active')).toEqual(split(active));
    });
    it(`${name}: inactive only (UDP)`, () => {
      expect(picks(make(), fixture([1, 2, 3]), 12, 'inactive')).toEqual(split(inactive));
    });
  }

  const mixed: [string, () => Scheduler, string][] = [
    ['lc', () => new LeastConnection(), 'A A A A B A'],
    ['wlc', () => new WeightedLeastConnection(), 'A B C B C C'],
    ['sed', () => new ShortestExpectedDelay(), 'B B C A B C'],
    ['nq', () => new NeverQueue(), 'B B C A B C'],
  ];
  for (const [name, make, expected] of mixed) {
    it(`${name}: mixed start [A1 (3, 10), B2 (5, 300), C3 (10, 0)]`, () => {
      const f = fixture([1, 2, 3]);
      const counts: [number, number][] = [
        [3, 10],
        [5, 300],
        [10, 0],
      ];
      f.svc.dests.forEach((d, i) => {
        [d.activeConns, d.inactConns] = counts[i] ?? [0, 0];
      });
      expect(picks(make(), f, 6)).toEqual(split(expected));
    });
  }

  it('ovf [A2, B2]: each fills to weight + 1, first in the list first, then fails', () => {
    expect(picks(new WeightedOverflow(), fixture([2, 2]), 7)).toEqual(split('A A A B B B fail'));
  });

  it('wlc compares exactly beyond 2^53 (overhead × weight in 64 bits)', () => {
    // A: k/(k−1), B: (k+1)/k. k·k exceeds (k+1)(k−1) by 1, which doubles cannot see at 2^62.
    const k = 2 ** 31 - 2;
    const f = fixture([k - 1, k]);
    const [a, b] = f.svc.dests as [Dest, Dest];
    a.inactConns = k;
    b.inactConns = k + 1;
    expect(f.name(new WeightedLeastConnection().schedule(f.svc))).toBe('B');
  });
});

describe('lblc / lblcr (§14 L1–L4, one VIP, established at once)', () => {
  it('L1: lblc [A2, B2] abandons A once it is lblc-overloaded, then B keeps everything', () => {
    const f = fixture([2, 2]);
    expect(picks(new LocalityLeastConnection(settings), f, 10)).toEqual(split('A A A B B B B B B B'));
  });

  it('L2: lblc [A1, B4]', () => {
    const f = fixture([1, 4]);
    expect(picks(new LocalityLeastConnection(settings), f, 6)).toEqual(split('A A B B B B'));
  });

  it('L3: lblc [A2, B2] with destination addresses X, Y, X, Z, X, X, Y, X', () => {
    const f = fixture([2, 2]);
    const lblc = new LocalityLeastConnection(settings);
    const daddr = { X: '198.51.100.1', Y: '198.51.100.2', Z: '198.51.100.3' } as const;
    const got = (['X', 'Y', 'X', 'Z', 'X', 'X', 'Y', 'X'] as const).map((k, i) => {
      const d = lblc.schedule(f.svc, tcpPacket('203.0.113.1', 40000 + i, daddr[k]), i);
      if (d) d.activeConns++;
      return f.name(d);
    });
    expect(got).toEqual(split('A B A B A A B A'));
  });

  it('L4: lblcr [A2, B2, C2] grows its set to [C, B, A]', () => {
    const f = fixture([2, 2, 2]);
    expect(picks(new LocalityLeastConnectionReplicated(settings), f, 14)).toEqual(
      split('A A A B B B C C C C B A C B'),
    );
  });

  it('lblcr drops the most loaded member once the set is older than lblcr_expiration', () => {
    const f = fixture([2, 2]);
    const lblcr = new LocalityLeastConnectionReplicated({ ...settings, lblcrExpirationMs: 1000 });
    const pkt = tcpPacket('203.0.113.1');
    const pick = (t: number): string => {
      const d = lblcr.schedule(f.svc, pkt, t);
      if (d) d.activeConns++;
      return f.name(d);
    };
    expect([pick(0), pick(0), pick(0), pick(0)]).toEqual(split('A A A B'));
    // Set [B, A]; past lastmod + 1 s, A (3 active) is dropped; set_min had already chosen B.
    expect(pick(1001)).toBe('B');
    (f.byName.get('B') as Dest).activeConns = 0;
    expect(pick(1002)).toBe('B');
  });
});

describe('dh / sh bucket numbers (§14)', () => {
  const rows: [string, number, number][] = [
    ['10.0.0.1', 39, 177],
    ['10.0.0.2', 137, 98],
    ['10.0.0.3', 235, 19],
    ['10.0.0.4', 77, 196],
    ['10.0.1.1', 240, 177],
    ['10.1.0.1', 174, 177],
    ['192.168.1.10', 248, 234],
    ['172.16.5.77', 108, 61],
  ];
  for (const [client, h32, legacy] of rows) {
    it(`${client}: hash_32 ${h32}, legacy ${legacy}`, () => {
      const x = ip(client).words[0] ?? 0;
      expect(bucketOf('hash32', x, 8)).toBe(h32);
      expect(bucketOf('legacy', x, 8)).toBe(legacy);
    });
  }
});

const CLIENTS = [
  '10.0.0.1',
  '10.0.0.2',
  '10.0.0.3',
  '10.0.0.4',
  '10.0.1.1',
  '10.1.0.1',
  '192.168.1.10',
  '172.16.5.77',
];

function countOf(table: readonly (Dest | null)[], f: Fixture): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of table) counts[f.name(d)] = (counts[f.name(d)] ?? 0) + 1;
  return counts;
}

describe('sh (§14 SH1–SH5)', () => {
  it('SH1: [A3, B1, C2] repeats A A A B C C over the 256 buckets', () => {
    const f = fixture([3, 1, 2]);
    const sh = new SourceHashing(f.svc, 'hash32');
    const table = sh.lookupTable();
    expect(table.slice(0, 12).map((d) => f.name(d))).toEqual(split('A A A B C C A A A B C C'));
    expect(countOf(table, f)).toEqual({ A: 129, B: 43, C: 84 });
  });

  it('SH1: client lookups, hash_32 and legacy', () => {
    const f = fixture([3, 1, 2]);
    const look = (variant: 'hash32' | 'legacy'): string[] => {
      const sh = new SourceHashing(f.svc, variant);
      return CLIENTS.map((c) => f.name(sh.schedule(f.svc, tcpPacket(c))));
    };
    expect(look('hash32')).toEqual(split('B C A C A A A A'));
    expect(look('legacy')).toEqual(split('B A A C B B A A'));
  });

  it('SH2: with C OVERLOADed, sh-fallback scans on; without it, the client fails', () => {
    const f = fixture([3, 1, 2]);
    (f.byName.get('C') as Dest).overloaded = true;
    const sh = new SourceHashing(f.svc, 'hash32');
    f.svc.schedFlags = SCHED_FLAG_1;
    expect(f.name(sh.schedule(f.svc, tcpPacket('10.0.0.2')))).toBe('A');
    expect(f.name(sh.schedule(f.svc, tcpPacket('10.0.0.4')))).toBe('A');
    f.svc.schedFlags = 0;
    expect(f.name(sh.schedule(f.svc, tcpPacket('10.0.0.2')))).toBe('fail');
    expect(f.name(sh.schedule(f.svc, tcpPacket('10.0.0.4')))).toBe('fail');
    const legacy = new SourceHashing(f.svc, 'legacy');
    f.svc.schedFlags = SCHED_FLAG_1;
    expect(f.name(legacy.schedule(f.svc, tcpPacket('10.0.0.4')))).toBe('A');
  });

  it('SH3: sh-port hashes the source port in', () => {
    const f = fixture([3, 1, 2], 3306, SCHED_FLAG_2);
    const ports = [40000, 40001, 40002, 40003];
    const h32 = new SourceHashing(f.svc, 'hash32');
    const legacy = new SourceHashing(f.svc, 'legacy');
    expect(ports.map((p) => f.name(h32.schedule(f.svc, tcpPacket('10.0.0.1', p))))).toEqual(split('C B C A'));
    expect(ports.map((p) => f.name(legacy.schedule(f.svc, tcpPacket('10.0.0.1', p))))).toEqual(
      split('A A C C'),
    );
  });

  it('SH4: an edit to weight 0 rebuilds the table (A A A B C)', () => {
    const f = fixture([3, 1, 2]);
    const sh = new SourceHashing(f.svc, 'hash32');
    (f.byName.get('C') as Dest).weight = 0;
    sh.onUpdate(f.svc);
    expect(countOf(sh.lookupTable(), f)).toEqual({ A: 154, B: 51, C: 51 });
  });

  it('SH5: weights beyond 256 buckets are truncated', () => {
    const big = fixture([100, 100, 100]);
    expect(countOf(new SourceHashing(big.svc, 'hash32').lookupTable(), big)).toEqual({
      A: 100,
      B: 100,
      C: 56,
    });
    const small = fixture([5, 3]);
    expect(countOf(new SourceHashing(small.svc, 'hash32').lookupTable(), small)).toEqual({ A: 160, B: 96 });
  });
});

describe('dh (§14 DH1)', () => {
  it('bucket i holds dest i mod 3; clients by hash_32 and legacy', () => {
    const f = fixture([1, 1, 1]);
    const dh = new DestinationHashing(f.svc, 'hash32');
    expect(
      dh
        .lookupTable()
        .slice(0, 6)
        .map((d) => f.name(d)),
    ).toEqual(split('A B C A B C'));
    const look = (s: DestinationHashing): string[] =>
      CLIENTS.map((daddr) => f.name(s.schedule(f.svc, tcpPacket('203.0.113.1', 40000, daddr))));
    expect(look(dh)).toEqual(split('A C B C A A C A'));
    expect(look(new DestinationHashing(f.svc, 'legacy'))).toEqual(split('A C B B A A A B'));
  });

  it('an edit does not rebuild the table (no upd_dest hook), a weight of 0 refuses', () => {
    const f = fixture([1, 1, 1]);
    const dh = new DestinationHashing(f.svc, 'hash32');
    (f.byName.get('A') as Dest).weight = 0;
    dh.onUpdate(f.svc, 'edit');
    expect(f.name(dh.schedule(f.svc, tcpPacket('203.0.113.1', 40000, '10.0.0.1')))).toBe('fail');
  });
});

describe('mh (§14 MH0–MH4, M = 4093)', () => {
  it('MH0: hsiphash (SipHash-1-3) vectors', () => {
    expect(hsiphashU32(MH_KEY1, 0)).toBe(0x1d5a77c2);
    expect(hsiphashU32(MH_KEY1, 1)).toBe(0x16ec66b2);
    expect(hsiphashU32(MH_KEY1, 0x0a000001)).toBe(0x03080ce4);
    expect(hsiphashU32(MH_KEY1, 0x0a000001) % MH_TABLE_SIZE).toBe(3711);
    expect(hsiphashU32(MH_KEY2, 0)).toBe(0xf882433f);
  });

  it('MH1: permutations, slot counts, the first slots and client lookups', () => {
    const f = fixture([1, 1, 1]);
    const perm = f.svc.dests.map((d) => [
      hsiphashU32(MH_KEY1, d.mhKey) % MH_TABLE_SIZE,
      (hsiphashU32(MH_KEY2, d.mhKey) % (MH_TABLE_SIZE - 1)) + 1,
    ]);
    expect(perm).toEqual([
      [129, 3044],
      [816, 3429],
      [1102, 2189],
    ]);
    const mh = new MaglevHashing(f.svc);
    const table = mh.lookupTable();
    expect(countOf(table, f)).toEqual({ A: 1365, B: 1364, C: 1364 });
    expect(table.slice(0, 12).map((d) => f.name(d))).toEqual(split('C B B B C C C C A C A B'));
    const clients = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.1.1', '192.168.1.10', '172.16.5.77'];
    expect(clients.map((c) => f.name(mh.schedule(f.svc, tcpPacket(c))))).toEqual(split('A B C B B A'));
    (f.byName.get('B') as Dest).overloaded = true;
    expect(clients.map((c) => f.name(mh.schedule(f.svc, tcpPacket(c))))).toEqual(
      split('A fail C fail fail A'),
    );
    f.svc.schedFlags = SCHED_FLAG_1;
    expect(clients.map((c) => f.name(mh.schedule(f.svc, tcpPacket(c))))).toEqual(split('A C C A A A'));
  });

  it('MH2: weights 3/2/1 claim slots in proportion; the six clients keep their dests', () => {
    const f = fixture([3, 2, 1]);
    const mh = new MaglevHashing(f.svc);
    expect(countOf(mh.lookupTable(), f)).toEqual({ A: 2047, B: 1364, C: 682 });
    const clients = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.1.1', '192.168.1.10', '172.16.5.77'];
    expect(clients.map((c) => f.name(mh.schedule(f.svc, tcpPacket(c))))).toEqual(split('A B C B B A'));
  });

  it('MH3: removing or adding a dest moves few other slots; list order matters a little', () => {
    const f = fixture([1, 1, 1]);
    const mh = new MaglevHashing(f.svc);
    const before = mh.lookupTable();
    const b = f.byName.get('B') as Dest;
    f.svc.dests.splice(1, 1);
    mh.onUpdate(f.svc);
    const without = mh.lookupTable();
    const moved = before.filter((d, i) => d !== b && without[i] !== d).length;
    expect(moved).toBe(4);
    f.svc.dests.splice(1, 0, b);
    const dAddr = ip('10.0.0.14');
    const d = new Dest(dAddr, 3306, '10.0.0.14:3306', 'test');
    d.weight = 1;
    d.lastWeight = 1;
    d.available = true;
    f.svc.dests.unshift(d);
    mh.onUpdate(f.svc);
    const withD = mh.lookupTable();
    expect(withD.filter((x) => x === d).length).toBe(1024);
    expect(before.filter((x, i) => withD[i] !== d && withD[i] !== x).length).toBe(7);
    // The spec says "4–5" without naming the order; over all 24 orders of these four dests the
    // difference ranges from 0 to 10 slots. The reversed list differs in 10.
    f.svc.dests.reverse();
    mh.onUpdate(f.svc);
    const reordered = mh.lookupTable();
    expect(withD.filter((x, i) => reordered[i] !== x).length).toBe(10);
  });

  it('MH4: weights 100 and 1 are shifted to 50 and 1 turns', () => {
    const f = fixture([100, 1]);
    expect(countOf(new MaglevHashing(f.svc).lookupTable(), f)).toEqual({ A: 4013, B: 80 });
  });

  it('an edit to weight 0 keeps the table (last_weight) and refuses the dest’s clients', () => {
    const f = fixture([1, 1, 1]);
    const mh = new MaglevHashing(f.svc);
    const before = mh.lookupTable();
    const a = f.byName.get('A') as Dest;
    a.weight = 0;
    mh.onUpdate(f.svc);
    expect(mh.lookupTable()).toEqual(before);
    expect(f.name(mh.schedule(f.svc, tcpPacket('10.0.0.1')))).toBe('fail');
  });
});

describe('twos (§14, distribution level)', () => {
  function distribution(weights: number[], draws: number): number[] {
    let s = 12345;
    const random32 = (): number => {
      // xorshift32: deterministic, uniform enough for a 2 % tolerance.
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return s >>> 0;
    };
    const f = fixture(weights);
    const twos = new WeightedTwoChoices(random32);
    const counts = weights.map(() => 0);
    for (let i = 0; i < draws; i++) {
      const d = twos.schedule(f.svc);
      const idx = d === null ? -1 : f.svc.dests.indexOf(d);
      counts[idx] = (counts[idx] ?? 0) + 1;
    }
    return counts.map((c) => c / draws);
  }

  it('[A3, B1] with equal loads picks A 4/5, B 1/5 (the head is favoured)', () => {
    const [a, b] = distribution([3, 1], 20_000);
    expect(a).toBeCloseTo(0.8, 1);
    expect(b).toBeCloseTo(0.2, 1);
  });

  it('[A1, B1, C1] picks A 2/4, B 1/4, C 1/4', () => {
    const [a, b, c] = distribution([1, 1, 1], 20_000);
    expect(Math.abs((a ?? 0) - 0.5)).toBeLessThan(0.02);
    expect(Math.abs((b ?? 0) - 0.25)).toBeLessThan(0.02);
    expect(Math.abs((c ?? 0) - 0.25)).toBeLessThan(0.02);
  });

  it('takes the less loaded of the two draws', () => {
    const f = fixture([1, 1]);
    const draws = [0, 0xffffffff];
    let i = 0;
    const twos = new WeightedTwoChoices(() => draws[i++ % 2] ?? 0);
    (f.byName.get('A') as Dest).activeConns = 5;
    expect(f.name(twos.schedule(f.svc))).toBe('B');
  });
});
