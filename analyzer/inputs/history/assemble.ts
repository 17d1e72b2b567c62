/**
 * Builds a History from samples, whichever store they came from: each reader turns what it read
 * into (target, labels, time, value) with schema.ts and hands it here. Samples of one director at
 * one time merge into one observation (one scrape or one push carries every family), keyed by the
 * pool's services and real servers; everything else is dropped on arrival, so memory follows the
 * pool, not the director. Output order is deterministic (time, then director name; real servers by
 * first appearance, then address), so two stores holding the same samples give equal histories.
 */
import type { IpvsCounters, IpvsRates } from '../../../common/ipvs/model.js';
import {
  type ForwardMethod,
  type ServiceKey,
  forwardOfLabel,
  serviceId,
  serviceText,
} from '../../../common/ipvs/vocabulary.js';
import { type IpAddr, parseIPv4, parseIp } from '../../../common/net/ip.js';
import type {
  ClientMixObservation,
  History,
  HistoryNote,
  HistoryQuery,
  ServiceHistory,
  VrrpRoleObservation,
} from './model.js';
import { type Labels, destinationOfLabels, serviceIdOfLabels, vipOfLabel } from './labels.js';
import type { DestinationGauge, Target } from './schema.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface ServiceObs {
  t: number;
  director: string;
  scheduler?: string;
  flags?: string[];
  persistenceSeconds?: number;
  persistenceNetmask?: number;
  counters?: Partial<Mutable<IpvsCounters>>;
  rates?: Partial<Mutable<IpvsRates>>;
}

type DestinationObs = {
  t: number;
  director: string;
  forward?: ForwardMethod;
  counters?: Partial<Mutable<IpvsCounters>>;
  rates?: Partial<Mutable<IpvsRates>>;
  states?: Record<string, number>;
} & Partial<Record<DestinationGauge, number>>;

interface DestinationEntry {
  readonly addr: IpAddr;
  readonly port: number;
  readonly observations: Map<string, DestinationObs>;
}

interface ServiceEntry {
  readonly key: ServiceKey;
  readonly observations: Map<string, ServiceObs>;
  readonly destinations: Map<string, DestinationEntry>;
}

interface ClientMixEntry {
  t: number;
  director: string;
  entries?: number;
  clients: Map<string, { addr: IpAddr; count?: number; overcount?: number }>;
}

/** What the builder accepted, by kind of sample (for source notes and the fallback decision). */
export interface BuildCounts {
  pool: number;
  director: number;
  vrrp: number;
}

const at = (director: string, t: number): string => `${director}\u0000${t}`;

function byTimeThenDirector(a: { t: number; director: string }, b: { t: number; director: string }): number {
  return a.t - b.t || (a.director < b.director ? -1 : a.director > b.director ? 1 : 0);
}

/** A persistence netmask label (`255.255.255.0`, or a prefix length for IPv6) as the model's number. */
function netmaskOfLabel(text: string): number | undefined {
  if (text === '') return undefined;
  if (text.includes('.')) return parseIPv4(text);
  const prefix = Number(text);
  return Number.isInteger(prefix) ? prefix : undefined;
}

/** Keeps, per director, the last observation in each step (aligned on the epoch). */
function thin<T extends { t: number; director: string }>(sorted: T[], stepMs: number | undefined): T[] {
  if (!stepMs || stepMs <= 0) return sorted;
  const last = new Map<string, T>();
  for (const obs of sorted) last.set(at(obs.director, Math.floor(obs.t / stepMs)), obs);
  return [...last.values()].sort(byTimeThenDirector);
}

export class HistoryBuilder {
  private readonly services = new Map<string, ServiceEntry>();
  private readonly clientMix = new Map<string, ClientMixEntry>();
  private readonly vrrp: VrrpRoleObservation[] = [];
  private readonly notes: HistoryNote[] = [];
  private readonly directorFilter: ReadonlySet<string> | undefined;
  readonly counts: BuildCounts = { pool: 0, director: 0, vrrp: 0 };

  constructor(
    private readonly query: HistoryQuery,
    private readonly directorOf: (labels: Labels) => string,
  ) {
    for (const key of query.services) {
      const id = serviceId(key);
      if (!this.services.has(id))
        this.services.set(id, { key, observations: new Map(), destinations: new Map() });
    }
    this.directorFilter = query.directors?.length ? new Set(query.directors) : undefined;
  }

