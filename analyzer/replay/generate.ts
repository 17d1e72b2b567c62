/**
 * A seeded timeline generator from plain parameters: per service, the arrival rate over time as
 * piecewise-constant windows (Poisson arrivals within each), lifetime classes (a share of the
 * connections each, exponential, fixed or empirical), the share closed by RST; clients as
 * weighted addresses plus optional "other" clients sharing the rest; client ports allocated the
 * way a Linux client's connect() does. The same parameters and seed give the same timeline.
 */
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { type Endpoint, type IpAddr, ipv4Addr, ipv6AddrOfWords } from '../../common/net/ip.js';
import { seededRandom32 } from '../kernel/random.js';
import {
  CLOSE_FIN,
  CLOSE_RST,
  type LifetimeScale,
  type Timeline,
  checkTimeline,
  defaultTarget,
} from './timeline.js';

/** Rate `perSecond` from `startMs` until the next window's start (the last: until the end). */
export interface RateWindowParam {
  readonly startMs: number;
  readonly perSecond: number;
}

export type LifetimeDistribution =
  | { readonly kind: 'exponential'; readonly meanMs: number }
  | { readonly kind: 'fixed'; readonly ms: number }
  /** Resampled uniformly from observed lifetimes. */
  | { readonly kind: 'empirical'; readonly valuesMs: readonly number[] };

export interface LifetimeClass {
  /** Relative share of the service's connections (normalised over its classes). */
  readonly weight: number;
  readonly lifetime: LifetimeDistribution;
  /** Share of this class's connections that end with an RST instead of a FIN (default 0). */
  readonly rstShare?: number;
}

export interface ClientMixParam {
  /** Named clients and their relative weights. */
  readonly weighted?: readonly { readonly addr: IpAddr; readonly weight: number }[];
  /** `count` further clients `base`, `base`+1, … sharing `weight` evenly. */
  readonly others?: { readonly count: number; readonly weight: number; readonly base?: IpAddr };
}

/**
 * Connections a client holds open (its pool): `count` of them opened from `openMs` on (1 ms
 * apart) and each held `heldMs`, scheduled like any other but drawing no lifetime or client.
 */
export interface HeldConnectionParam {
  readonly addr: IpAddr;
  readonly count: number;
  readonly openMs: number;
  readonly heldMs: number;
}

export interface ServiceParams {
  readonly key: ServiceKey;
  /** Needed for firewall-mark services; address services are their own target. */
  readonly target?: Endpoint;
  readonly rate: readonly RateWindowParam[];
  readonly lifetimes: readonly LifetimeClass[];
  /** This service's clients; default: the generator's `clients`. */
  readonly clients?: ClientMixParam;
  /** Pooled connections, beside the Poisson arrivals. */
  readonly held?: readonly HeldConnectionParam[];
}

export interface GeneratorParams {
  readonly seed: number;
  readonly durationMs: number;
  readonly services: readonly ServiceParams[];
  readonly clients?: ClientMixParam;
  readonly keepaliveMs?: number;
  /** net.ipv4.ip_local_port_range of the clients, inclusive (default 32768 60999). */
  readonly portRange?: readonly [number, number];
  /** How long a client holds a port after its FIN (its TIME_WAIT, Linux: 60 s). */
  readonly clientTimeWaitMs?: number;
  readonly originMs?: number;
  /** Per real server, how much longer it holds a connection than drawn (Timeline.lifetimeScales). */
  readonly lifetimeScales?: readonly LifetimeScale[];
}

const DEFAULT_OTHERS_BASE = ipv4Addr(0xc6120001); // 198.18.0.1 (RFC 2544 benchmarking range)

/** Uniform [0, 1) from a u32 stream. */
function uniform(r: () => number): number {
  return r() / 4294967296;
}

