/**
 * Shared by the replay tests: generated timelines that exercise the kernel rules the lean
 * engine must reproduce (lifetimes across every expiry timer, port reuse inside the director's
 * linger, RSTs, persistence, thresholds), and the comparison of the engine's picks with the
 * rows `simulate` prints for the same timeline's trace.
 */
import { ipv4Addr, parseIp, type IpAddr } from '../../../common/net/ip.js';
import { seededRandom32 } from '../../../analyzer/kernel/random.js';
import type { ServiceKey } from '../../../common/ipvs/vocabulary.js';
import type { ConnectionRow } from '../../../analyzer/replay/trace-replay.js';
import { type Candidate, directorSettings } from '../../../analyzer/replay/candidate.js';
import { replayCandidate, type ReplayResult } from '../../../analyzer/replay/engine.js';
import type { PreparedTimeline } from '../../../analyzer/replay/events.js';
import { generateTimeline, type GeneratorParams } from '../../../analyzer/replay/generate.js';
import {
  CLOSE_FIN,
  CLOSE_RST,
  type Timeline,
  type TimelineConnection,
  buildTimeline,
  toTrace,
} from '../../../analyzer/replay/timeline.js';
import { replayText } from '../replay-helpers.js';

export function ip(text: string): IpAddr {
  const a = parseIp(text);
  if (!a) throw new Error(text);
  return a;
}

export const WEB: AddrKey = { kind: 'addr', proto: 'tcp', addr: ip('192.0.2.10'), port: 80 };
export const API: AddrKey = { kind: 'addr', proto: 'tcp', addr: ip('192.0.2.11'), port: 443 };
export const MARK: ServiceKey = { kind: 'fwmark', mark: 7, family: 4 };

type AddrKey = Extract<ServiceKey, { kind: 'addr' }>;

/**
 * About `perSecond`·`minutes`·60 connections over three services. Lifetimes: short and medium
 * exponential ones, and exact values on the timeouts the tests set (--set 60 20: ESTABLISHED
 * 60 s, FIN_WAIT 20 s; TIME_WAIT 120 s, CLOSE 10 s, persistence 120 s), so that expiries fall in
 * the same ms as other events and timers. Heavy clients reuse ports within the linger (a
 * 128-port range and a 2 s client TIME_WAIT); one connection in ten ends with an RST.
 */
export function testTimeline(
  seed: number,
  over: Partial<GeneratorParams> = {},
  minutes = 30,
  perSecond = 4,
): Timeline {
  const lifetimes = [
    { weight: 55, lifetime: { kind: 'exponential', meanMs: 4000 } as const, rstShare: 0.1 },
    { weight: 25, lifetime: { kind: 'exponential', meanMs: 45_000 } as const, rstShare: 0.1 },
    {
      weight: 20,
      lifetime: {
        kind: 'empirical',
        valuesMs: [
          0, 1, 59_999, 60_000, 60_001, 100_000, 110_000, 119_999, 120_000, 180_000, 300_000, 900_000,
        ],
      } as const,
      rstShare: 0.1,
    },
  ];
  const durationMs = minutes * 60_000;
  const shape = (k: number) => [
    { startMs: 0, perSecond: perSecond * k },
    { startMs: durationMs / 3, perSecond: perSecond * k * 2 },
    { startMs: (2 * durationMs) / 3, perSecond: perSecond * k * 0.5 },
  ];
  return generateTimeline({
    seed,
    durationMs,
    services: [
      { key: WEB, rate: shape(0.5), lifetimes },
      { key: API, rate: shape(0.3), lifetimes },
      { key: MARK, target: { addr: ip('192.0.2.12'), port: 8080 }, rate: shape(0.2), lifetimes },
    ],
    clients: {
      weighted: [
        { addr: ip('203.0.113.1'), weight: 20 },
        { addr: ip('203.0.113.2'), weight: 10 },
        { addr: ip('203.0.113.77'), weight: 5 },
        { addr: ip('203.0.114.9'), weight: 5 },
      ],
      others: { count: 400, weight: 60, base: ip('198.51.100.1') },
    },
    portRange: [40000, 40127],
    clientTimeWaitMs: 2000,
    ...over,
  });
}

export interface Difference {
  readonly rows: number;
  readonly expected: number;
  readonly first: string | null;
}

