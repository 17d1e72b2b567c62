/**
 * From the workload model (analyzer/workload/model.ts) to the generator's parameters and the
 * measures' capacities. Tolerant on purpose: the model may still grow fields, and any figure it
 * lacks falls back to an option, with a note saying so (never a silent guess).
 */
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { type Endpoint, type IpAddr, parseEndpoint, parseIp } from '../../common/net/ip.js';
import type { ServerModel, ServiceModel, WorkloadModel } from '../workload/model.js';
import type {
  ClientMixParam,
  GeneratorParams,
  HeldConnectionParam,
  LifetimeClass,
  ServiceParams,
} from './generate.js';
import type { LifetimeScale } from './timeline.js';
import type { ServerCapacity } from './measures.js';

export interface FromWorkloadOptions {
  readonly seed?: number;
  /** Client ACKs while open (default 60 s: recorded connections carry traffic). */
  readonly keepaliveMs?: number;
  /** Lifetime when the model has none for a server (default 1 s). */
  readonly defaultLifetimeMs?: number;
  /** Clients beyond the top list when the model does not say how many (default 1000). */
  readonly otherClients?: number;
  /** Where the packets of firewall-mark services go (`fwm:N` → `ip:port`); without one they are left out. */
  readonly fwmarkTargets?: Readonly<Record<string, string>>;
  /** Share of connections ending in RST (default 0). */
  readonly rstShare?: number;
}

export interface FromWorkload {
  readonly params: GeneratorParams;
  /** Model service names, in the order of params.services. */
  readonly services: readonly string[];
  readonly notes: readonly string[];
}

function endpoint(text: string): Endpoint | undefined {
  const ep = parseEndpoint(text);
  return typeof ep === 'string' ? undefined : { addr: ep.addr, port: ep.port };
}

/** A service's key and target from its model name (`ip:port`, `[v6]:port`, `fwm:N`). */
function serviceOf(
  s: ServiceModel,
  o: FromWorkloadOptions,
  notes: string[],
): { key: ServiceKey; target: Endpoint } | undefined {
  const m = /^fwm:(\d+)$/.exec(s.service);
  if (m) {
    const targetText = o.fwmarkTargets?.[s.service];
    const target = targetText === undefined ? undefined : endpoint(targetText);
    if (target === undefined) {
      notes.push(`${s.service}: left out (a firewall-mark service needs fwmarkTargets["${s.service}"])`);
      return undefined;
    }
    return { key: { kind: 'fwmark', mark: Number(m[1]), family: target.addr.family }, target };
  }
  const ep = endpoint(s.service);
  if (ep === undefined) {
    notes.push(`${s.service}: left out (not ip:port)`);
    return undefined;
  }
  return { key: { kind: 'addr', proto: 'tcp', addr: ep.addr, port: ep.port }, target: ep };
}

/**
 * Mean client-side lifetime of a server's connections, seconds: the one the model chose (fit.ts
 * says which estimate and why), else, for a model without the choice, Little's law (it rests on
 * every connection the director counted), else the sampled mean.
 */
function lifetimeSeconds(server: ServerModel): number | undefined {
  const l = server.lifetime as ServerModel['lifetime'] | undefined;
  return l?.chosen?.seconds ?? l?.littleSeconds?.value ?? l?.sampled?.meanSeconds;
}

const given = (s: ServiceModel) => (s.servers ?? []).filter((server) => (server.arrivals?.share ?? 0) > 0);

/** The replay holds each server's connections for its own lifetime (speedScales applies). */
export function lifetimesScaled(s: ServiceModel): boolean {
  return speedScales(s, 0) !== undefined;
}

/**
 * When every server's lifetime is evidence of its speed (fit.ts: no `notEvidence`), one pooled
 * lifetime (the arrival-weighted mean) for the whole service, and per server the scale
 * (its lifetime ÷ that mean) the replay applies when it picks the server: a slow server then
 * holds whatever it is given longer, as in the kernel, which is what balances lc/wlc. Lifetimes
 * the clients set (pooled connections, pinned by persistence) stay a per-server mixture.
 */
function speedScales(
  s: ServiceModel,
  service: number,
): { pooled: (rstShare: number) => LifetimeClass; scales: LifetimeScale[] } | undefined {
  const known = (s.servers ?? []).flatMap((server) => {
    const seconds = lifetimeSeconds(server);
    const at = endpoint(server.server);
    const share = server.arrivals?.share ?? 0;
    return seconds !== undefined &&
      seconds > 0 &&
      at !== undefined &&
      share > 0 &&
      !server.lifetime?.notEvidence
      ? [{ at, seconds, share }]
      : [];
  });
  if (known.length < 2 || known.length !== given(s).length) return undefined;
  const share = known.reduce((sum, k) => sum + k.share, 0);
  const mean = known.reduce((sum, k) => sum + k.share * k.seconds, 0) / share;
  return {
    pooled: (rstShare) => ({ weight: 1, lifetime: { kind: 'exponential', meanMs: mean * 1000 }, rstShare }),
    scales: known.map((k) => ({ service, server: k.at, scale: k.seconds / mean })),
  };
}