/** Poisson arrival times (whole ms, sorted) of piecewise-constant rate windows. */
function arrivals(rate: readonly RateWindowParam[], durationMs: number, r: () => number): number[] {
  const out: number[] = [];
  const windows = [...rate].sort((a, b) => a.startMs - b.startMs);
  for (let w = 0; w < windows.length; w++) {
    const win = windows[w] as RateWindowParam;
    const from = Math.max(0, win.startMs);
    const to = Math.min(durationMs, windows[w + 1]?.startMs ?? durationMs);
    if (!(win.perSecond > 0) || to <= from) continue;
    const meanGapMs = 1000 / win.perSecond;
    // Exponential gaps are memoryless: restarting at each window boundary is exact.
    let t = from;
    for (;;) {
      t += -Math.log(1 - uniform(r)) * meanGapMs;
      if (t >= to) break;
      out.push(Math.floor(t));
    }
  }
  return out;
}

function sampleLifetime(d: LifetimeDistribution, r: () => number): number {
  switch (d.kind) {
    case 'exponential':
      return Math.round(-Math.log(1 - uniform(r)) * d.meanMs);
    case 'fixed':
      return Math.round(d.ms);
    case 'empirical': {
      const v = d.valuesMs[Math.floor(uniform(r) * d.valuesMs.length)] ?? 0;
      return Math.max(0, Math.round(v));
    }
  }
}

/** Cumulative weights for a weighted pick by binary search. */
function cumulative(weights: readonly number[]): Float64Array {
  const c = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += Math.max(0, w);
    c[i] = sum;
  });
  return c;
}

