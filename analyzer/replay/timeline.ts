/**
 * The connection timeline the recommender replays: what clients do, independent of any director
 * configuration. Columnar and compact (typed arrays, one entry per connection), so a million
 * connections take about 23 MB and cross to worker threads once.
 *
 * Per connection: when its SYN arrives, how long the client keeps it open (SYN → the client's FIN
 * or RST), which client address and port it comes from, which virtual service it goes to, and how
 * it ends. A connection's handshake ACK arrives in the same millisecond as its SYN; with
 * `keepaliveMs` the client also sends an ACK every `keepaliveMs` while the connection is open (as
 * any connection carrying traffic does), which keeps the director's entry from expiring in
 * ESTABLISHED. Without it (0) the entry sees no packet between the handshake and the close, as
 * in a trace of syn/est/fin events, and a connection open longer than the ESTABLISHED timeout
 * (900 s) is expired by the director before its close.
 */
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import type { Endpoint, IpAddr } from '../../common/net/ip.js';
import { type Candidate, candidateCommands, ipvsadmLine, sysctlLines } from './candidate.js';
import { EV_ARRIVAL, EV_KEEPALIVE, type PreparedTimeline, prepareTimeline } from './events.js';

/** How a connection ends: the client's FIN (normal close) or an RST. */
export const CLOSE_FIN = 0;
export const CLOSE_RST = 1;

export interface TimelineService {
  readonly key: ServiceKey;
  /**
   * Where the clients' packets go: the service's own address and port, or, for a firewall-mark
   * service, the address and port the marked packets are sent to (they also carry the mark).
   */
  readonly target: Endpoint;
}

export interface Timeline {
  readonly services: readonly TimelineService[];
  /** Client addresses; `client` indexes this table. */
  readonly clients: readonly IpAddr[];
  readonly count: number;
  /** SYN time, whole ms from the timeline's origin, non-decreasing. */
  readonly startMs: Float64Array;
  /** Client-side lifetime (SYN → FIN or RST), whole ms ≥ 0. */
  readonly lifetimeMs: Float64Array;
  readonly client: Uint32Array;
  readonly port: Uint16Array;
  readonly service: Uint16Array;
  /** CLOSE_FIN or CLOSE_RST. */
  readonly close: Uint8Array;
  /**
   * Per connection, 1 for a pooled connection opened and held as recorded (its lifetime is the
   * client's): scheduled like any other, but the measures count it as a worker held, not as a
   * request (absent: none is).
   */
  readonly held?: Uint8Array;
  /** Client ACK every this many ms while open; 0 = no packet between the handshake and the close. */
  readonly keepaliveMs: number;
  /** Length of the observed period (≥ the last SYN); the replay's series cover [0, durationMs). */
  readonly durationMs: number;
  /** Epoch ms of time 0, when the timeline comes from a recording (informative only). */
  readonly originMs?: number;
  /**
   * How much longer than drawn a real server holds its connections (its lifetime ÷ the pool's
   * mean, from the workload): applied when the replay picks the server, so a slow server holds
   * what it is given longer, as the kernel sees it. Servers not listed: 1. Absent in traces,
   * whose closes are the recorded ones.
   */
  readonly lifetimeScales?: readonly LifetimeScale[];
}

export interface LifetimeScale {
  readonly service: number;
  readonly server: Endpoint;
  readonly scale: number;
}

/** One connection, for building a timeline from sampled connections. */
export interface TimelineConnection {
  readonly startMs: number;
  readonly lifetimeMs: number;
  readonly client: number;
  readonly port: number;
  readonly service: number;
  readonly close?: typeof CLOSE_FIN | typeof CLOSE_RST;
}

export interface TimelineTables {
  readonly services: readonly TimelineService[];
  readonly clients: readonly IpAddr[];
  readonly keepaliveMs?: number;
  readonly durationMs?: number;
  readonly originMs?: number;
}

/** The endpoint a service's clients send to by default: its own address, or none for fwmark. */
export function defaultTarget(key: ServiceKey): Endpoint | undefined {
  return key.kind === 'addr' ? { addr: key.addr, port: key.port } : undefined;
}

function fail(message: string): never {
  throw new Error(`timeline: ${message}`);
}

/**
 * Checks a timeline's tables and columns (what the replay relies on): services TCP with distinct
 * targets of the clients' family, starts non-decreasing whole ms, lifetimes whole ms ≥ 0, indexes
 * in range. Returns the timeline. The rule that one client port is not reused while its previous
 * connection to the same service is still open is checked when the timeline is prepared.
 */
