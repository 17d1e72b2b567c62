/**
 * Synthetic workload models for the recommender's known-answer tests: one service, its servers
 * with a relative capacity (and workers from a pools-file-like capacity), their lifetimes, the
 * arrival rate and the client mix — the shape fitWorkload produces from a recording.
 */
import type { ServerModel, WorkloadModel } from '../../../analyzer/workload/model.js';

export const START = Date.UTC(2026, 0, 5, 9);

export interface SyntheticServer {
  readonly addr: string;
  readonly weight: number;
  /** Relative speed (fastest = 1). */
  readonly relative: number;
  /** Absolute size (connections served at once). */
  readonly workers?: number;
  readonly lifetimeSeconds: number;
}

export interface SyntheticPool {
  readonly scheduler: string;
  readonly flags?: readonly string[];
  readonly persistenceSeconds?: number;
  readonly perSecond: number;
  readonly minutes: number;
  readonly servers: readonly SyntheticServer[];
  /** Named clients and their shares; the rest of the traffic from `others` clients. */
  readonly clients?: readonly { readonly client: string; readonly share: number }[];
  readonly distinctClients?: number;
  readonly vip?: string;
  readonly port?: number;
}

export function syntheticModel(p: SyntheticPool): WorkloadModel {
  const port = p.port ?? 3306;
  const duration = p.minutes * 60_000;
  const total = p.perSecond * p.minutes * 60;
  const share = 1 / p.servers.length;
  const servers: ServerModel[] = p.servers.map((s) => ({
    server: `${s.addr}:${port}`,
    forward: 'route',
    weight: s.weight,
    weights: [s.weight],
    arrivals: { meanPerSecond: p.perSecond * share, share, connections: Math.round(total * share) },
    concurrency: {
      meanActive: p.perSecond * share * s.lifetimeSeconds,
      peakActive: p.perSecond * share * s.lifetimeSeconds * 1.3,
      meanInactive: 0,
    },
    lifetime: { littleSeconds: { value: s.lifetimeSeconds } },
    capacity: {
      relative: { value: s.relative },
      evidence: s.workers !== undefined ? 'pool-file' : 'lifetimes',
      ...(s.workers !== undefined && { workers: s.workers }),
    },
  }));
  const top = p.clients ?? [];
  return {
    version: 1,
    pool: 'mysql',
    source: 'synthetic test workload',
    directors: ['lb1'],
    start: START,
    end: START + duration,
    observations: p.minutes * 6,
    intervalSeconds: 10,
    evidence: [],
    unknown: [],
    services: [
      {
        service: `${p.vip ?? '172.16.1.18'}:${port}`,
        scheduler: p.scheduler,
        flags: p.flags ?? [],
        persistenceSeconds: p.persistenceSeconds ?? 0,
        arrivals: {
          meanPerSecond: p.perSecond,
          peakPerSecond: p.perSecond,
          peakToMean: 1,
          windowSeconds: 60,
          windows: [{ t: START, perSecond: p.perSecond }],
          connections: total,
        },
        servers,
        clients: {
          distinct: p.distinctClients ?? 500,
          top: [...top],
          source: 'sampled connections',
        },
        traffic: { visibility: 'inbound only' },
      },
    ],
  };
}
