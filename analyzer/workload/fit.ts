/**
 * Fits a pool's workload model from its history (modes-and-capacity.md §4 and §10): new
 * connections over time per service and real server, concurrency, connection lifetime by Little's
 * law (mean concurrency ÷ arrival rate, over windows, with a ratio-estimator confidence interval)
 * or, when they pin it down well enough, by sampled connection entries, the state mix, the client mix, persistence use, packets
 * and bytes per connection each way, and per-server capacity evidence: servers whose connections
 * last longer are slower, unless the lifetimes are the clients' (pooled connections).
 */
import { TCP_STATE_NAMES } from '../../common/ipvs/conn-states.js';
import { serviceText } from '../../common/ipvs/vocabulary.js';
import { formatEndpoint } from '../../common/net/ip.js';
import { DEFAULT_TCP_TIMEOUTS_MS } from '../kernel/tcp.js';
import type { Pool, PoolServer } from '../inputs/pools/model.js';
import type {
  ConnObservation,
  DestinationHistory,
  History,
  ServiceHistory,
} from '../inputs/history/model.js';
import { type Increment, increments, typicalInterval } from '../inputs/history/normalize.js';
import {
  type ArrivalModel,
  type ClientMix,
  type Estimate,
  type Evidence,
  type LifetimeModel,
  type PooledModel,
  type ServerModel,
  type ServiceModel,
  type TrafficModel,
  WORKLOAD_VERSION,
  type WorkloadModel,
} from './model.js';

/** A lifetime estimate rests on at least this many new connections... */
const MIN_CONNECTIONS = 30;
/** ...and connections shorter than this share of the history (longer ones are the clients' pools). */
const MAX_LIFETIME_SHARE = 0.25;
/**
 * The sampled lifetime replaces Little's law from this many connections: lifetimes of
 * request-per-connection traffic are near exponential (coefficient of variation about 1), so
 * the mean of n has a relative standard error of 1/√n: 10 % at 100, a 95 % interval of ±20 %,
 * which is no wider than Little's law gives over ten windows on the lab recordings (two-speeds:
 * ±25 %). Fewer connections give a point estimate noisier than the one it would replace.
 */
const MIN_SAMPLED = 100;
/** ...when at most this share of the sampled connections opened and closed between two table reads... */
const MAX_SHORTER_SHARE = 0.1;
/** ...and the brackets are at most this share of the mean wide (each lifetime known to ±10 %). */
const MAX_RESOLUTION_SHARE = 0.2;
const Z95 = 1.96;
const ACTIVE_STATES = new Set(['ESTABLISHED', 'SYN_RECV']);
/** Pooled connections are listed for at most this many clients (the ones holding the most). */
const MAX_POOLED_CLIENTS = 100;

interface Windows {
  readonly start: number;
  readonly ms: number;
  readonly count: number;
}

/** At least 10 windows, of at least 5 sampling intervals and at most a minute where it allows. */
function chooseWindows(start: number, end: number, intervalMs: number): Windows {
  const duration = Math.max(end - start, 1);
  const ms = Math.max(5 * intervalMs, Math.min(60_000, duration / 10), 1);
  return { start, ms, count: Math.max(1, Math.ceil(duration / ms)) };
}

/** Spreads each increment over the windows its interval overlaps, in proportion. */
function perWindow(list: readonly Increment[], w: Windows): number[] {
  const out = new Array<number>(w.count).fill(0);
  for (const { from, to, delta } of list) {
    const span = to - from;
    for (let k = Math.max(0, Math.floor((from - w.start) / w.ms)); k < w.count; k++) {
      const lo = Math.max(from, w.start + k * w.ms);
      const hi = Math.min(to, w.start + (k + 1) * w.ms);
      if (hi <= lo) {
        if (lo >= to) break;
        continue;
      }
      out[k]! += (delta * (hi - lo)) / span;
    }
  }
  return out;
}

