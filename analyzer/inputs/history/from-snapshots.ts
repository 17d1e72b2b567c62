/**
 * Snapshots (a capture, or live samples of /proc) to a pool's History: per service and real
 * server, what /proc/net/ip_vs, the ipvsadm listings and the connection table said at each
 * collection, in one observation each. Only the pool's services are kept, so memory follows the
 * pool, not the director.
 */
import type { ConnTarget, IpvsSnapshot, IpvsadmListing } from '../../../common/ipvs/model.js';
import { type ServiceKey, serviceId } from '../../../common/ipvs/vocabulary.js';
import { vrrpView } from '../../../common/keepalived/merge.js';
import { type IpAddr, parseIp } from '../../../common/net/ip.js';
import type { Snapshot } from '../../../common/snapshot.js';
import type {
  ClientMixObservation,
  ConnObservation,
  DestinationObservation,
  History,
  HistoryNote,
  ServiceObservation,
  VrrpRoleObservation,
} from './model.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

interface DestinationBuilder {
  readonly addr: IpAddr;
  readonly port: number;
  readonly observations: DestinationObservation[];
}

interface ServiceBuilder {
  readonly key: ServiceKey;
  readonly observations: ServiceObservation[];
  readonly destinations: Map<string, DestinationBuilder>;
}

const destinationId = (addr: IpAddr, port: number) => `${addr.text} ${port}`;

/** The pool's services, keyed as ipvsadm and /proc identify them. */
function wanted(services: readonly ServiceKey[]): Map<string, ServiceKey> {
  return new Map(services.map((key) => [serviceId(key), key]));
}

/** ipvsadm listing rows of one service, by destination. */
function listingRows<S, D>(
  listing: IpvsadmListing<S, D> | undefined,
  id: string,
): { service?: S; destinations: Map<string, D> } {
  const service = listing?.services.find((s) => serviceId(s) === id);
  return {
    ...(service && { service: service.values }),
    destinations: new Map(service?.destinations.map((d) => [destinationId(d.addr, d.port), d.values]) ?? []),
  };
}

/** The connection table's rows for one service, by destination (FWM templates carry the mark). */
function connRows(ipvs: IpvsSnapshot, key: ServiceKey) {
  const id = serviceId(key);
  const matches = (target: ConnTarget) => serviceId(target.service) === id;
  const states = new Map<string, Record<string, number>>();
  const templates = new Map<string, number>();
  for (const row of ipvs.conn?.byState ?? []) {
    if (!matches(row.target)) continue;
    const dest = destinationId(row.target.remote, row.target.remotePort);
    const entry = states.get(dest) ?? {};
    entry[row.state] = (entry[row.state] ?? 0) + row.count;
    states.set(dest, entry);
  }
  for (const row of ipvs.conn?.templates ?? []) {
    if (!matches(row.target)) continue;
    const dest = destinationId(row.target.remote, row.target.remotePort);
    templates.set(dest, (templates.get(dest) ?? 0) + row.count);
  }
  return { states, templates };
}

export class SnapshotHistoryBuilder {
  private readonly services = new Map<string, ServiceBuilder>();
  private readonly clientMix: ClientMixObservation[] = [];
  private readonly conns: ConnObservation[] = [];
  private readonly vrrp: VrrpRoleObservation[] = [];
  private readonly notes: HistoryNote[] = [];
  private readonly directors: string[] = [];
  private readonly pool: Map<string, ServiceKey>;
  private connSampleOneIn = 0;
  private start = Infinity;
  private end = -Infinity;
  /** The pool's virtual addresses, to keep only its sampled connections. */
  private readonly virtuals: Set<string>;

  constructor(
    private readonly source: string,
    services: readonly ServiceKey[],
  ) {
    this.pool = wanted(services);
    this.virtuals = new Set(
      services.flatMap((key) => (key.kind === 'addr' ? [`${key.addr.text} ${key.port}`] : [])),
    );
    for (const key of services)
      this.services.set(serviceId(key), { key, observations: [], destinations: new Map() });
  }

  note(note: HistoryNote): void {
    this.notes.push(note);
  }

