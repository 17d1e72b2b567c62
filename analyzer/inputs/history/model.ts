/**
 * The history of a pool as every reader produces it (a capture dir, Prometheus or VictoriaMetrics,
 * InfluxDB, live sampling of /proc): time-ordered observations per virtual service and real server,
 * in the IPVS vocabulary's compute forms. What a store cannot see is absent (undefined), never 0.
 *
 * A pool behind a keepalived pair is one history: each observation names the director it came
 * from, and a reader that sees several directors keeps, at each time, the one that held the VIP
 * (see follow.ts). Counters are as the director printed them; increments are taken only between
 * two observations of the same director (normalize.ts), so a failover or a counter reset never
 * turns into a negative or a huge rate.
 */
import type { IpvsCounters, IpvsRates } from '../../../common/ipvs/model.js';
import type { ForwardMethod, ServiceKey } from '../../../common/ipvs/vocabulary.js';
import type { IpAddr } from '../../../common/net/ip.js';

/** What one service looked like at one time. */
export interface ServiceObservation {
  /** Epoch milliseconds. */
  readonly t: number;
  readonly director: string;
  /**
   * The director's table was read and the service was not in it (deleted, not yet created):
   * every other field is then absent. A destination missing from an observation of a present
   * service was not in the service then.
   */
  readonly absent?: true;
  readonly scheduler?: string;
  readonly flags?: readonly string[];
  /** Persistence timeout in seconds; 0 = not persistent; undefined = unknown. */
  readonly persistenceSeconds?: number;
  /** IPv4 mask as a 32-bit number or IPv6 prefix length, when persistent. */
  readonly persistenceNetmask?: number;
  /** Cumulative, as the director printed them (ipvsadm --stats). */
  readonly counters?: Partial<IpvsCounters>;
  /** The kernel's estimator (ipvsadm --rate). */
  readonly rates?: Partial<IpvsRates>;
}

/** What one real server of a service looked like at one time. */
export interface DestinationObservation {
  readonly t: number;
  readonly director: string;
  readonly weight?: number;
  readonly forward?: ForwardMethod;
  readonly activeConns?: number;
  readonly inactiveConns?: number;
  /** Persistence templates pointing at it (ipvsadm --persistent-conn, or ip_vs_conn templates). */
  readonly persistentConns?: number;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
  readonly counters?: Partial<IpvsCounters>;
  readonly rates?: Partial<IpvsRates>;
  /** Connection-table entries by state as printed (ESTABLISHED, FIN_WAIT, ...), templates apart. */
  readonly states?: Readonly<Record<string, number>>;
  readonly templates?: number;
}

export interface DestinationHistory {
  readonly addr: IpAddr;
  readonly port: number;
  readonly observations: readonly DestinationObservation[];
}

export interface ServiceHistory {
  readonly key: ServiceKey;
  readonly observations: readonly ServiceObservation[];
  readonly destinations: readonly DestinationHistory[];
}

/** The clients with most connection entries on a director at one time (ip_vs_conn top-N). */
export interface ClientMixObservation {
  readonly t: number;
  readonly director: string;
  /** Entries of the whole table, templates included. */
  readonly entries?: number;
  readonly topClients: readonly {
    readonly addr: IpAddr;
    readonly count: number;
    readonly overcount: number;
  }[];
}

/**
 * A sampled connection entry seen at one time (captures only): the same connection shows up in
 * every observation while it lives, so lifetimes and client mix can be read off them.
 */
export interface ConnObservation {
  readonly t: number;
  readonly director: string;
  readonly client: IpAddr;
  readonly clientPort: number;
  readonly virtual: IpAddr;
  readonly virtualPort: number;
  readonly remote: IpAddr;
  readonly remotePort: number;
  readonly state: string;
  readonly expiresSeconds: number;
}

export interface ConnSampleHistory {
  /** One connection in `oneIn` was sampled. */
  readonly oneIn: number;
  readonly observations: readonly ConnObservation[];
}

/** A director's VRRP role for a VIP at one time: from keepalived's state or the VIP on its interfaces. */
export interface VrrpRoleObservation {
  readonly t: number;
  readonly director: string;
  /** keepalived's instance name ("" when only VIP presence is known). */
  readonly iname: string;
  readonly vip?: IpAddr;
  /** 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT; undefined when only presence is known. */
  readonly state?: number;
  /** The VIP is on this director's interfaces. */
  readonly vipPresent?: boolean;
}

/** Something a reader or the normaliser had to decide, said in the output as evidence. */
export interface HistoryNote {
  readonly kind:
    | 'source'
    | 'fallback'
    | 'counter-reset'
    | 'gap'
    | 'appeared'
    | 'disappeared'
    | 'weight-change'
    | 'interval-change'
    | 'failover'
    | 'missing';
  /** Epoch ms the note is about, when it is about a moment. */
  readonly t?: number;
  readonly message: string;
}

export interface History {
  /** Where it came from, e.g. `capture fixtures/recordings/mysql`, `prometheus http://...`. */
  readonly source: string;
  /** Epoch ms of the first and last observation. */
  readonly start: number;
  readonly end: number;
  /** Directors the observations came from, in the order first seen. */
  readonly directors: readonly string[];
  readonly services: readonly ServiceHistory[];
  readonly clientMix: readonly ClientMixObservation[];
  readonly connSample?: ConnSampleHistory;
  readonly vrrp: readonly VrrpRoleObservation[];
  readonly notes: readonly HistoryNote[];
}

/** What a reader is asked for: the pool's services and the time range. */
export interface HistoryQuery {
  /** Only these services are kept (memory is bounded by the pool, not the director). */
  readonly services: readonly ServiceKey[];
  /** Epoch ms; undefined = from the beginning / to the end of what the store holds. */
  readonly start?: number;
  readonly end?: number;
  /** Resolution wanted, ms (stores that resample: Prometheus/VictoriaMetrics, InfluxDB). */
  readonly stepMs?: number;
  /** Directors (Prometheus `instance`, InfluxDB `host`) to read; empty = every one that has the pool. */
  readonly directors?: readonly string[];
}
