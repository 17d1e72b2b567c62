import { describe, expect, it } from 'vitest';
import { capacitiesFromWorkload, paramsFromWorkload } from '../../../analyzer/replay/from-workload.js';
import { generateTimeline } from '../../../analyzer/replay/generate.js';
import type { WorkloadModel } from '../../../analyzer/workload/model.js';

const start = Date.UTC(2025, 0, 1);
const model = {
  version: 1,
  pool: 'web',
  source: 'test',
  directors: ['lb1'],
  start,
  end: start + 3_600_000,
  observations: 60,
  intervalSeconds: 60,
  evidence: [],
  unknown: [],
  services: [
    {
      service: '192.0.2.10:80',
      flags: [],
      persistenceSeconds: 0,
      traffic: { visibility: 'inbound only' },
      arrivals: {
        meanPerSecond: 5,
        peakPerSecond: 8,
        peakToMean: 1.6,
        windowSeconds: 1800,
        windows: [
          { t: start, perSecond: 2 },
          { t: start + 1_800_000, perSecond: 8 },
        ],
        connections: 18_000,
      },
      servers: [
        {
          server: '10.0.0.1:80',
          weights: [2],
          arrivals: { meanPerSecond: 3, share: 0.6, connections: 10_800 },
          concurrency: { meanActive: 6, peakActive: 10, meanInactive: 300 },
          lifetime: { sampled: { meanSeconds: 2, connections: 500, shorterThanInterval: 400 } },
          capacity: { relative: { value: 1 }, evidence: 'pool-file', workers: 16 },
        },
        {
          server: '10.0.0.2:80',
          weights: [1],
          arrivals: { meanPerSecond: 2, share: 0.4, connections: 7200 },
          concurrency: { meanActive: 8, peakActive: 12, meanInactive: 200 },
          lifetime: { littleSeconds: { value: 4 } },
          capacity: { relative: { value: 0.5 }, evidence: 'lifetimes' },
        },
      ],
      clients: { distinct: 120, top: [{ client: '203.0.113.9', share: 0.3 }], source: 'sampled connections' },
    },
    {
      service: 'fwm:3',
      flags: [],
      persistenceSeconds: 0,
      traffic: { visibility: 'both' },
      arrivals: {
        meanPerSecond: 1,
        peakPerSecond: 1,
        peakToMean: 1,
        windowSeconds: 60,
        windows: [],
        connections: 3600,
      },
      servers: [],
    },
  ],
} as unknown as WorkloadModel;

describe('timeline from the workload model', () => {
  it('turns windows, per-server lifetimes and the client mix into generator parameters', () => {
    const { params, services, notes } = paramsFromWorkload(model, { seed: 4 });
    expect(services).toEqual(['192.0.2.10:80']);
    expect(notes.some((n) => n.startsWith('fwm:3: left out'))).toBe(true);
    const s = params.services[0];
    expect(s?.rate).toEqual([
      { startMs: 0, perSecond: 2 },
      { startMs: 1_800_000, perSecond: 8 },
    ]);
    // both lifetimes are the servers' speed: one pooled lifetime, each server's scale at pick time
    expect(s?.lifetimes.map((l) => l.lifetime)).toEqual([{ kind: 'exponential', meanMs: 2800 }]);
    expect(params.lifetimeScales?.map((l) => [l.service, l.server.addr.text, l.scale])).toEqual([
      [0, '10.0.0.1', 2 / 2.8],
      [0, '10.0.0.2', 4 / 2.8],
    ]);
    expect(s?.clients?.others?.count).toBe(119);
    const t = generateTimeline(params);
    expect(t.count).toBeGreaterThan(16_000);
    expect(t.count).toBeLessThan(20_000);
    expect(t.originMs).toBe(start);
    expect(t.keepaliveMs).toBe(60_000);
  });

  it('keeps lifetimes the clients set (pooled connections) a per-server mixture, unscaled', () => {
    const pooled = {
      ...model,
      services: model.services.map((svc) => ({
        ...svc,
        servers: svc.servers.map((d) => ({ ...d, lifetime: { ...d.lifetime, notEvidence: 'pooled' } })),
      })),
    };
    const { params } = paramsFromWorkload(pooled);
    expect(params.services[0]?.lifetimes.map((l) => l.lifetime)).toEqual([
      { kind: 'exponential', meanMs: 2000 },
      { kind: 'exponential', meanMs: 4000 },
    ]);
    expect(params.lifetimeScales).toBeUndefined();
  });

  it('takes capacities by server address', () => {
    expect(capacitiesFromWorkload(model)).toEqual({
      '10.0.0.1': { relative: 1, workers: 16 },
      '10.0.0.2': { relative: 0.5 },
    });
  });
});