  add(snapshot: Snapshot, director: string): void {
    const t = snapshot.takenAtMs;
    this.start = Math.min(this.start, t);
    this.end = Math.max(this.end, t);
    if (!this.directors.includes(director)) this.directors.push(director);
    const { ipvs } = snapshot;
    const inTable = new Set<string>();
    for (const service of ipvs.table?.services ?? []) {
      const id = serviceId(service);
      const builder = this.services.get(id);
      if (!builder) continue;
      inTable.add(id);
      this.addService(builder, ipvs, service, t, director);
    }
    for (const [id, builder] of this.services) {
      // Without /proc/net/ip_vs this collection says nothing about the service; with it, the
      // service's absence is a fact (deleted, or not created yet).
      if (ipvs.table && !inTable.has(id)) builder.observations.push({ t, director, absent: true });
    }
    if (ipvs.conn) {
      this.clientMix.push({ t, director, entries: ipvs.conn.entries, topClients: ipvs.conn.topClients });
    }
    if (ipvs.connSample) {
      this.connSampleOneIn = ipvs.connSample.oneIn;
      for (const c of ipvs.connSample.conns) {
        if (!this.virtuals.has(`${c.virtual.text} ${c.virtualPort}`)) continue;
        const { client, clientPort, virtual, virtualPort, remote, remotePort, state, expiresSeconds } = c;
        this.conns.push({
          t,
          director,
          client,
          clientPort,
          virtual,
          virtualPort,
          remote,
          remotePort,
          state,
          expiresSeconds,
        });
      }
    }
    this.addVrrp(snapshot, director);
  }

  private addService(
    builder: ServiceBuilder,
    ipvs: IpvsSnapshot,
    service: NonNullable<IpvsSnapshot['table']>['services'][number],
    t: number,
    director: string,
  ): void {
    const id = serviceId(service);
    const stats = listingRows(ipvs.ipvsadmStats, id);
    const rates = listingRows(ipvs.ipvsadmRates, id);
    const thresholds = listingRows(ipvs.ipvsadmThresholds, id);
    const persistent = listingRows(ipvs.ipvsadmPersistentConns, id);
    const info = thresholds.service ?? persistent.service;
    const persistence = info?.persistence ?? service.persistence;
    const observation: Writable<ServiceObservation> = {
      t,
      director,
      scheduler: service.scheduler,
      flags: [...new Set([...service.flags, ...(info?.flags ?? [])])].sort(),
      persistenceSeconds: persistence?.timeoutSeconds ?? 0,
      ...(persistence && { persistenceNetmask: persistence.netmask }),
      ...(stats.service && { counters: stats.service }),
      ...(rates.service && { rates: rates.service }),
    };
    builder.observations.push(observation);
    const conn = connRows(ipvs, service);
    for (const d of service.destinations) {
      const dest = destinationId(d.addr, d.port);
      let history = builder.destinations.get(dest);
      if (!history)
        builder.destinations.set(dest, (history = { addr: d.addr, port: d.port, observations: [] }));
      const threshold = thresholds.destinations.get(dest);
      const persist = persistent.destinations.get(dest);
      const counters = stats.destinations.get(dest);
      const rate = rates.destinations.get(dest);
      history.observations.push({
        t,
        director,
        weight: d.weight,
        forward: d.forward,
        activeConns: d.activeConns,
        inactiveConns: d.inactiveConns,
        ...(persist && { persistentConns: persist.persistentConns }),
        ...(threshold && { upperThreshold: threshold.upper, lowerThreshold: threshold.lower }),
        ...(counters && { counters }),
        ...(rate && { rates: rate }),
        ...(ipvs.conn && { states: conn.states.get(dest) ?? {}, templates: conn.templates.get(dest) ?? 0 }),
      });
    }
  }

  /** What keepalived said about this director's instances, and whether it held the VIPs. */
  private addVrrp(snapshot: Snapshot, director: string): void {
    const t = snapshot.takenAtMs;
    for (const daemon of snapshot.keepalived.daemons) {
      for (const instance of vrrpView(daemon)?.instances ?? []) {
        const vips = instance.vips.map((v) => parseIp(v.address)).filter((v): v is IpAddr => v !== undefined);
        if (vips.length === 0) this.vrrp.push({ t, director, iname: instance.iname, state: instance.state });
        for (const vip of vips)
          this.vrrp.push({ t, director, iname: instance.iname, vip, state: instance.state });
      }
      for (const presence of daemon.vips ?? []) {
        const vip = parseIp(presence.address);
        if (vip) this.vrrp.push({ t, director, iname: presence.iname, vip, vipPresent: presence.present });
      }
    }
  }

  /** Observations in time order (captures of a pair's two directors are read one after the other). */
  build(): History {
    const byTime = <T extends { readonly t: number }>(list: T[]): T[] => list.sort((a, b) => a.t - b.t);
    const services = [...this.services.values()].map((s) => ({
      key: s.key,
      observations: byTime(s.observations),
      destinations: [...s.destinations.values()].map((d) => ({ ...d, observations: byTime(d.observations) })),
    }));
    byTime(this.clientMix);
    byTime(this.conns);
    byTime(this.vrrp);
    return {
      source: this.source,
      start: Number.isFinite(this.start) ? this.start : 0,
      end: Number.isFinite(this.end) ? this.end : 0,
      directors: this.directors,
      services,
      clientMix: this.clientMix,
      ...(this.connSampleOneIn > 0 && {
        connSample: { oneIn: this.connSampleOneIn, observations: this.conns },
      }),
      vrrp: this.vrrp,
      notes: this.notes,
    };
  }
}
