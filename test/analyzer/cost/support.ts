/**
 * Service models for the cost tests, shaped as analyzer/workload/fit.ts builds them: the worked
 * illustration of modes-and-capacity.md §4 (λ = 500/s, 10 queries of 200 B, 8 KB results →
 * Pin 42, Pout 70, Bin ≈ 4.2 KB, Bout ≈ 83 KB) on a NAT pool of two MySQL servers.
 */
import type { ServerModel, ServiceModel, TrafficModel } from '../../../analyzer/workload/model.js';

/** 42 packets with 52-byte IP+TCP(timestamps) headers + 10 × 200 B queries. */
export const BIN = 42 * 52 + 10 * 200;
/** 70 packets × 52 B + 10 × 8 KiB results. */
export const BOUT = 70 * 52 + 10 * 8192;

export const MEAN_RATE = 500;
export const PEAK_RATE = 750;
/** Each connection lives 0.2 s, then lingers 120 s in TIME_WAIT/FIN_WAIT. */
const LIFETIME = 0.2;
const LINGER = 120;

export interface ExampleOptions {
  readonly forward?: string;
  readonly port?: number;
  readonly vip?: string;
  readonly traffic?: TrafficModel;
  readonly meanRate?: number;
  readonly peakActivePerServer?: number;
}

export function server(address: string, forward: string, rate: number, peakActive?: number): ServerModel {
  const share = 0.5;
  return {
    server: address,
    forward,
    weight: 1,
    weights: [1],
    arrivals: { meanPerSecond: rate * share, share, connections: Math.round(rate * share * 3600) },
    concurrency: {
      meanActive: rate * share * LIFETIME,
      peakActive: peakActive ?? Math.ceil(rate * share * LIFETIME * 2),
      meanInactive: rate * share * LINGER,
    },
    lifetime: { littleSeconds: { value: LIFETIME, ci95: [0.18, 0.22] } },
    stateMix: { ESTABLISHED: 0.002, TIME_WAIT: 0.998 },
  };
}

export function exampleService(o: ExampleOptions = {}): ServiceModel {
  const forward = o.forward ?? 'masq';
  const port = o.port ?? 3306;
  const rate = o.meanRate ?? MEAN_RATE;
  const both = forward === 'masq';
  const traffic: TrafficModel =
    o.traffic ??
    (both
      ? {
          inPacketsPerConn: 42,
          inBytesPerConn: BIN,
          outPacketsPerConn: 70,
          outBytesPerConn: BOUT,
          visibility: 'both',
        }
      : { inPacketsPerConn: 42, inBytesPerConn: BIN, visibility: 'inbound only' });
  const peak = rate === MEAN_RATE ? PEAK_RATE : rate * 1.5;
  return {
    service: o.vip ?? '172.16.1.18:3306',
    scheduler: 'wrr',
    flags: [],
    persistenceSeconds: 0,
    arrivals: {
      meanPerSecond: rate,
      peakPerSecond: peak,
      peakToMean: peak / rate,
      windows: [
        { t: 0, perSecond: rate * 0.5 },
        { t: 60_000, perSecond: peak },
      ],
      windowSeconds: 60,
      connections: rate * 3600,
    },
    servers: [
      server(`172.16.1.7:${port}`, forward, rate, o.peakActivePerServer),
      server(`172.16.1.51:${port}`, forward, rate, o.peakActivePerServer),
    ],
    traffic,
  };
}