/** Mean of the samples that fall in each window (NaN for a window without one). */
function meanPerWindow(samples: readonly { t: number; v: number }[], w: Windows): number[] {
  const sums = new Array<number>(w.count).fill(0);
  const counts = new Array<number>(w.count).fill(0);
  for (const { t, v } of samples) {
    const k = Math.min(w.count - 1, Math.max(0, Math.floor((t - w.start) / w.ms)));
    sums[k]! += v;
    counts[k]!++;
  }
  return sums.map((sum, k) => (counts[k]! > 0 ? sum / counts[k]! : NaN));
}

/**
 * Little's law as a ratio estimator over windows: R = Σ(concurrency × window) ÷ Σ arrivals, with
 * the usual ratio-estimator variance Σ(a_k − R·n_k)² / (m(m−1)·n̄²) over the m windows that have both.
 */
function littleEstimate(
  active: readonly number[],
  arrivals: readonly number[],
  windowSeconds: number,
): Estimate | undefined {
  const pairs = active
    .map((a, k) => ({ a: a * windowSeconds, n: arrivals[k] ?? 0 }))
    .filter((p) => Number.isFinite(p.a));
  const n = pairs.reduce((sum, p) => sum + p.n, 0);
  if (pairs.length === 0 || n <= 0) return undefined;
  const a = pairs.reduce((sum, p) => sum + p.a, 0);
  const r = a / n;
  const m = pairs.length;
  if (m < 2) return { value: r };
  const nBar = n / m;
  const variance = pairs.reduce((sum, p) => sum + (p.a - r * p.n) ** 2, 0) / (m * (m - 1) * nBar * nBar);
  const half = Z95 * Math.sqrt(variance);
  return { value: r, ci95: [Math.max(0, r - half), r + half] };
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;

const round = (value: number, digits = 4) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

const roundEstimate = (e: Estimate, digits = 4): Estimate => ({
  value: round(e.value, digits),
  ...(e.ci95 && { ci95: [round(e.ci95[0], digits), round(e.ci95[1], digits)] as const }),
});

/** How long a sampled state's timer started at, seconds: the 6.1 defaults (`ipvsadm --set` can change them). */
function stateTimeoutSeconds(state: string): number | undefined {
  const index = (TCP_STATE_NAMES as readonly string[]).indexOf(state);
  return index < 0 ? undefined : (DEFAULT_TCP_TIMEOUTS_MS[index] ?? 0) / 1000;
}

/**
 * When each director read the connection table: the records whose destinations carry the table's
 * state counts, and those that hold sampled entries. Most records of a capture need not read it
 * (the exporter reads the table on a slower cadence), so "the record before" a sighting is the
 * previous table read, not the previous record.
 */
function tableReads(service: ServiceHistory, sampled: readonly ConnObservation[]): Map<string, number[]> {
  const sets = new Map<string, Set<number>>();
  const add = (director: string, t: number) => {
    let set = sets.get(director);
    if (!set) sets.set(director, (set = new Set()));
    set.add(t);
  };
  for (const d of service.destinations)
    for (const o of d.observations) if (o.states !== undefined) add(o.director, o.t);
  for (const c of sampled) add(c.director, c.t);
  return new Map([...sets].map(([director, set]) => [director, [...set].sort((a, b) => a - b)]));
}

/** The last of the sorted `times` strictly before `t`. */
function previousRead(times: readonly number[], t: number): number | undefined {
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! < t) lo = mid;
    else hi = mid - 1;
  }
  return times[lo] !== undefined && times[lo]! < t ? times[lo] : undefined;
}

/**
 * Lifetimes of the sampled connections of one server, each bracketed: opened after the table
 * read before the one that first shows it active and by that one; closed when its closing
 * state's timer started, which the entry's remaining whole seconds (rounded down by the kernel)
 * place within a second, and after the last read that still showed it active. The midpoint of
 * each bracket is its lifetime, the mean width the resolution. Connections already there at
 * their director's first table read, or never seen closing, are left out; ones first seen already
 * closing opened and closed between two reads (shorterThanInterval).
 */