  /** Whether the query asks for any firewall-mark service (their VIP is not in their labels). */
  get hasFwmServices(): boolean {
    return this.query.services.some((key) => key.kind === 'fwmark');
  }

  note(note: HistoryNote): void {
    this.notes.push(note);
  }

  /** One sample; false when it is not the pool's (another service, director, or unusable labels). */
  add(target: Target, labels: Labels, t: number, value: number): boolean {
    if (!Number.isFinite(value) || !Number.isFinite(t)) return false;
    const director = this.directorOf(labels);
    if (this.directorFilter && !this.directorFilter.has(director)) return false;
    // -0 (a value text of "-0") is 0.
    const v = value === 0 ? 0 : value;
    switch (target.scope) {
      case 'service':
      case 'destination':
        return this.addPool(target, labels, director, t, v);
      case 'director':
        return this.addDirector(target, labels, director, t, v);
      case 'vrrp':
        return this.addVrrp(target, labels, director, t, v);
    }
  }

  private addPool(
    target: Extract<Target, { scope: 'service' | 'destination' }>,
    labels: Labels,
    director: string,
    t: number,
    v: number,
  ): boolean {
    const id = serviceIdOfLabels(labels);
    const service = id === undefined ? undefined : this.services.get(id);
    if (!service) return false;
    if (target.scope === 'service') {
      let obs = service.observations.get(at(director, t));
      if (!obs) service.observations.set(at(director, t), (obs = { t, director }));
      switch (target.set) {
        case 'info': {
          obs.scheduler = labels.scheduler ?? '';
          obs.flags = (labels.flags ?? '').split(',').filter((flag) => flag !== '');
          const timeout = labels.persistence_timeout ?? '';
          if (obs.persistenceSeconds === undefined)
            obs.persistenceSeconds = timeout === '' ? 0 : Number(timeout);
          const netmask = netmaskOfLabel(labels.persistence_netmask ?? '');
          if (netmask !== undefined) obs.persistenceNetmask = netmask;
          break;
        }
        case 'persistenceSeconds':
          obs.persistenceSeconds = v;
          break;
        case 'counter':
          (obs.counters ??= {})[target.key] = v;
          break;
        case 'rate':
          (obs.rates ??= {})[target.key] = v;
          break;
      }
    } else {
      const remote = destinationOfLabels(labels);
      if (!remote) return false;
      let destination = service.destinations.get(remote.id);
      if (!destination)
        service.destinations.set(
          remote.id,
          (destination = { addr: remote.addr, port: remote.port, observations: new Map() }),
        );
      let obs = destination.observations.get(at(director, t));
      if (!obs) destination.observations.set(at(director, t), (obs = { t, director }));
      switch (target.set) {
        case 'info': {
          const forward = forwardOfLabel(labels.forward ?? '');
          if (forward) obs.forward = forward;
          break;
        }
        case 'gauge':
          obs[target.key] = v;
          break;
        case 'counter':
          (obs.counters ??= {})[target.key] = v;
          break;
        case 'rate':
          (obs.rates ??= {})[target.key] = v;
          break;
        case 'state': {
          const state = labels.state ?? '';
          if (state === '') return false;
          (obs.states ??= {})[state] = v;
          break;
        }
      }
    }
    this.counts.pool++;
    return true;
  }

  private addDirector(
    target: Extract<Target, { scope: 'director' }>,
    labels: Labels,
    director: string,
    t: number,
    v: number,
  ): boolean {
    let mix = this.clientMix.get(at(director, t));
    if (!mix) this.clientMix.set(at(director, t), (mix = { t, director, clients: new Map() }));
    if (target.set === 'tableEntries') mix.entries = v;
    else {
      const addr = parseIp(labels.client_address ?? '');
      if (!addr) return false;
      let client = mix.clients.get(addr.text);
      if (!client) mix.clients.set(addr.text, (client = { addr }));
      client[target.key] = v;
    }
    this.counts.director++;
    return true;
  }

