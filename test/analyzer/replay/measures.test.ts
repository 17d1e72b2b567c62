import { describe, expect, it } from 'vitest';
import { candidate } from '../../../analyzer/replay/candidate.js';
import { replayCandidate } from '../../../analyzer/replay/engine.js';
import { prepareTimeline } from '../../../analyzer/replay/events.js';
import {
  erlangC,
  measureCandidate,
  mmcWaitQuantile,
  mmcWaitTail,
  spread,
} from '../../../analyzer/replay/measures.js';
import { buildTimeline, type TimelineConnection } from '../../../analyzer/replay/timeline.js';
import { WEB, ip } from './support.js';

/** Erlang C from its closed form, with factorials (small c only). */
function erlangCDirect(c: number, a: number): number {
  let sum = 0;
  let term = 1;
  for (let k = 0; k < c; k++) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const top = ((term * a) / c) * (c / (c - a));
  return top / (sum + top);
}

describe('Erlang C and M/M/c waits', () => {
  it('M/M/1: P(wait) = ρ; M/M/2: P(wait) = 2ρ²/(1+ρ)', () => {
    expect(erlangC(1, 0.8)).toBeCloseTo(0.8, 12);
    expect(erlangC(2, 1.5)).toBeCloseTo((2 * 0.75 ** 2) / 1.75, 12); // 0.642857…
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
  });

  it('matches the closed form, and the call-centre table value C(10 Erlangs, 12 agents) ≈ 0.4494', () => {
    for (const [c, a] of [
      [5, 3],
      [10, 8],
      [12, 10],
      [20, 17.5],
    ] as const)
      expect(erlangC(c, a)).toBeCloseTo(erlangCDirect(c, a), 10);
    expect(erlangC(12, 10)).toBeCloseTo(0.4494, 3);
    expect(erlangC(4, 4)).toBe(1);
    expect(erlangC(4, 0)).toBe(0);
  });

  it('wait tail and quantiles: M/M/1 λ = 0.8, μ = 1 → P(W > t) = 0.8·e^{−0.2t}', () => {
    expect(mmcWaitTail(1, 0.8, 1, 5)).toBeCloseTo(0.8 * Math.exp(-1), 12);
    expect(mmcWaitQuantile(1, 0.8, 1, 0.99)).toBeCloseTo(Math.log(80) / 0.2, 9); // 21.91
    expect(mmcWaitQuantile(1, 0.8, 1, 0.1)).toBe(0); // 20 % never wait
    expect(mmcWaitQuantile(2, 2, 1, 0.99)).toBe(Infinity);
  });
});