function pick(cum: Float64Array, r: () => number): number {
  const total = cum[cum.length - 1] ?? 0;
  const x = uniform(r) * total;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cum[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function offsetAddr(base: IpAddr, k: number): IpAddr {
  if (base.family === 4) return ipv4Addr(((base.words[0] ?? 0) + k) >>> 0);
  const w = [...base.words];
  w[3] = ((w[3] ?? 0) + k) >>> 0;
  return ipv6AddrOfWords(w);
}

/** Held connections one by one, sorted by start, within the timeline (the last ms at most). */
function heldConnections(
  held: readonly HeldConnectionParam[],
  durationMs: number,
  indexOf: (a: IpAddr) => number,
): { startMs: number; client: number; lifetimeMs: number }[] {
  const out: { startMs: number; client: number; lifetimeMs: number }[] = [];
  for (const h of held) {
    const client = indexOf(h.addr);
    for (let i = 0; i < h.count; i++) {
      const startMs = Math.min(durationMs - 1, Math.max(0, Math.floor(h.openMs) + i));
      out.push({
        startMs,
        client,
        lifetimeMs: Math.max(0, Math.round(Math.min(h.heldMs, durationMs - startMs))),
      });
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/**
 * A client's connect() port choice (__inet_hash_connect, Linux 5.15+/6.1): a per-destination
 * offset plus a perturbation counter that advances by 2 + max(ports skipped, random 0..14)
 * after each connect; even ports of the range first, then odd ones; a port still used by an
 * open connection, or in the client's TIME_WAIT after a FIN, to the same destination is skipped.
 */
class ClientPorts {
  private readonly low: number;
  private readonly remaining: number;
  /** Per (client, destination): perturbation, offset and ports busy until a time. */
  private readonly state = new Map<number, { perturb: number; offset: number; busy: Map<number, number> }>();

  constructor(
    range: readonly [number, number],
    private readonly r: () => number,
    private readonly services: number,
  ) {
    this.low = range[0];
    this.remaining = range[1] - range[0] + 1;
    if (!(this.remaining >= 1 && range[0] >= 1 && range[1] <= 65535))
      throw new Error('timeline: bad port range');
  }

  /** A port for a connection of `client` to service `svc` from `now` until `busyUntil`, or -1. */
  allocate(client: number, svc: number, now: number, busyUntil: number): number {
    const id = client * this.services + svc;
    let st = this.state.get(id);
    if (st === undefined) {
      st = { perturb: 0, offset: this.r(), busy: new Map() };
      this.state.set(id, st);
    }
    const remaining = this.remaining;
    let offset = ((st.perturb + (st.offset >>> 16)) % remaining) & ~1;
    for (let parity = 0; parity < 2; parity++, offset++) {
      let port = this.low + offset;
      for (let i = 0; i < remaining; i += 2, port += 2) {
        if (port >= this.low + remaining) port -= remaining;
        const until = st.busy.get(port);
        if (until !== undefined && until > now) continue;
        st.busy.set(port, busyUntil);
        st.perturb += Math.max(i, (this.r() & 7) * 2) + 2;
        return port;
      }
      if (remaining <= 1) break;
    }
    return -1;
  }
}

/**
 * Generates a timeline. Connections for which the client finds no free port (every port of the
 * range open or in TIME_WAIT to that service) are left out, as connect() would fail with
 * EADDRNOTAVAIL.
 */
export function generateTimeline(p: GeneratorParams): Timeline {
  const clientIndex = new Map<string, number>();
  const clients: IpAddr[] = [];
  const indexOf = (a: IpAddr): number => {
    let i = clientIndex.get(a.text);
    if (i === undefined) {
      i = clients.length;
      clients.push(a);
      clientIndex.set(a.text, i);
    }
    return i;
  };
  interface Mix {
    readonly cum: Float64Array;
    readonly named: number[];
    /** Client indexes of the "others" (an address already named is the same client). */
    readonly others: Uint32Array;
  }
  const mixes: Mix[] = p.services.map((s) => {
    const mix = s.clients ?? p.clients;
    if (mix === undefined) throw new Error('timeline: no client mix for a service');
    const named = (mix.weighted ?? []).map((c) => indexOf(c.addr));
    const weights = (mix.weighted ?? []).map((c) => c.weight);
    const othersCount = mix.others?.count ?? 0;
    const others = new Uint32Array(othersCount);
    if (othersCount > 0 && mix.others) {
      const base = mix.others.base ?? DEFAULT_OTHERS_BASE;
      for (let k = 0; k < othersCount; k++) others[k] = indexOf(offsetAddr(base, k));
      weights.push(mix.others.weight);
    }
    if (weights.length === 0) throw new Error('timeline: empty client mix');
    return { cum: cumulative(weights), named, others };
  });
  const classes = p.services.map((s) => {
    if (s.lifetimes.length === 0) throw new Error('timeline: a service without lifetime classes');
    return { cum: cumulative(s.lifetimes.map((c) => c.weight)), list: s.lifetimes };
  });

  // Arrivals per service (each its own stream; a service's held connections before its
  // arrivals of the same ms), merged by time, ties in service order.
  const heldOf = p.services.map((s) => heldConnections(s.held ?? [], p.durationMs, indexOf));
  const perService = p.services.map((s, i) =>
    arrivals(s.rate, p.durationMs, seededRandom32((p.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0)),
  );
  const total = perService.reduce((n, a) => n + a.length, 0) + heldOf.reduce((n, h) => n + h.length, 0);
  const startMs = new Float64Array(total);
  const service = new Uint16Array(total);
  /** Per connection, its held connection (index into heldOf[service]), or -1 for an arrival. */
  const heldIndex = new Int32Array(total).fill(-1);
  {
    const heads = perService.map(() => 0);
    const heldHeads = heldOf.map(() => 0);
    for (let k = 0; k < total; k++) {
      let best = -1;
      let bestT = Infinity;
      let bestHeld = false;
      for (let s = 0; s < perService.length; s++) {
        const h = heldOf[s]?.[heldHeads[s] as number];
        if (h !== undefined && h.startMs < bestT) {
          bestT = h.startMs;
          best = s;
          bestHeld = true;
        }
        const t = perService[s]?.[heads[s] as number];
        if (t !== undefined && t < bestT) {
          bestT = t;
          best = s;
          bestHeld = false;
        }
      }
      startMs[k] = bestT;
      service[k] = best;
      if (bestHeld) {
        heldIndex[k] = heldHeads[best] as number;
        heldHeads[best] = (heldHeads[best] as number) + 1;
      } else heads[best] = (heads[best] as number) + 1;
    }
  }

  const r = seededRandom32((p.seed ^ 0x5bd1e995) >>> 0);
  const ports = new ClientPorts(
    p.portRange ?? [32768, 60999],
    seededRandom32((p.seed ^ 0x27d4eb2f) >>> 0),
    p.services.length,
  );
  const tw = p.clientTimeWaitMs ?? 60_000;
  // A port stays the client's for the longest any server could hold the connection.
  const longest = p.services.map((_, s) =>
    Math.max(1, ...(p.lifetimeScales ?? []).filter((l) => l.service === s).map((l) => l.scale)),
  );
  const lifetimeMs = new Float64Array(total);
  const client = new Uint32Array(total);
  const port = new Uint16Array(total);
  const close = new Uint8Array(total);
  const keep = new Uint8Array(total);
  const isHeld = new Uint8Array(total);
  let kept = 0;
  for (let k = 0; k < total; k++) {
    const s = service[k] as number;
    const held = heldOf[s]?.[heldIndex[k] as number];
    if (held !== undefined) {
      const start = startMs[k] as number;
      const pt = ports.allocate(
        held.client,
        s,
        start,
        start + Math.ceil(held.lifetimeMs * (longest[s] as number)) + tw,
      );
      if (pt < 0) continue;
      keep[k] = 1;
      kept++;
      lifetimeMs[k] = held.lifetimeMs;
      client[k] = held.client;
      port[k] = pt;
      close[k] = CLOSE_FIN;
      isHeld[k] = 1;
      continue;
    }
    const mix = mixes[s] as Mix;
    const m = pick(mix.cum, r);
    const c =
      m < mix.named.length
        ? (mix.named[m] as number)
        : (mix.others[Math.min(mix.others.length - 1, Math.floor(uniform(r) * mix.others.length))] as number);
    const cls = classes[s] as (typeof classes)[number];
    const lc = cls.list[pick(cls.cum, r)] as LifetimeClass;
    const life = sampleLifetime(lc.lifetime, r);
    const rst = (lc.rstShare ?? 0) > 0 && uniform(r) < (lc.rstShare ?? 0);
    const start = startMs[k] as number;
    const pt = ports.allocate(c, s, start, start + Math.ceil(life * (longest[s] as number)) + (rst ? 0 : tw));
    if (pt < 0) continue;
    keep[k] = 1;
    kept++;
    lifetimeMs[k] = life;
    client[k] = c;
    port[k] = pt;
    close[k] = rst ? CLOSE_RST : CLOSE_FIN;
  }
  const pack = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(
    col: T,
    make: (n: number) => T,
  ): T => {
    if (kept === total) return col;
    const out = make(kept);
    let j = 0;
    for (let k = 0; k < total; k++) if (keep[k] === 1) out[j++] = col[k] as number;
    return out;
  };
  return checkTimeline({
    services: p.services.map((s) => {
      const target = s.target ?? defaultTarget(s.key);
      if (target === undefined) throw new Error('timeline: a firewall-mark service needs a target');
      return { key: s.key, target };
    }),
    clients,
    count: kept,
    startMs: pack(startMs, (n) => new Float64Array(n)),
    lifetimeMs: pack(lifetimeMs, (n) => new Float64Array(n)),
    client: pack(client, (n) => new Uint32Array(n)),
    port: pack(port, (n) => new Uint16Array(n)),
    service: pack(service, (n) => new Uint16Array(n)),
    close: pack(close, (n) => new Uint8Array(n)),
    ...(heldOf.some((h) => h.length > 0) && { held: pack(isHeld, (n) => new Uint8Array(n)) }),
    keepaliveMs: p.keepaliveMs ?? 0,
    durationMs: p.durationMs,
    ...(p.originMs === undefined ? {} : { originMs: p.originMs }),
    ...(p.lifetimeScales === undefined ? {} : { lifetimeScales: p.lifetimeScales }),
  });
}
