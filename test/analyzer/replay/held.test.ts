/**
 * Held (pooled) connections: the generator opens them as recorded beside the Poisson arrivals,
 * the engine schedules them like any other (the same picks as simulate) and keeps their series
 * apart, and the queue model counts them as workers held, not as requests.
 */
import { describe, expect, it } from 'vitest';
import { candidate, directorSettings } from '../../../analyzer/replay/candidate.js';
import { replayCandidate } from '../../../analyzer/replay/engine.js';
import { prepareTimeline } from '../../../analyzer/replay/events.js';
import { type GeneratorParams, generateTimeline } from '../../../analyzer/replay/generate.js';
import { measureCandidate } from '../../../analyzer/replay/measures.js';
import { toTrace } from '../../../analyzer/replay/timeline.js';
import { replayText } from '../replay-helpers.js';
import { WEB, impliedRows, ip } from './support.js';

const DURATION = 10 * 60_000;
const base: GeneratorParams = {
  seed: 5,
  durationMs: DURATION,
  services: [
    {
      key: WEB,
      rate: [{ startMs: 0, perSecond: 4 }],
      lifetimes: [{ weight: 1, lifetime: { kind: 'exponential', meanMs: 200 } }],
      clients: { others: { count: 50, weight: 1 } },
    },
  ],
  keepaliveMs: 20_000,
};
const POOLS = [
  { addr: ip('203.0.113.21'), count: 6, openMs: 0, heldMs: DURATION },
  { addr: ip('203.0.113.22'), count: 4, openMs: 2_500, heldMs: 400_000 },
];
const withPools: GeneratorParams = {
  ...base,
  services: [{ ...base.services[0]!, held: POOLS }],
};
const plain = generateTimeline(base);
const pooled = generateTimeline(withPools);

const cand = (scheduler: 'lc' | 'wrr', persistenceS: number | null) =>
  candidate(
    pooled,
    [
      {
        scheduler,
        persistenceS,
        servers: [
          { server: '10.0.0.1:80', weight: 1, forward: 'route' as const },
          { server: '10.0.0.2:80', weight: 1, forward: 'route' as const },
        ],
      },
    ],
    { name: scheduler, timeouts: { tcpS: 900, tcpFinS: 20, udpS: 300 } },
  );

describe('held connections', () => {
  it('are opened as recorded, flagged, beside the same Poisson arrivals', () => {
    expect(plain.held).toBeUndefined();
    expect(pooled.count).toBe(plain.count + 10);
    const held: { start: number; life: number; client: string }[] = [];
    const others: { start: number; life: number }[] = [];
    for (let c = 0; c < pooled.count; c++) {
      const row = { start: pooled.startMs[c]!, life: pooled.lifetimeMs[c]! };
      if (pooled.held![c] === 1) held.push({ ...row, client: pooled.clients[pooled.client[c]!]!.text });
      else others.push(row);
    }
    expect(held).toEqual([
      ...[0, 1, 2, 3, 4, 5].map((i) => ({ start: i, life: DURATION - i, client: '203.0.113.21' })),
      ...[0, 1, 2, 3].map((i) => ({ start: 2500 + i, life: 400_000, client: '203.0.113.22' })),
    ]);
    const plainRows = Array.from(plain.startMs, (start, c) => ({ start, life: plain.lifetimeMs[c]! }));
    expect(others).toEqual(plainRows);
  });

  it.each([
    ['lc', null],
    ['wrr', 30],
  ] as const)('%s (persistence %s): the same picks as simulate', async (scheduler, persistence) => {
    const c = cand(scheduler, persistence);
    const r = replayCandidate(prepareTimeline(pooled), c, { stepMs: 0 });
    const settings = directorSettings(c);
    const sim = await replayText(toTrace(pooled, c), {
      hashVariant: settings.hashVariant,
      seed: settings.seed,
    });
    const expected = impliedRows(pooled, r);
    expect(sim.rows.map((x) => `${x.timeMs} ${x.realServer}`)).toEqual(
      expected.map((x) => `${x.timeMs} ${x.realServer}`),
    );
  });

  it('are kept apart in the series: open where they were picked, for their lifetime', () => {
    const r = replayCandidate(prepareTimeline(pooled), cand('lc', null), { stepMs: 1000 });
    const { held, steps } = r;
    expect(held).not.toBeNull();
    const expected = new Float64Array(2 * steps);
    const arrivals = new Uint32Array(2 * steps);
    for (let c = 0; c < pooled.count; c++) {
      if (pooled.held![c] !== 1) continue;
      const g = r.picks![c]!;
      const from = pooled.startMs[c]!;
      const to = Math.min(DURATION, from + pooled.lifetimeMs[c]!);
      arrivals[g * steps + Math.floor(from / 1000)]! += 1;
      for (let b = 0; b < steps; b++)
        expected[g * steps + b]! +=
          Math.max(0, Math.min(to, (b + 1) * 1000) - Math.max(from, b * 1000)) / 1000;
    }
    held!.active.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 9));
    expect(Array.from(held!.arrivals)).toEqual(Array.from(arrivals));
    // ActiveConn counts them too: never below the held ones.
    r.active!.forEach((v, k) => expect(v).toBeGreaterThanOrEqual(held!.active[k]! - 1e-9));
    // Without persistence lc spreads the ten connections one by one: five each.
    expect([0, 1].map((g) => held!.active[g * steps + 100]!)).toEqual([5, 5]);
  });

  it('hold workers: requests queue for the ones they leave', () => {
    const r = replayCandidate(prepareTimeline(pooled), cand('lc', null), { stepMs: 1000 });
    const measure = (workers: number) =>
      measureCandidate(pooled, r, {
        capacities: {
          '10.0.0.1': { relative: 1, workers },
          '10.0.0.2': { relative: 1, workers },
        },
      }).servers;
    // 6 workers, 5 held: one left to requests (an offered load of about 0.4), so some wait.
    const six = measure(6);
    expect(six[0]!.queue!.model).toMatch(/less the workers pooled connections hold$/);
    for (const s of six) expect(s.queue!.waitP99Ms).toBeGreaterThan(0);
    // With every worker held, requests have none: overloaded, not a number.
    expect(measure(5).map((s) => s.queue!.waitP99Ms)).toEqual(['overloaded', 'overloaded']);
    // Plenty of workers: no wait.
    expect(measure(40).map((s) => s.queue!.waitP99Ms)).toEqual([0, 0]);
  });
});
