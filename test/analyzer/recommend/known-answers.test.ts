/**
 * Known answers on synthetic workloads (support.ts): two servers one twice as fast → weights ≈ 2:1
 * (or a least-connection scheduler, the numbers showing it); long-lived connections after a
 * server returns → lc/wlc rebalance, rr/wrr never do; sh with one client sending half the
 * connections → flagged with the alternative; an already balanced pool → keep it.
 */
import { describe, expect, it } from 'vitest';
import { recommend } from '../../../analyzer/recommend/engine.js';
import type { Recommendation, ServiceRecommendation } from '../../../analyzer/recommend/types.js';
import { syntheticModel } from './support.js';

const context = { resolvedHow: 'test', warnings: [] };

function only(r: Recommendation): ServiceRecommendation {
  expect(r.services).toHaveLength(1);
  return r.services[0] as ServiceRecommendation;
}

const ratio = (weights: readonly number[]) => (weights[0] as number) / (weights[1] as number);

describe('two servers, one twice as fast', () => {
  const model = syntheticModel({
    scheduler: 'wrr',
    perSecond: 40,
    minutes: 10,
    servers: [
      { addr: '10.0.0.1', weight: 1, relative: 1, workers: 16, lifetimeSeconds: 0.4 },
      { addr: '10.0.0.2', weight: 1, relative: 0.5, workers: 8, lifetimeSeconds: 0.4 },
    ],
  });

  it('recommends weights about 2:1 (or a least-connection scheduler) and shows the gain', async () => {
    const progress: [number, number][] = [];
    const s = only(await recommend(model, context, { onProgress: (d, t) => progress.push([d, t]) }));
    // The bar ends full: the total shrinks to what was replayed when the searches end early.
    const [done, total] = progress[progress.length - 1] as [number, number];
    expect(done).toBeGreaterThan(s.candidates.length);
    expect(total).toBe(done);
    expect(s.verdict).toBe('change');
    const rec = s.recommended.config;
    const weights = rec.servers.map((x) => x.weight);
    if (['wrr', 'wlc', 'sed', 'nq', 'mh', 'twos'].includes(rec.scheduler)) {
      expect(ratio(weights)).toBeGreaterThanOrEqual(1.6);
      expect(ratio(weights)).toBeLessThanOrEqual(2.5);
    } else expect(['lc', 'wlc', 'sed', 'nq']).toContain(rec.scheduler);
    // wrr 1:1 sends half the connections to the half-size server: ~2× the fast one's load.
    const slow = s.baseline.outcome.servers.find((x) => x.server === '10.0.0.2');
    const fast = s.baseline.outcome.servers.find((x) => x.server === '10.0.0.1');
    expect(slow!.meanUtilisation / fast!.meanUtilisation).toBeGreaterThan(1.7);
    expect(s.recommended.outcome.peakUtilisation).toBeLessThan(s.baseline.outcome.peakUtilisation * 0.9);
    expect(s.recommended.outcome.utilisation.jain).toBeGreaterThan(s.baseline.outcome.utilisation.jain);
    const peak = s.gains.find((g) => g.figure.startsWith('peak utilisation'));
    expect(peak?.improvement).toBeGreaterThan(0.1);
    // The capacity-proportional wrr is among the candidates, at 2:1.
    const wrr = s.candidates.find(
      (c) => c.config.scheduler === 'wrr' && c.weights === 'capacity-proportional',
    );
    expect(wrr?.config.servers.map((x) => x.weight)).toEqual([2, 1]);
    // The ready-to-apply lines change what the recommendation changes, and only that.
    expect(s.apply.ipvsadmEdits.length).toBeGreaterThan(0);
    for (const line of s.apply.ipvsadmEdits) expect(line).toMatch(/^ipvsadm -[Ee] -t 172\.16\.1\.18:3306 /);
  }, 120_000);
});

describe('an already balanced pool', () => {
  it('keeps the running configuration: no churn for a gain under --min-gain', async () => {
    const model = syntheticModel({
      scheduler: 'wlc',
      perSecond: 30,
      minutes: 10,
      servers: [
        { addr: '10.0.0.1', weight: 1, relative: 1, workers: 16, lifetimeSeconds: 0.3 },
        { addr: '10.0.0.2', weight: 1, relative: 1, workers: 16, lifetimeSeconds: 0.3 },
      ],
    });
    const s = only(await recommend(model, context));
    expect(s.verdict).toBe('keep');
    expect(s.recommended).toBe(s.baseline);
    expect(s.summary).toMatch(/^keep wlc 1:1/);
    expect(s.apply.ipvsadmEdits).toEqual([]);
    expect(s.explanations.join(' ')).toMatch(/weights do not matter/);
  }, 120_000);
});

describe('sh with one client sending half the connections', () => {
  it('is flagged, with a non-hashing alternative', async () => {
    const model = syntheticModel({
      scheduler: 'sh',
      perSecond: 30,
      minutes: 10,
      distinctClients: 40,
      clients: [{ client: '198.51.100.7', share: 0.5 }],
      servers: [
        { addr: '10.0.0.1', weight: 1, relative: 1, workers: 12, lifetimeSeconds: 0.4 },
        { addr: '10.0.0.2', weight: 1, relative: 1, workers: 12, lifetimeSeconds: 0.4 },
      ],
    });
    const s = only(await recommend(model, context));
    const w = s.warnings.find((x) => x.kind === 'hash-skewed-clients');
    expect(w?.message).toMatch(/198\.51\.100\.7 sends 50 %/);
    expect(w?.alternative).toMatch(/^(rr|wrr|lc|wlc|sed|nq|twos|fo|ovf|lblc|lblcr)\b/);
    // The replay shows it: the client's server carries at least half the load under sh.
    const shares = s.baseline.outcome.servers.map((x) => x.connectionShare);
    expect(Math.max(...shares)).toBeGreaterThanOrEqual(0.5);
    expect(s.verdict).toBe('change');
    expect(['sh', 'dh']).not.toContain(s.recommended.config.scheduler);
  }, 120_000);
});