function sampledLifetimes(
  conns: readonly ConnObservation[],
  reads: ReadonlyMap<string, readonly number[]>,
): LifetimeModel['sampled'] {
  const byConn = new Map<string, ConnObservation[]>();
  for (const c of conns) {
    const id = `${c.director} ${c.client.text} ${c.clientPort}`;
    let list = byConn.get(id);
    if (!list) byConn.set(id, (list = []));
    list.push(c);
  }
  const lifetimes: number[] = [];
  let widths = 0;
  let shorter = 0;
  for (const seen of byConn.values()) {
    const opening = seen[0]!;
    const times = reads.get(opening.director) ?? [];
    if (opening.t === times[0]) continue;
    const closingAt = seen.findIndex((c) => !ACTIVE_STATES.has(c.state));
    const closing = seen[closingAt];
    if (!closing) continue;
    const timeout = stateTimeoutSeconds(closing.state);
    if (timeout === undefined) continue;
    if (!ACTIVE_STATES.has(opening.state)) {
      shorter++;
      continue;
    }
    const before = previousRead(times, opening.t);
    if (before === undefined) continue;
    const lastActive = seen[closingAt - 1]!.t;
    const ranFor = Math.max(0, timeout - closing.expiresSeconds) * 1000;
    let closedLo = Math.max(lastActive, closing.t - ranFor);
    let closedHi = Math.min(closing.t, closing.t - ranFor + 1000);
    // A timer that disagrees with the reads (timeouts changed by ipvsadm --set): the reads alone.
    if (closedHi <= closedLo) [closedLo, closedHi] = [lastActive, closing.t];
    const lo = Math.max(0, closedLo - opening.t);
    const hi = closedHi - before;
    lifetimes.push((lo + hi) / 2000);
    widths += (hi - lo) / 1000;
  }
  if (lifetimes.length === 0 && shorter === 0) return undefined;
  const n = lifetimes.length;
  const m = mean(lifetimes);
  const sd = n > 1 ? Math.sqrt(lifetimes.reduce((sum, v) => sum + (v - m) ** 2, 0) / (n - 1)) : 0;
  const half = (Z95 * sd) / Math.sqrt(Math.max(n, 1));
  return {
    meanSeconds: round(m),
    connections: n,
    shorterThanInterval: shorter,
    ...(n > 0 && { resolutionSeconds: round(widths / n) }),
    ...(n > 1 && { ci95: [round(Math.max(0, m - half)), round(m + half)] as const }),
  };
}

/** Why the sampled lifetime cannot be trusted, or undefined when it can. */
function sampledShortfall(sampled: NonNullable<LifetimeModel['sampled']>): string | undefined {
  const seen = sampled.connections + sampled.shorterThanInterval;
  if (sampled.connections < MIN_SAMPLED)
    return `the sampled lifetime rests on ${sampled.connections} connections, under ${MIN_SAMPLED}`;
  if (sampled.shorterThanInterval > MAX_SHORTER_SHARE * seen)
    return `${sampled.shorterThanInterval} of ${seen} sampled connections opened and closed between two table reads, so the ones seen open are the longer ones`;
  const resolution = sampled.resolutionSeconds ?? Infinity;
  if (resolution > MAX_RESOLUTION_SHARE * sampled.meanSeconds)
    return `the table reads pin a sampled lifetime down only to ${round(resolution, 2)} s, over ${MAX_RESOLUTION_SHARE * 100} % of its ${sampled.meanSeconds} s mean`;
  return undefined;
}

/**
 * Which lifetime the replay draws. The sampled one is a direct measurement, but it is only
 * trusted when it rests on MIN_SAMPLED connections, few sampled connections slipped between two
 * table reads (else those seen open are the long ones: the sample is length-biased, up to twice
 * the mean for exponential lifetimes), and the brackets are narrow against the mean; otherwise
 * Little's law over every connection the director counted.
 */
function chooseLifetime(
  little: Estimate | undefined,
  sampled: LifetimeModel['sampled'],
): LifetimeModel['chosen'] {
  const shortfall =
    sampled && sampled.connections > 0
      ? sampledShortfall(sampled)
      : 'no sampled connection was seen opening and closing';
  if (sampled && shortfall === undefined)
    return {
      seconds: sampled.meanSeconds,
      from: 'sampled',
      why: `${sampled.connections} sampled connections seen opening and closing, each to within ${round(sampled.resolutionSeconds ?? 0, 2)} s`,
    };
  if (little) return { seconds: little.value, from: 'little', why: shortfall ?? '' };
  // No counters: a thin sample still says more than an assumed lifetime.
  if (sampled && sampled.connections > 0)
    return {
      seconds: sampled.meanSeconds,
      from: 'sampled',
      why: `no Little's law estimate (no connection counts in the history), although ${shortfall ?? ''}`,
    };
  return undefined;
}