function clientMix(s: ServiceModel, o: FromWorkloadOptions, notes: string[]): ClientMixParam {
  const top = s.clients?.top ?? [];
  const weighted: { addr: IpAddr; weight: number }[] = [];
  let named = 0;
  for (const c of top) {
    const addr = parseIp(c.client) ?? endpoint(c.client)?.addr;
    if (addr === undefined || !(c.share > 0)) continue;
    weighted.push({ addr, weight: c.share });
    named += c.share;
  }
  const distinct = s.clients?.distinct;
  const others = distinct !== undefined ? Math.max(0, distinct - weighted.length) : (o.otherClients ?? 1000);
  if (distinct === undefined) notes.push(`${s.service}: number of clients unknown, ${others} others assumed`);
  const rest = Math.max(0, 1 - named);
  return {
    weighted,
    ...(others > 0 && rest > 0 ? { others: { count: others, weight: rest } } : {}),
  };
}

/**
 * The pooled connections the recording showed, opened and held as recorded: their lifetime is
 * the clients', so drawing them from the lifetime classes would turn a steady pool into Poisson
 * noise (a replayed peak far above the recorded one). Which server each lands on is the
 * candidate's decision, as in the kernel.
 */
function heldConnections(s: ServiceModel, notes: string[]): HeldConnectionParam[] {
  const held: HeldConnectionParam[] = [];
  for (const server of s.servers ?? []) {
    for (const c of server.pooled?.clients ?? []) {
      const addr = parseIp(c.client);
      if (addr === undefined || !(c.connections > 0)) continue;
      held.push({ addr, count: c.connections, openMs: c.openedSeconds * 1000, heldMs: c.heldSeconds * 1000 });
    }
  }
  const count = held.reduce((n, h) => n + h.count, 0);
  if (count > 0)
    notes.push(
      `${s.service}: ${count} pooled connections opened and held as recorded, from ${held.length} clients`,
    );
  return held;
}

export function paramsFromWorkload(model: WorkloadModel, o: FromWorkloadOptions = {}): FromWorkload {
  const notes: string[] = [];
  const durationMs = Math.max(1, model.end - model.start);
  const services: ServiceParams[] = [];
  const scales: LifetimeScale[] = [];
  const names: string[] = [];
  for (const s of model.services) {
    const id = serviceOf(s, o, notes);
    if (id === undefined) continue;
    const a = s.arrivals as ServiceModel['arrivals'] | undefined;
    const windows = (a?.windows ?? []).map((w) => ({
      startMs: Math.max(0, w.t - model.start),
      perSecond: w.perSecond,
    }));
    const rate = windows.length > 0 ? windows : [{ startMs: 0, perSecond: a?.meanPerSecond ?? 0 }];
    if (windows.length === 0)
      notes.push(`${s.service}: no rate windows, a constant ${a?.meanPerSecond ?? 0}/s`);
    const scaled = speedScales(s, services.length);
    if (scaled !== undefined) {
      services.push({
        ...id,
        rate,
        lifetimes: [scaled.pooled(o.rstShare ?? 0)],
        clients: clientMix(s, o, notes),
      });
      scales.push(...scaled.scales);
      names.push(s.service);
      continue;
    }
    const lifetimes: LifetimeClass[] = [];
    for (const server of s.servers ?? []) {
      const mean = lifetimeSeconds(server);
      const share = server.arrivals?.share ?? 0;
      if (!(share > 0)) continue;
      if (mean === undefined)
        notes.push(
          `${s.service} ${server.server}: lifetime unknown, ${o.defaultLifetimeMs ?? 1000} ms assumed`,
        );
      lifetimes.push({
        weight: share,
        lifetime: {
          kind: 'exponential',
          meanMs: mean !== undefined ? mean * 1000 : (o.defaultLifetimeMs ?? 1000),
        },
        rstShare: o.rstShare ?? 0,
      });
    }
    if (lifetimes.length === 0) {
      notes.push(`${s.service}: no server lifetimes, ${o.defaultLifetimeMs ?? 1000} ms assumed`);
      lifetimes.push({ weight: 1, lifetime: { kind: 'exponential', meanMs: o.defaultLifetimeMs ?? 1000 } });
    }
    const held = heldConnections(s, notes);
    services.push({
      ...id,
      rate,
      lifetimes,
      clients: clientMix(s, o, notes),
      ...(held.length > 0 && { held }),
    });
    names.push(s.service);
  }
  return {
    params: {
      seed: o.seed ?? 1,
      durationMs,
      services,
      keepaliveMs: o.keepaliveMs ?? 60_000,
      originMs: model.start,
      ...(scales.length > 0 && { lifetimeScales: scales }),
    },
    services: names,
    notes,
  };
}

/** Capacity per server address from the model (relative speed, workers, conns/s when known). */
export function capacitiesFromWorkload(model: WorkloadModel): Record<string, ServerCapacity> {
  const out: Record<string, ServerCapacity> = {};
  for (const s of model.services) {
    for (const server of s.servers ?? []) {
      const cap = server.capacity;
      const addr = endpoint(server.server)?.addr.text ?? parseIp(server.server)?.text;
      if (addr === undefined || cap === undefined || out[addr] !== undefined) continue;
      out[addr] = {
        relative: cap.relative.value,
        ...(cap.workers !== undefined ? { workers: cap.workers } : {}),
        ...(cap.connsPerSecond !== undefined ? { connsPerSecond: cap.connsPerSecond } : {}),
      };
    }
  }
  return out;
}