describe('long-lived connections after a server returns', () => {
  it('lc/wlc rebalance the returning server, rr/wrr never do', async () => {
    const model = syntheticModel({
      scheduler: 'wrr',
      perSecond: 0.5,
      minutes: 40,
      servers: [
        { addr: '10.0.0.1', weight: 1, relative: 1, workers: 800, lifetimeSeconds: 20_000 },
        { addr: '10.0.0.2', weight: 1, relative: 1, workers: 800, lifetimeSeconds: 20_000 },
      ],
    });
    const r = await recommend(model, context, {
      whatif: [
        {
          kind: 'fail-return',
          server: '10.0.0.2',
          atSeconds: 900,
          untilSeconds: 1200,
          description: '10.0.0.2 fails and returns',
        },
      ],
    });
    const s = only(r);
    const w = s.whatif[0];
    const wrr = w?.runs.find((x) => x.name === 'wrr 1:1');
    const wlc = w?.runs.find((x) => x.name === 'wlc 1:1');
    expect(wrr?.connectionsMoved).toBeGreaterThan(100);
    expect(wrr?.secondsUntilBalanced).toBeNull();
    expect(wlc?.secondsUntilBalanced).not.toBeNull();
    expect(wlc!.firstMinuteConnections!).toBeGreaterThan(wrr!.firstMinuteConnections!);
    expect(w?.findings.join('\n')).toMatch(/only new connections are scheduled/);
  }, 180_000);
});

describe('what the evidence and the pool can make wrong', () => {
  it('warns about thin evidence, a server too slow to matter, and bounds a huge history', async () => {
    const model = syntheticModel({
      scheduler: 'wrr',
      perSecond: 1000,
      minutes: 60,
      servers: [
        { addr: '10.0.0.1', weight: 1, relative: 1, workers: 64, lifetimeSeconds: 0.02 },
        { addr: '10.0.0.2', weight: 1, relative: 0.03, workers: 2, lifetimeSeconds: 0.02 },
      ],
    });
    const r = await recommend(model, context, { maxConnections: 5000, searchBudget: 4 });
    expect(r.evidence.timeline.connections).toBeLessThanOrEqual(5000);
    expect(r.evidence.timeline.connections).toBeGreaterThan(4000);
    expect(r.evidence.notes.join('\n')).toMatch(
      /would replay as ~3600000 connections: replayed its first \d s/,
    );
    const s = only(r);
    expect(s.warnings.find((w) => w.kind === 'server-too-slow')?.message).toMatch(
      /^10\.0\.0\.2 has 2\.9 % of the pool's capacity/,
    );
    const thin = syntheticModel({
      scheduler: 'wlc',
      perSecond: 1,
      minutes: 2,
      servers: [
        { addr: '10.0.0.1', weight: 1, relative: 1, workers: 4, lifetimeSeconds: 0.2 },
        { addr: '10.0.0.2', weight: 1, relative: 1, workers: 4, lifetimeSeconds: 0.2 },
      ],
    });
    const t = await recommend(thin, context, { searchBudget: 2 });
    expect(t.warnings[0]?.message).toMatch(
      /^thin evidence: 12 records .*a 120 s window .*120 new connections/,
    );
  }, 120_000);
});

describe('a hash scheduler when a server fails', () => {
  it('mh remaps about the failed server’s share of clients, sh about twice that', async () => {
    const shares: Record<string, number | undefined> = {};
    for (const scheduler of ['mh', 'sh']) {
      const model = syntheticModel({
        scheduler,
        perSecond: 20,
        minutes: 10,
        distinctClients: 600,
        servers: ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((addr) => ({
          addr,
          weight: 1,
          relative: 1,
          workers: 16,
          lifetimeSeconds: 0.5,
        })),
      });
      const r = await recommend(model, context, {
        searchBudget: 2,
        whatif: [
          { kind: 'fail-return', server: '10.0.0.2', atSeconds: 200, untilSeconds: 400, description: 'fail' },
        ],
      });
      const run = only(r).whatif[0]?.runs.find((x) => x.scheduler === scheduler);
      shares[scheduler] = run?.remappedShare;
      expect(only(r).whatif[0]?.findings.join('\n')).toMatch(
        /changed server while it was down \(the least possible: about 33 %\)/,
      );
    }
    expect(shares.mh).toBeGreaterThan(0.3);
    expect(shares.mh).toBeLessThan(0.4);
    expect(shares.sh).toBeGreaterThan(0.55);
  }, 120_000);
});

describe('a service the timeline cannot address', () => {
  it('is left out with the reason, not a crash', async () => {
    const m = syntheticModel({
      scheduler: 'wlc',
      perSecond: 5,
      minutes: 2,
      servers: [{ addr: '10.0.0.1', weight: 1, relative: 1, workers: 4, lifetimeSeconds: 0.2 }],
    });
    const fwmark = { ...m, services: m.services.map((s) => ({ ...s, service: 'fwm:3' })) };
    const r = await recommend(fwmark, context);
    expect(r.services).toEqual([]);
    expect(r.evidence.notes.join('\n')).toMatch(
      /fwm:3: left out \(a firewall-mark service needs fwmarkTargets/,
    );
  });
});