/**
 * The sampled connections seen active (ESTABLISHED or SYN_RECV, first to last record) across
 * more than MAX_LIFETIME_SHARE of the history: pooled connections, whose lifetime the clients
 * set. They show here even when short connections to the same server keep Little's W small.
 * Each stands for `oneIn` connections (the sampling rate); a connection already active at the
 * first table read counts as open from the start.
 */
function pooledConnections(
  conns: readonly ConnObservation[],
  w: Windows,
  durationSeconds: number,
  oneIn: number,
): PooledModel | undefined {
  const spans = new Map<string, { client: string; first: number; last: number }>();
  let firstRead = Infinity;
  for (const c of conns) firstRead = Math.min(firstRead, c.t);
  for (const c of conns) {
    if (!ACTIVE_STATES.has(c.state)) continue;
    const id = `${c.director} ${c.client.text} ${c.clientPort}`;
    const span = spans.get(id);
    if (span) span.last = Math.max(span.last, c.t);
    else spans.set(id, { client: c.client.text, first: c.t, last: c.t });
  }
  const held = [...spans.values()].filter(
    (s) => s.last - s.first > MAX_LIFETIME_SHARE * durationSeconds * 1000,
  );
  if (held.length === 0) return undefined;
  const perClient = new Map<string, { n: number; opened: number; held: number }>();
  for (const s of held) {
    const c = perClient.get(s.client) ?? { n: 0, opened: 0, held: 0 };
    c.n++;
    c.opened += s.first === firstRead ? 0 : Math.max(0, s.first - w.start) / 1000;
    c.held += (s.last - s.first) / 1000;
    perClient.set(s.client, c);
  }
  const heldSeconds = held.reduce((sum, s) => sum + (s.last - s.first) / 1000, 0);
  return {
    connections: held.length * oneIn,
    meanOpen: round((heldSeconds * oneIn) / durationSeconds, 3),
    clients: [...perClient]
      .map(([client, c]) => ({
        client,
        connections: c.n * oneIn,
        openedSeconds: round(c.opened / c.n, 3),
        heldSeconds: round(c.held / c.n, 3),
      }))
      .sort((a, b) => b.connections - a.connections || a.client.localeCompare(b.client))
      .slice(0, MAX_POOLED_CLIENTS),
  };
}

/**
 * Beside pooled connections, the lifetime the replay draws is the short connections' alone:
 * Little's law over what the pools leave of the mean concurrency, per new short connection.
 */
function shortLifetime(
  meanActive: number,
  pooled: PooledModel,
  connections: number,
  durationSeconds: number,
): NonNullable<LifetimeModel['chosen']> {
  const openedWithin = pooled.clients.reduce((n, c) => n + (c.openedSeconds > 0 ? c.connections : 0), 0);
  const rate = Math.max(0, connections - openedWithin) / durationSeconds;
  const left = Math.max(0, meanActive - pooled.meanOpen);
  return {
    seconds: rate > 0 ? left / rate : 0,
    from: 'little',
    why: `over the short connections alone: mean ActiveConn ${round(meanActive, 2)} less the ${round(pooled.meanOpen, 2)} of ${pooled.connections} pooled connections, at ${round(rate, 2)} new connections/s`,
  };
}

/** Weights in the order they were set, a repeat only after a change (1 → 0 → 1 stays three). */
function weightSequence(observations: DestinationHistory['observations']): number[] {
  const out: number[] = [];
  for (const o of observations) if (o.weight !== undefined && o.weight !== out.at(-1)) out.push(o.weight);
  return out;
}