export function checkTimeline(t: Timeline): Timeline {
  const targets = new Set<string>();
  t.services.forEach((s, i) => {
    if (s.key.kind === 'addr') {
      if (s.key.proto !== 'tcp') fail(`service ${i}: only TCP services are replayed`);
      if (s.target.addr.text !== s.key.addr.text || s.target.port !== s.key.port)
        fail(`service ${i}: the target of an address service is the service itself`);
    } else if (s.target.addr.family !== s.key.family) {
      fail(`service ${i}: target of another address family than the firewall-mark service`);
    }
    const id = `${s.target.addr.text}|${s.target.port}`;
    if (targets.has(id)) fail(`service ${i}: two services with the same target ${id}`);
    targets.add(id);
  });
  if (t.services.length > 65535) fail('more than 65535 services');
  for (const [name, col] of [
    ['lifetimeMs', t.lifetimeMs],
    ['client', t.client],
    ['port', t.port],
    ['service', t.service],
    ['close', t.close],
  ] as const) {
    if (col.length !== t.count) fail(`column ${name} has ${col.length} entries, not ${t.count}`);
  }
  if (t.held !== undefined && t.held.length !== t.count)
    fail(`column held has ${t.held.length} entries, not ${t.count}`);
  if (t.startMs.length !== t.count) fail(`column startMs has ${t.startMs.length} entries, not ${t.count}`);
  if (!(Number.isInteger(t.keepaliveMs) && t.keepaliveMs >= 0)) fail('keepaliveMs must be a whole ms ≥ 0');
  let last = 0;
  for (let i = 0; i < t.count; i++) {
    const s = t.startMs[i] as number;
    const life = t.lifetimeMs[i] as number;
    if (!Number.isInteger(s) || s < last) fail(`connection ${i}: start ${s} is not a whole ms ≥ ${last}`);
    if (!Number.isInteger(life) || life < 0) fail(`connection ${i}: lifetime ${life} is not a whole ms ≥ 0`);
    last = s;
    const c = t.client[i] as number;
    const svc = t.services[t.service[i] as number];
    const addr = t.clients[c];
    if (svc === undefined) fail(`connection ${i}: service ${t.service[i]} out of range`);
    if (addr === undefined) fail(`connection ${i}: client ${c} out of range`);
    if (addr.family !== svc.target.addr.family) fail(`connection ${i}: client and service families differ`);
    if ((t.close[i] as number) > CLOSE_RST) fail(`connection ${i}: close kind ${t.close[i]}`);
  }
  if (t.durationMs < last) fail(`durationMs ${t.durationMs} is before the last SYN at ${last}`);
  for (const [i, ls] of (t.lifetimeScales ?? []).entries()) {
    if (t.services[ls.service] === undefined) fail(`lifetime scale ${i}: service ${ls.service} out of range`);
    if (!(Number.isFinite(ls.scale) && ls.scale > 0)) fail(`lifetime scale ${i}: ${ls.scale} is not > 0`);
  }
  return t;
}

/**
 * A timeline from connections in any order (sampled conn-table entries, say): sorted by start
 * (stable), with the tables given. Lifetimes and starts are rounded to whole ms.
 */
export function buildTimeline(tables: TimelineTables, connections: readonly TimelineConnection[]): Timeline {
  const order = connections.map((_, i) => i);
  const starts = connections.map((c) => Math.round(c.startMs));
  order.sort((a, b) => (starts[a] as number) - (starts[b] as number) || a - b);
  const n = connections.length;
  const t = {
    services: tables.services,
    clients: tables.clients,
    count: n,
    startMs: new Float64Array(n),
    lifetimeMs: new Float64Array(n),
    client: new Uint32Array(n),
    port: new Uint16Array(n),
    service: new Uint16Array(n),
    close: new Uint8Array(n),
    keepaliveMs: tables.keepaliveMs ?? 0,
    durationMs: 0,
    ...(tables.originMs === undefined ? {} : { originMs: tables.originMs }),
  };
  let end = 0;
  order.forEach((from, i) => {
    const c = connections[from] as TimelineConnection;
    t.startMs[i] = starts[from] as number;
    t.lifetimeMs[i] = Math.max(0, Math.round(c.lifetimeMs));
    t.client[i] = c.client;
    t.port[i] = c.port;
    t.service[i] = c.service;
    t.close[i] = c.close ?? CLOSE_FIN;
    end = Math.max(end, (starts[from] as number) + t.lifetimeMs[i]);
  });
  return checkTimeline({ ...t, durationMs: tables.durationMs ?? end });
}

