/**
 * Two real servers at 50 ms and 100 ms service time under wrr 1:1 (DR), recorded on the real
 * kernel: the lifetime ratio, hence the capacity ratio, the model fits against the one the
 * clients' logs give (not the nominal 2: TCG adds a per-connection overhead to both).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { paramsFromWorkload } from '../../../analyzer/replay/from-workload.js';
import { type Recording, loadRecording } from './fixture.js';

const FAST = '10.10.1.1';
const SLOW = '10.10.1.2';
let rec: Recording;

beforeAll(async () => {
  rec = await loadRecording('two-speeds', 'tcp:10.10.0.80:80');
});

describe('two-speeds recording', () => {
  it('fits the capacity ratio the logs give, within ±15 %, and its interval holds it', () => {
    const truth = rec.truth.lifetimeRatio;
    expect(truth?.slowest).toBe(SLOW);
    const ratio = rec.service.capacityRatio;
    expect(ratio).toBeDefined();
    expect(Math.abs(ratio!.value / truth!.value - 1)).toBeLessThanOrEqual(0.15);
    expect(ratio!.ci95![0]).toBeLessThanOrEqual(truth!.value);
    expect(ratio!.ci95![1]).toBeGreaterThanOrEqual(truth!.value);
    // the slow server is the one given the lower capacity
    expect(rec.server(SLOW).capacity?.relative.value).toBeLessThan(1);
    expect(rec.server(FAST).capacity?.relative.value).toBe(1);
    expect(rec.server(SLOW).capacity?.evidence).toBe('lifetimes');
  });

  it("puts each server's true lifetime inside its Little's-law interval", () => {
    for (const addr of [FAST, SLOW]) {
      const little = rec.server(addr).lifetime.littleSeconds;
      const trueSeconds = rec.truth.servers[addr]!.lifetimeMs / 1000;
      expect(little?.ci95?.[0]).toBeLessThanOrEqual(trueSeconds);
      expect(little?.ci95?.[1]).toBeGreaterThanOrEqual(trueSeconds);
    }
  });

  it("gives the replay each server's true lifetime within 10 %, and their ratio within 15 %", () => {
    // one pooled lifetime, each server's scale applied when the replay picks it
    const { params } = paramsFromWorkload(rec.model);
    const pooled = params.services[0]!.lifetimes.map((l) =>
      l.lifetime.kind === 'exponential' ? l.lifetime.meanMs : NaN,
    );
    expect(pooled).toHaveLength(1);
    const servers = rec.service.servers.map((s) => s.server.split(':')[0]!);
    const drawn = servers.map(
      (addr) => pooled[0]! * (params.lifetimeScales?.find((l) => l.server.addr.text === addr)?.scale ?? NaN),
    );
    const truthMs = servers.map((addr) => rec.truth.servers[addr]!.lifetimeMs);
    drawn.forEach((ms, i) => expect(Math.abs(ms / truthMs[i]! - 1)).toBeLessThanOrEqual(0.1));
    const ratio = drawn[servers.indexOf(SLOW)]! / drawn[servers.indexOf(FAST)]!;
    expect(Math.abs(ratio / rec.truth.lifetimeRatio!.value - 1)).toBeLessThanOrEqual(0.15);
    for (const addr of [FAST, SLOW]) expect(rec.server(addr).lifetime.chosen?.from).toBe('little');
  });

  it('splits new connections as wrr 1:1 did', () => {
    expect(rec.service.scheduler).toBe('wrr');
    for (const addr of [FAST, SLOW]) {
      const model = rec.server(addr);
      expect(model.weight).toBe(1);
      expect(model.forward).toBe('route');
      expect(model.arrivals.share).toBeCloseTo(rec.truth.servers[addr]!.share, 1);
    }
    // connections the director counted against those the clients opened (the capture also
    // holds a second before and three after the load)
    const counted = rec.service.arrivals.connections;
    const opened = rec.truth.servers[FAST]!.connections + rec.truth.servers[SLOW]!.connections;
    expect(Math.abs(counted / opened - 1)).toBeLessThan(0.03);
  });
});