function poolServer(pool: Pool | undefined, d: DestinationHistory): PoolServer | undefined {
  return pool?.servers?.find(
    (s) => s.addr.text === d.addr.text && (s.port === undefined || s.port === d.port),
  );
}

interface ServerWork {
  readonly history: DestinationHistory;
  readonly arrivals: number[];
  readonly connections: number;
  readonly active: number[];
  readonly model: Omit<ServerModel, 'capacity'>;
  readonly little?: Estimate;
}

function fitServer(
  d: DestinationHistory,
  w: Windows,
  durationSeconds: number,
  sampled: readonly ConnObservation[],
  reads: ReadonlyMap<string, readonly number[]>,
  oneIn: number,
): ServerWork {
  const arrivals = perWindow(
    increments(d.observations, (o) => o.counters?.conns),
    w,
  );
  const connections = arrivals.reduce((sum, n) => sum + n, 0);
  const activeSamples = d.observations.flatMap((o) =>
    o.activeConns === undefined ? [] : [{ t: o.t, v: o.activeConns }],
  );
  const active = meanPerWindow(activeSamples, w);
  const windowSeconds = w.ms / 1000;
  const hasCounters = d.observations.some((o) => o.counters?.conns !== undefined);
  const little = hasCounters ? littleEstimate(active, arrivals, windowSeconds) : undefined;
  const sample = sampledLifetimes(sampled, reads);
  const pooled = pooledConnections(sampled, w, durationSeconds, oneIn);
  const meanActive = mean(activeSamples.map((s) => s.v));
  const chosen =
    pooled && hasCounters
      ? shortLifetime(meanActive, pooled, connections, durationSeconds)
      : chooseLifetime(little, sample);
  const heldMs = Math.max(0, ...(pooled?.clients ?? []).map((c) => c.heldSeconds * 1000));
  let notEvidence: string | undefined;
  if (!hasCounters) notEvidence = 'no per-server connection counts (ipvsadm --stats) in the history';
  else if (connections < MIN_CONNECTIONS) {
    notEvidence = `only ${Math.round(connections)} new connections: lifetimes are the clients' (pooled connections), not the server's speed`;
  } else if (little && little.value > MAX_LIFETIME_SHARE * durationSeconds) {
    notEvidence = `connections last ${round(little.value, 1)} s, over a quarter of the ${Math.round(durationSeconds)} s recorded: long-lived (pooled) connections, whose lifetime the clients set`;
  } else if (pooled) {
    // Short connections beside pooled ones: W mixes the two, and the pools' share is the clients'.
    notEvidence = `sampled connections were held open ${round(heldMs / 1000, 1)} s, over a quarter of the ${Math.round(durationSeconds)} s recorded: pooled connections beside the short ones, so the lifetime mixes in what the clients set`;
  }
  const states = d.observations.filter((o) => o.states !== undefined);
  const stateTotals: Record<string, number> = {};
  for (const o of states)
    for (const [state, n] of Object.entries(o.states ?? {}))
      stateTotals[state] = (stateTotals[state] ?? 0) + n;
  const stateSum = Object.values(stateTotals).reduce((a, b) => a + b, 0);
  const weights = weightSequence(d.observations);
  const last = d.observations.at(-1);
  return {
    history: d,
    arrivals,
    connections,
    active,
    ...(little && !notEvidence && { little }),
    model: {
      server: formatEndpoint(d.addr, d.port),
      ...(last?.forward && { forward: last.forward }),
      ...(last?.weight !== undefined && { weight: last.weight }),
      weights,
      arrivals: {
        meanPerSecond: round(connections / durationSeconds),
        share: 0,
        connections: Math.round(connections),
      },
      concurrency: {
        meanActive: round(meanActive, 3),
        peakActive: Math.max(0, ...activeSamples.map((s) => s.v)),
        meanInactive: round(
          mean(d.observations.flatMap((o) => (o.inactiveConns === undefined ? [] : [o.inactiveConns]))),
          3,
        ),
      },
      lifetime: {
        ...(little && { littleSeconds: roundEstimate(little) }),
        ...(sample && { sampled: sample }),
        ...(chosen && { chosen: { ...chosen, seconds: round(chosen.seconds) } }),
        ...(notEvidence && { notEvidence }),
      },
      ...(pooled && { pooled }),
      ...(stateSum > 0 && {
        stateMix: Object.fromEntries(
          Object.entries(stateTotals).map(([s, n]) => [s, round(n / stateSum, 3)]),
        ),
      }),
    },
  };
}

