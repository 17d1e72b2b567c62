/**
 * The benchmark's synthetic recording: a day of Poisson arrivals with a daily shape (hourly
 * windows, trough at 04:00, peak at 16:00 at 3× the trough), about 1,000,000 connections to
 * two services of six unequal real servers; mixed lifetimes (short requests, minute-long
 * sessions, hour-long pooled connections with keepalives), a few RSTs, NAT gateways among the
 * clients, and persistence on the second service.
 */
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { type IpAddr, parseIp } from '../../common/net/ip.js';
import { generateTimeline } from '../../analyzer/replay/generate.js';
import type { Timeline } from '../../analyzer/replay/timeline.js';
import type { ServerCapacity } from '../../analyzer/replay/measures.js';

const ip = (text: string): IpAddr => parseIp(text)!;

export const WEB: ServiceKey = { kind: 'addr', proto: 'tcp', addr: ip('192.0.2.10'), port: 443 };
export const APP: ServiceKey = { kind: 'addr', proto: 'tcp', addr: ip('192.0.2.11'), port: 8443 };

/** Relative speeds of the six real servers (two of each generation), and their worker pools. */
export const SPEEDS = [1, 1, 0.75, 0.75, 0.5, 0.5];
export const WORKERS = SPEEDS.map((s) => Math.round(160 * s));
export const SERVER_ADDRS = SPEEDS.map((_, i) => `10.1.0.${i + 1}`);

export function capacities(): ServerCapacity[] {
  return SPEEDS.map((relative, i) => ({ relative, workers: WORKERS[i] as number }));
}

export function benchTimeline(connections: number, seed = 2024): Timeline {
  const day = 86_400_000;
  const hourly = Array.from({ length: 24 }, (_, h) => 2 - Math.cos(((h - 4) / 24) * 2 * Math.PI));
  const sum = hourly.reduce((a, b) => a + b, 0);
  const perSecond = (share: number) =>
    hourly.map((w, h) => ({ startMs: h * 3_600_000, perSecond: ((connections * share) / 3600) * (w / sum) }));
  const lifetimes = [
    { weight: 85, lifetime: { kind: 'exponential', meanMs: 1500 } as const, rstShare: 0.02 },
    { weight: 14.5, lifetime: { kind: 'exponential', meanMs: 60_000 } as const, rstShare: 0.05 },
    {
      weight: 0.5,
      lifetime: { kind: 'empirical', valuesMs: [600_000, 1_800_000, 3_600_000, 7_200_000] } as const,
    },
  ];
  return generateTimeline({
    seed,
    durationMs: day,
    services: [
      { key: WEB, rate: perSecond(0.8), lifetimes },
      { key: APP, rate: perSecond(0.2), lifetimes },
    ],
    clients: {
      weighted: Array.from({ length: 8 }, (_, i) => ({ addr: ip(`203.0.113.${i + 1}`), weight: 4 })),
      others: { count: 50_000, weight: 68 },
    },
    keepaliveMs: 300_000,
  });
}