/** The simulate rows the engine's result implies: one per connection that did not join an entry. */
export function impliedRows(t: Timeline, r: ReplayResult): ConnectionRow[] {
  const rows: ConnectionRow[] = [];
  const picks = r.picks as Int32Array;
  const joined = r.joined as Uint8Array;
  for (let c = 0; c < t.count; c++) {
    if (joined[c] === 1) continue;
    const a = t.clients[t.client[c] as number] as IpAddr;
    const svc = t.services[t.service[c] as number];
    if (!svc) throw new Error('service');
    const g = picks[c] as number;
    rows.push({
      timeMs: t.startMs[c] as number,
      proto: 'tcp',
      client: a.family === 6 ? `[${a.text}]:${t.port[c]}` : `${a.text}:${t.port[c]}`,
      service: svc.key.kind === 'fwmark' ? `fwm:${svc.key.mark}` : `${svc.key.addr.text}:${svc.key.port}`,
      realServer: g < 0 ? '-' : (r.servers[g]?.label ?? '?'),
    });
  }
  return rows;
}

export interface Comparison {
  readonly result: ReplayResult;
  readonly rows: number;
  readonly mismatches: number;
  readonly first: string | null;
  readonly counters: string | null;
}

/** Runs the engine and simulate (in process, through the trace text) and compares every pick. */
export async function compareWithSimulate(p: PreparedTimeline, cand: Candidate): Promise<Comparison> {
  const t = p.timeline;
  const result = replayCandidate(p, cand, { stepMs: 0 });
  const s = directorSettings(cand);
  const sim = await replayText(toTrace(t, cand, p), { hashVariant: s.hashVariant, seed: s.seed });
  const expected = impliedRows(t, result);
  let mismatches = Math.abs(expected.length - sim.rows.length);
  let first: string | null = null;
  const n = Math.min(expected.length, sim.rows.length);
  for (let i = 0; i < n; i++) {
    const a = expected[i] as ConnectionRow;
    const b = sim.rows[i] as ConnectionRow;
    if (
      a.timeMs !== b.timeMs ||
      a.client !== b.client ||
      a.service !== b.service ||
      a.realServer !== b.realServer
    ) {
      mismatches++;
      first ??= `row ${i}: engine ${JSON.stringify(a)} simulate ${JSON.stringify(b)}`;
    }
  }
  if (first === null && expected.length !== sim.rows.length)
    first = `engine implies ${expected.length} rows, simulate printed ${sim.rows.length}`;
  // The counters after the last line, as `simulate --format json` reports them.
  const simCounters = new Map<string, string>();
  for (const svc of sim.replay.counters())
    for (const d of svc.destinations)
      simCounters.set(
        `${svc.service} ${d.realServer}`,
        `${d.activeConns}/${d.inactiveConns}/${d.persistentConns}`,
      );
  let counters: string | null = null;
  result.servers.forEach((srv, g) => {
    const ts = t.services[srv.service];
    if (!ts) return;
    const svcLabel = ts.key.kind === 'fwmark' ? `fwm:${ts.key.mark}` : `${ts.key.addr.text}:${ts.key.port}`;
    const e = result.endCounters[g];
    const mine = e ? `${e.active}/${e.inactive}/${e.persistent}` : '?';
    const dLabel = `${srv.server.addr.text}:${srv.server.port}`;
    const theirs = simCounters.get(`${svcLabel} ${dLabel}`);
    if (counters === null && theirs !== mine)
      counters = `${svcLabel} ${dLabel}: engine ${mine} simulate ${theirs}`;
  });
  return { result, rows: sim.rows.length, mismatches, first, counters };
}

/**
 * Persistence timers on a 10 s grid: 600 clients of WEB, four connections each at multiples of
 * 10 s with lifetimes of 0–120 s, so templates (timeouts 60 s and 120 s, re-armed for 60 s while
 * a connection still lingers) fire in the same ms as their connections' entries. Which fires
 * first decides whether the next connection keeps the server or is scheduled anew.
 */
export function tieTimeline(seed: number): Timeline {
  const r = seededRandom32(seed);
  const conns: TimelineConnection[] = [];
  const clients: IpAddr[] = [];
  for (let k = 0; k < 600; k++) {
    clients.push(ipv4Addr(0xcb007100 + k));
    const base = k * 7000;
    for (let j = 0; j < 4; j++) {
      conns.push({
        startMs: base + (r() % 40) * 10_000,
        lifetimeMs: [0, 10_000, 50_000, 60_000, 100_000, 110_000, 120_000][r() % 7] as number,
        client: k,
        port: 40000 + j,
        service: 0,
        close: r() % 5 === 0 ? CLOSE_RST : CLOSE_FIN,
      });
    }
  }
  return buildTimeline(
    { services: [{ key: WEB, target: { addr: WEB.addr, port: WEB.port } }], clients },
    conns,
  );
}