/**
 * The timeline as the kernel saw it in a replay with lifetime scales: each connection's lifetime
 * scaled by the server it was picked for (`picks`, `servers` of a ReplayResult), no scales left.
 * Its trace is what `simulate` must decide identically on.
 */
export function scaledByPicks(
  t: Timeline,
  picks: Int32Array,
  servers: readonly { readonly service: number; readonly server: Endpoint }[],
): Timeline {
  const scales = servers.map(
    (r) =>
      t.lifetimeScales?.find(
        (ls) =>
          ls.service === r.service &&
          ls.server.port === r.server.port &&
          ls.server.addr.text === r.server.addr.text,
      )?.scale ?? 1,
  );
  const lifetimeMs = Float64Array.from(t.lifetimeMs, (life, c) => {
    const g = picks[c] as number;
    return g < 0 ? life : Math.round(life * (scales[g] as number));
  });
  const seen: Timeline = { ...t, lifetimeMs };
  delete (seen as { lifetimeScales?: unknown }).lifetimeScales;
  return checkTimeline(seen);
}

/** The first `count` connections of a timeline (views, no copy), e.g. for a slower peer. */
export function headOf(t: Timeline, count: number): Timeline {
  const n = Math.min(count, t.count);
  const last = n > 0 ? (t.startMs[n - 1] as number) : 0;
  return {
    ...t,
    count: n,
    startMs: t.startMs.subarray(0, n),
    lifetimeMs: t.lifetimeMs.subarray(0, n),
    client: t.client.subarray(0, n),
    port: t.port.subarray(0, n),
    service: t.service.subarray(0, n),
    close: t.close.subarray(0, n),
    ...(t.held !== undefined && { held: t.held.subarray(0, n) }),
    durationMs: Math.min(t.durationMs, Math.max(last, n > 0 ? last + 1 : 0)),
  };
}

/**
 * The timeline as `lvs-analyze simulate` trace text for a candidate: its sysctls and ipvsadm
 * lines at time 0, then every packet in the order the engine replays them (syn and est at the
 * SYN's ms, keepalive est lines, fin or rst). `simulateArgs(candidate)` gives the flags a trace
 * cannot carry (hash variant, seed). Yields chunks of about 64 KB.
 */
export function* traceChunks(t: Timeline, c: Candidate, prepared?: PreparedTimeline): Generator<string> {
  // Its closes depend on the servers picked: the trace of a replay is scaledByPicks' timeline.
  if (t.lifetimeScales !== undefined && t.lifetimeScales.length > 0)
    fail(
      'a timeline with lifetime scales has no trace of its own: trace scaledByPicks(timeline, picks, servers)',
    );
  const p = prepared ?? prepareTimeline(t);
  const head = [
    `# lvscope trace v1: ${t.count} connections replayed for ${c.name ?? 'a candidate'}`,
    ...sysctlLines(c).map((l) => `0 ${l}`),
    ...candidateCommands(t, c).map((cmd) => `0 ${ipvsadmLine(cmd)}`),
  ];
  let out = head.join('\n') + '\n';
  const clientText = t.clients.map((a) => (a.family === 6 ? `[${a.text}]` : a.text));
  const targetText = t.services.map(
    (s) =>
      ` ${s.target.addr.family === 6 ? `[${s.target.addr.text}]` : s.target.addr.text}:${s.target.port}${
        s.key.kind === 'fwmark' ? ` fwmark=${s.key.mark}` : ''
      }\n`,
  );
  const ev = p.events;
  for (let i = 0; i < ev.length; i++) {
    const e = ev[i] as number;
    const conn = e >> 2;
    const kind = e & 3;
    const time = p.times[i] as number;
    const who = ` tcp ${clientText[t.client[conn] as number]}:${t.port[conn]}${targetText[t.service[conn] as number]}`;
    if (kind === EV_ARRIVAL) out += `${time} syn${who}${time} est${who}`;
    else if (kind === EV_KEEPALIVE) out += `${time} est${who}`;
    else out += `${time} ${t.close[conn] === CLOSE_RST ? 'rst' : 'fin'}${who}`;
    if (out.length >= 65536) {
      yield out;
      out = '';
    }
  }
  if (out.length > 0) yield out;
}

/** traceChunks as one string (small timelines: tests, examples). */
export function toTrace(t: Timeline, c: Candidate, prepared?: PreparedTimeline): string {
  let s = '';
  for (const chunk of traceChunks(t, c, prepared)) s += chunk;
  return s;
}
