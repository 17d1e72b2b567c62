/**
 * A history as the exporter would record one real server whose connections have known
 * lifetimes: a record every second (counters, ActiveConn, InActConn), and on every
 * `tableEvery`-th record the connection table (state counts and every entry sampled, one in 1),
 * entries ESTABLISHED while open and FIN_WAIT for the 120 s after the client's FIN, with the
 * remaining whole seconds the kernel prints. The fit sees only what a director would show.
 */
import { parseIp } from '../../../common/net/ip.js';
import type {
  ConnObservation,
  DestinationObservation,
  History,
  ServiceObservation,
} from '../../../analyzer/inputs/history/model.js';

export interface RecordedConnection {
  readonly openMs: number;
  readonly lifetimeMs: number;
}

export interface RecordingShape {
  readonly durationMs: number;
  readonly tableEvery: number;
  readonly connections: readonly RecordedConnection[];
  /** Without ipvsadm --stats counters (default: with). */
  readonly noCounters?: boolean;
}

const VIP = parseIp('192.0.2.80')!;
const SERVER = parseIp('10.0.0.1')!;
const CLIENT = parseIp('198.51.100.7')!;
const START = Date.UTC(2026, 0, 1);
const FIN_WAIT_MS = 120_000;
const ESTABLISHED_MS = 900_000;

/**
 * About `ratePerSecond` new connections a second, one in each 1/rate slot at a uniform place in
 * it (so opens fall anywhere between two records), with lifetimes from `lifetimeMs()`.
 */
export function steadyConnections(
  durationMs: number,
  ratePerSecond: number,
  u: () => number,
  lifetimeMs: () => number,
): RecordedConnection[] {
  const gap = 1000 / ratePerSecond;
  const out: RecordedConnection[] = [];
  for (let slot = 0; slot + gap <= durationMs; slot += gap)
    out.push({ openMs: Math.round(slot + gap * u()), lifetimeMs: Math.round(lifetimeMs()) });
  return out;
}

/** A deterministic stream of uniform [0, 1) numbers (a 32-bit LCG: tests need no better). */
export function uniforms(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

export function recordedHistory(shape: RecordingShape): History {
  const services: ServiceObservation[] = [];
  const dests: DestinationObservation[] = [];
  const conns: ConnObservation[] = [];
  const director = 'lb1';
  for (let r = 0, t = 0; t <= shape.durationMs; r++, t += 1000) {
    const at = START + t;
    let opened = 0;
    let active = 0;
    let inactive = 0;
    const table = r % shape.tableEvery === 0;
    for (const [k, c] of shape.connections.entries()) {
      if (c.openMs > t) break;
      opened++;
      const closed = c.openMs + c.lifetimeMs;
      const open = closed > t;
      if (!open && t - closed >= FIN_WAIT_MS) continue;
      if (open) active++;
      else inactive++;
      if (!table) continue;
      conns.push({
        t: at,
        director,
        client: CLIENT,
        clientPort: 20_000 + k,
        virtual: VIP,
        virtualPort: 80,
        remote: SERVER,
        remotePort: 80,
        state: open ? 'ESTABLISHED' : 'FIN_WAIT',
        expiresSeconds: Math.floor((open ? ESTABLISHED_MS : closed + FIN_WAIT_MS - t) / 1000),
      });
    }
    const counters = shape.noCounters
      ? undefined
      : {
          conns: opened,
          inPackets: 6 * opened,
          outPackets: 0,
          inBytes: 360 * opened,
          outBytes: 0,
        };
    services.push({
      t: at,
      director,
      scheduler: 'wrr',
      flags: [],
      persistenceSeconds: 0,
      ...(counters && { counters }),
    });
    dests.push({
      t: at,
      director,
      weight: 1,
      forward: 'route',
      activeConns: active,
      inactiveConns: inactive,
      ...(counters && { counters }),
      ...(table && { states: { ESTABLISHED: active, FIN_WAIT: inactive }, templates: 0 }),
    });
  }
  return {
    source: 'test recording',
    start: START,
    end: START + shape.durationMs,
    directors: [director],
    services: [
      {
        key: { kind: 'addr', proto: 'tcp', addr: VIP, port: 80 },
        observations: services,
        destinations: [{ addr: SERVER, port: 80, observations: dests }],
      },
    ],
    clientMix: [],
    connSample: { oneIn: 1, observations: conns },
    vrrp: [],
    notes: [],
  };
}