describe('imbalance figures', () => {
  it('on hand-computed vectors', () => {
    expect(spread([1, 1, 1, 1])).toEqual({
      mean: 1,
      min: 1,
      max: 1,
      peakToMean: 1,
      minToMax: 1,
      cv: 0,
      jain: 1,
    });
    const one = spread([1, 0, 0, 0]);
    expect(one.jain).toBeCloseTo(0.25, 12);
    expect(one.cv).toBeCloseTo(Math.sqrt(3), 12);
    expect(one.peakToMean).toBe(4);
    expect(one.minToMax).toBe(0);
    const s = spread([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.cv).toBeCloseTo(Math.sqrt(1.25) / 2.5, 12); // 0.4472
    expect(s.jain).toBeCloseTo(100 / (4 * 30), 12); // 0.8333 = 1/(1+CV²)
    expect(s.jain).toBeCloseTo(1 / (1 + s.cv ** 2), 12);
    expect(s.peakToMean).toBe(1.6);
    expect(s.minToMax).toBe(0.25);
  });
});

describe('measures of a replay', () => {
  // One client opening a 1 s connection every 2 s for 100 s, round robin over two DR servers:
  // each server holds one connection for 1 s in every 4 s.
  const conns: TimelineConnection[] = [];
  for (let k = 0; k < 50; k++)
    conns.push({ startMs: k * 2000, lifetimeMs: 1000, client: 0, port: 40000 + 2 * k, service: 0 });
  const t = buildTimeline(
    {
      services: [{ key: WEB, target: { addr: WEB.addr, port: WEB.port } }],
      clients: [ip('203.0.113.1')],
      durationMs: 100_000,
    },
    conns,
  );
  const p = prepareTimeline(t);
  const cand = candidate(t, [
    {
      scheduler: 'rr',
      servers: [
        { server: '10.0.0.1:80', weight: 1 },
        { server: '10.0.0.2:80', weight: 1 },
      ],
    },
  ]);
  const r = replayCandidate(p, cand, { stepMs: 1000 });

  it('the series are time-weighted means per step: active 1 s in 4, then FIN_WAIT for 120 s', () => {
    expect(r.steps).toBe(100);
    const row = (d: number) => Array.from(r.active?.subarray(d * 100, d * 100 + 8) ?? []);
    // rr takes the head of the list first: the server added last (10.0.0.2) is server 1.
    expect(row(1)).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
    expect(row(0)).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
    // Lingering: 25 connections each, 120 s in FIN_WAIT, cut at 100 s.
    let inactive = 0;
    for (let b = 0; b < 100; b++) inactive += r.inactive?.[b] ?? 0;
    expect(inactive).toBeCloseTo(
      [...Array(25).keys()].reduce((s, k) => s + Math.min(120, 100 - (4 * k + 3)), 0),
      9,
    );
    expect(Array.from(r.conns)).toEqual([25, 25]);
  });

  it('utilisation is busy workers ÷ workers; imbalance across servers; time above 80 %/100 %', () => {
    const m = measureCandidate(t, r, {
      capacities: { '10.0.0.1': { relative: 1, workers: 1 }, '10.0.0.2': { relative: 0.5, workers: 1 } },
      windowMs: 100_000,
    });
    expect(m.servers.map((s) => s.server)).toEqual(['10.0.0.1', '10.0.0.2']);
    for (const s of m.servers) {
      expect(s.utilisationBasis).toBe('workers');
      expect(s.utilisation.mean).toBeCloseTo(0.25, 9);
      expect(s.utilisation.peak).toBe(1);
      expect(s.utilisation.peakToMean).toBeCloseTo(4, 9);
      expect(s.utilisation.above80Ms).toBe(25_000);
      expect(s.utilisation.above100Ms).toBe(0);
      expect(s.serviceTimeMs).toBe(1000);
      expect(s.connShare).toBe(0.5);
    }
    expect(m.newConnections.jain).toBe(1);
    expect(m.utilisation.jain).toBeCloseTo(1, 9);
    expect(m.peakUtilisation).toBe(1);
    // M/M/1 over one 100 s window: λ = 25/100 s, μ = 1/s → ρ = 0.25: P(wait) = 0.25 < 0.5, p99 finite.
    const q = m.servers[0]?.queue;
    expect(q?.model).toBe(
      "M/M/c (Erlang C), c = 1, offered load = the window's mean ActiveConn, per 100 s window",
    );
    expect(q?.waitP50Ms).toBe(0);
    expect(q?.waitP99Ms).toBeCloseTo(mmcWaitQuantile(1, 0.25 / 1000, 1 / 1000, 0.99), 3);
    expect(q?.overloadedWindows).toBe(0);
  });

  it('an overloaded window is reported as such, not as a number', () => {
    const m = measureCandidate(t, r, {
      capacities: { '10.0.0.1': { relative: 1, connsPerSecond: 0.2 }, '10.0.0.2': { relative: 1 } },
      windowMs: 10_000,
    });
    const [a, b] = m.servers;
    expect(a?.utilisationBasis).toBe('connsPerSecond');
    expect(a?.queue?.waitP99Ms).toBe('overloaded'); // λ = 0.25/s ≥ μ = 0.2/s in every window
    expect(a?.queue?.overloadedShare).toBe(1);
    expect(b?.utilisationBasis).toBe('relative');
    expect(b?.queue).toBeNull();
    expect(b?.utilisation.above80Ms).toBeNull();
  });
});