/** Relative speed 1/W, the fastest = 1, with the log-normal interval of a ratio of two estimates. */
function relativeCapacity(little: Estimate, fastest: Estimate): Estimate {
  const value = fastest.value / little.value;
  const relVar = (e: Estimate) => {
    if (!e.ci95) return 0;
    const sd = (e.ci95[1] - e.ci95[0]) / (2 * Z95);
    return (sd / e.value) ** 2;
  };
  const sdLog = Math.sqrt(relVar(little) + (little === fastest ? 0 : relVar(fastest)));
  if (sdLog === 0) return { value };
  return { value, ci95: [value * Math.exp(-Z95 * sdLog), value * Math.exp(Z95 * sdLog)] };
}

function clientMix(history: History, sampled: readonly ConnObservation[]): ClientMix | undefined {
  if (sampled.length > 0) {
    const perClient = new Map<string, Set<number>>();
    for (const c of sampled) {
      let ports = perClient.get(c.client.text);
      if (!ports) perClient.set(c.client.text, (ports = new Set()));
      ports.add(c.clientPort);
    }
    const total = [...perClient.values()].reduce((sum, ports) => sum + ports.size, 0);
    const top = [...perClient]
      .map(([client, ports]) => ({ client, share: round(ports.size / total, 3) }))
      .sort((a, b) => b.share - a.share || a.client.localeCompare(b.client))
      .slice(0, 10);
    return { distinct: perClient.size, top, source: 'sampled connections' };
  }
  const last = history.clientMix.at(-1);
  if (!last || last.topClients.length === 0) return undefined;
  // The top-N table counts entries of the whole director (templates apart), lingering ones too.
  const counted = last.topClients.reduce((sum, c) => sum + c.count, 0);
  const entries = last.entries ?? counted;
  return {
    distinct: last.topClients.length,
    top: last.topClients
      .slice(0, 10)
      .map((c) => ({ client: c.addr.text, share: round(c.count / Math.max(entries, 1), 3) })),
    source: 'top clients of the connection table',
  };
}

function traffic(servers: readonly ServerWork[]): TrafficModel {
  const sum = (
    pick: (c: NonNullable<DestinationHistory['observations'][number]['counters']>) => number | undefined,
  ) =>
    servers.reduce(
      (total, s) =>
        total +
        increments(s.history.observations, (o) => (o.counters ? pick(o.counters) : undefined)).reduce(
          (a, i) => a + i.delta,
          0,
        ),
      0,
    );
  const conns = servers.reduce((total, s) => total + s.connections, 0);
  const forwards = new Set(servers.map((s) => s.model.forward).filter((f) => f !== undefined));
  const inbound = [...forwards].every((f) => f === 'route' || f === 'tunnel');
  const both = [...forwards].every((f) => f === 'masq' || f === 'local');
  const visibility = forwards.size === 0 || both ? 'both' : inbound ? 'inbound only' : 'mixed';
  if (conns <= 0) return { visibility };
  const per = (value: number) => round(value / conns, 2);
  const inPackets = sum((c) => c.inPackets);
  const inBytes = sum((c) => c.inBytes);
  return {
    inPacketsPerConn: per(inPackets),
    inBytesPerConn: per(inBytes),
    ...(visibility === 'both' && {
      outPacketsPerConn: per(sum((c) => c.outPackets)),
      outBytesPerConn: per(sum((c) => c.outBytes)),
    }),
    visibility,
  };
}