  private addVrrp(
    target: Extract<Target, { scope: 'vrrp' }>,
    labels: Labels,
    director: string,
    t: number,
    v: number,
  ): boolean {
    const iname = labels.iname ?? '';
    if (target.set === 'state') this.vrrp.push({ t, director, iname, state: v });
    else {
      const vip = vipOfLabel(labels.ip_address ?? '');
      if (!vip) return false;
      this.vrrp.push({ t, director, iname, vip, vipPresent: v === 1 });
    }
    this.counts.vrrp++;
    return true;
  }

  /** The VRRP observations about the pool's VIPs (all of them when the pool has FWM services). */
  private poolVrrp(): VrrpRoleObservation[] {
    const vips = new Set(this.query.services.flatMap((key) => (key.kind === 'addr' ? [key.addr.text] : [])));
    const everyVip = this.hasFwmServices;
    const vipObs = this.vrrp.filter((obs) => obs.vip && (everyVip || vips.has(obs.vip.text)));
    const inames = new Set(vipObs.map((obs) => obs.iname).filter((iname) => iname !== ''));
    const stateObs = this.vrrp.filter(
      (obs) => obs.state !== undefined && (inames.size === 0 || inames.has(obs.iname)),
    );
    return [...vipObs, ...stateObs].sort(
      (a, b) => byTimeThenDirector(a, b) || (a.iname < b.iname ? -1 : a.iname > b.iname ? 1 : 0),
    );
  }

  build(source: string, range: { readonly start: number; readonly end: number }): History {
    const step = this.query.stepMs;
    const firstSeen = new Map<string, number>();
    const seen = (obs: { t: number; director: string }): void => {
      const first = firstSeen.get(obs.director);
      if (first === undefined || obs.t < first) firstSeen.set(obs.director, obs.t);
    };
    let start = Infinity;
    let end = -Infinity;
    const span = (obs: { t: number }): void => {
      start = Math.min(start, obs.t);
      end = Math.max(end, obs.t);
    };
    const track = (obs: { t: number; director: string }): void => {
      seen(obs);
      span(obs);
    };
    const services: ServiceHistory[] = [];
    const notes: HistoryNote[] = [...this.notes];
    for (const entry of this.services.values()) {
      const observations = thin([...entry.observations.values()].sort(byTimeThenDirector), step);
      const destinations = [...entry.destinations.values()]
        .map((destination) => ({
          addr: destination.addr,
          port: destination.port,
          observations: thin([...destination.observations.values()].sort(byTimeThenDirector), step),
        }))
        .filter((destination) => destination.observations.length > 0)
        .sort(
          (a, b) =>
            (a.observations[0]?.t ?? 0) - (b.observations[0]?.t ?? 0) ||
            compareAddr(a.addr, b.addr) ||
            a.port - b.port,
        );
      for (const obs of observations) track(obs);
      for (const destination of destinations) for (const obs of destination.observations) track(obs);
      if (observations.length === 0 && destinations.length === 0)
        notes.push({
          kind: 'missing',
          message: `no observation of ${serviceText(entry.key)} between ${iso(range.start)} and ${iso(range.end)}`,
        });
      services.push({
        key: entry.key,
        observations,
        destinations,
      });
    }
    const clientMix: ClientMixObservation[] = thin(
      [...this.clientMix.values()].sort(byTimeThenDirector),
      step,
    ).map((mix) => ({
      t: mix.t,
      director: mix.director,
      ...(mix.entries === undefined ? {} : { entries: mix.entries }),
      topClients: [...mix.clients.values()]
        .map((client) => ({ addr: client.addr, count: client.count ?? 0, overcount: client.overcount ?? 0 }))
        .sort((a, b) => b.count - a.count || compareAddr(a.addr, b.addr)),
    }));
    for (const mix of clientMix) track(mix);
    const vrrp = this.poolVrrp();
    for (const obs of vrrp) span(obs);
    const directors = [...firstSeen].sort(([a, ta], [b, tb]) => ta - tb || (a < b ? -1 : 1)).map(([d]) => d);
    return {
      source,
      start: Number.isFinite(start) ? start : range.start,
      end: Number.isFinite(end) ? end : range.end,
      directors,
      services,
      clientMix,
      vrrp,
      notes,
    };
  }
}

export function compareAddr(a: IpAddr, b: IpAddr): number {
  if (a.family !== b.family) return a.family - b.family;
  for (let i = 0; i < a.words.length; i++) {
    const d = (a.words[i] ?? 0) - (b.words[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