function fitService(
  service: ServiceHistory,
  history: History,
  pool: Pool | undefined,
  evidence: Evidence[],
  unknown: Evidence[],
): ServiceModel {
  const name = serviceText(service.key);
  const present = service.observations.filter((o) => !o.absent);
  const times = present.map((o) => o.t);
  const start = times[0] ?? history.start;
  const end = times.at(-1) ?? history.end;
  const durationSeconds = Math.max((end - start) / 1000, 1e-3);
  const w = chooseWindows(start, end, typicalInterval(times));
  const windowSeconds = w.ms / 1000;
  const virtual = service.key.kind === 'addr' ? `${service.key.addr.text} ${service.key.port}` : undefined;
  const sampled = (history.connSample?.observations ?? []).filter(
    (c) => `${c.virtual.text} ${c.virtualPort}` === virtual,
  );
  // Address order: every store agrees on it (only /proc knows the kernel's list order).
  const destinations = [...service.destinations].sort(
    (a, b) => compareWords(a.addr.words, b.addr.words) || a.port - b.port,
  );
  const reads = tableReads(service, sampled);
  const servers = destinations.map((d) =>
    fitServer(
      d,
      w,
      durationSeconds,
      sampled.filter((c) => c.remote.text === d.addr.text && c.remotePort === d.port),
      reads,
      history.connSample?.oneIn ?? 1,
    ),
  );
  // Arrivals of the service: its own counter, else the sum of its servers'.
  const serviceArrivals = present.some((o) => o.counters?.conns !== undefined)
    ? perWindow(
        increments(present, (o) => o.counters?.conns),
        w,
      )
    : perWindow(
        servers.flatMap((s) => increments(s.history.observations, (o) => o.counters?.conns)),
        w,
      );
  const connections = serviceArrivals.reduce((a, b) => a + b, 0);
  const rates = serviceArrivals.map((n) => n / windowSeconds);
  const meanRate = connections / durationSeconds;
  const arrivals: ArrivalModel = {
    meanPerSecond: round(meanRate),
    peakPerSecond: round(Math.max(0, ...rates)),
    peakToMean: meanRate > 0 ? round(Math.max(0, ...rates) / meanRate, 3) : 0,
    windows: rates.map((perSecond, k) => ({
      t: Math.round(w.start + k * w.ms),
      perSecond: round(perSecond),
    })),
    windowSeconds: round(windowSeconds, 3),
    ...(durationSeconds >= 86_400 && { hourly: hourly(rates, w) }),
    connections: Math.round(connections),
  };
  const total = servers.reduce((sum, s) => sum + s.connections, 0);
  const withShares = servers.map((s) => ({
    ...s,
    model: {
      ...s.model,
      arrivals: { ...s.model.arrivals, share: total > 0 ? round(s.connections / total, 4) : 0 },
    },
  }));
  // Capacity: the pool file's figures first, else the lifetimes when every server's are evidence.
  const fromFile = withShares.map((s) => poolServer(pool, s.history)?.capacity);
  const fileRelative = fromFile.map((c) => c?.relative ?? c?.connsPerSecond);
  const evidenceLittle = withShares.map((s) => s.little);
  let models: ServerModel[];
  let capacityRatio: Estimate | undefined;
  if (fileRelative.every((v) => v !== undefined && v > 0)) {
    const max = Math.max(...(fileRelative as number[]));
    models = withShares.map((s, i) => ({
      ...s.model,
      capacity: {
        relative: { value: round((fileRelative[i] ?? 0) / max) },
        evidence: 'pool-file',
        ...(fromFile[i]?.connsPerSecond !== undefined && { connsPerSecond: fromFile[i]?.connsPerSecond }),
        ...(fromFile[i]?.workers !== undefined && { workers: fromFile[i]?.workers }),
      },
    }));
    evidence.push({
      topic: 'capacity',
      message: `${name}: server capacities from the pool file (${pool?.origin ?? ''})`,
    });
  } else if (evidenceLittle.length > 1 && evidenceLittle.every((e) => e !== undefined)) {
    const fastest = evidenceLittle.reduce((a, b) => (b.value < a.value ? b : a));
    const slowest = evidenceLittle.reduce((a, b) => (b.value > a.value ? b : a));
    models = withShares.map((s) => ({
      ...s.model,
      capacity: { relative: roundEstimate(relativeCapacity(s.little!, fastest), 3), evidence: 'lifetimes' },
    }));
    const ratio = relativeCapacity(fastest, slowest);
    capacityRatio = roundEstimate(ratio, 3);
    evidence.push({
      topic: 'capacity',
      message: `${name}: servers given new connections whose connections last longer are slower (Little's law per server, ${w.count} windows of ${round(windowSeconds, 1)} s); fastest : slowest capacity ${capacityRatio.value}${capacityRatio.ci95 ? ` (95 % CI ${capacityRatio.ci95[0]}–${capacityRatio.ci95[1]})` : ''}`,
    });
  } else {
    models = withShares.map((s) => s.model);
    const why =
      withShares.map((s) => s.model.lifetime.notEvidence).find((r) => r !== undefined) ??
      'one real server only';
    unknown.push({
      topic: 'capacity',
      message: `${name}: no per-server capacity evidence (${why}); give capacities in a pools file (--pools)`,
    });
  }
  const templates =
    present.length > 0
      ? mean(
          times.map((t) =>
            service.destinations.reduce(
              (sum, d) => sum + (d.observations.find((o) => o.t === t)?.templates ?? 0),
              0,
            ),
          ),
        )
      : 0;
  const clients = clientMix(history, sampled);
  const last = present.at(-1);
  const persistenceSeconds = last?.persistenceSeconds ?? 0;
  const trafficModel = traffic(servers);
  if (trafficModel.visibility !== 'both') {
    unknown.push({
      topic: 'traffic',
      message: `${name}: replies bypass the director (${trafficModel.visibility === 'mixed' ? 'some servers use ' : ''}direct routing or tunnelling), so server→client packets and bytes are unknown: give responseBytesPerConn in a pools file or --response-bytes`,
    });
  }
  return {
    service: name,
    ...(last?.scheduler && { scheduler: last.scheduler }),
    flags: last?.flags ?? [],
    persistenceSeconds,
    arrivals,
    servers: models,
    ...(clients && { clients }),
    ...(persistenceSeconds > 0 && {
      persistence: {
        meanTemplates: round(templates, 2),
        ...(clients?.distinct && { templatesPerClient: round(templates / clients.distinct, 2) }),
      },
    }),
    traffic: trafficModel,
    ...(capacityRatio && { capacityRatio }),
  };
}

function compareWords(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** Mean rate per hour of day (UTC) over the windows starting in that hour. */
function hourly(rates: readonly number[], w: Windows): number[] {
  const sums = new Array<number>(24).fill(0);
  const counts = new Array<number>(24).fill(0);
  rates.forEach((rate, k) => {
    const hour = new Date(w.start + k * w.ms).getUTCHours();
    sums[hour]! += rate;
    counts[hour]!++;
  });
  return sums.map((s, h) => round(counts[h]! > 0 ? s / counts[h]! : 0));
}

export function fitWorkload(history: History, poolName: string, pool?: Pool): WorkloadModel {
  const evidence: Evidence[] = history.notes.map((n) => ({ topic: n.kind, message: n.message }));
  const unknown: Evidence[] = [];
  const services = history.services
    .filter((s) => s.observations.some((o) => !o.absent))
    .map((s) => fitService(s, history, pool, evidence, unknown));
  const times = history.services.flatMap((s) => s.observations.map((o) => o.t));
  if (history.connSample) {
    evidence.push({
      topic: 'clients',
      message: `client mix from sampled connections (one in ${history.connSample.oneIn})`,
    });
  } else if (history.clientMix.length > 0) {
    evidence.push({
      topic: 'clients',
      message:
        "client mix from the connection table's top clients (entries, lingering ones included; director-wide)",
    });
  } else {
    unknown.push({
      topic: 'clients',
      message:
        'client mix unknown: run the exporter with --collector.ipvs.conn (and --capture.conn-sample for lifetimes)',
    });
  }
  return {
    version: WORKLOAD_VERSION,
    pool: poolName,
    source: history.source,
    directors: history.directors,
    start: history.start,
    end: history.end,
    observations: new Set(times).size,
    intervalSeconds: round(typicalInterval([...new Set(times)].sort((a, b) => a - b)) / 1000, 3),
    services,
    evidence,
    unknown,
  };
}
