/**
 * Typed IPVS state read from /proc/net/ip_vs* and ipvsadm, in the compute forms of the IPVS
 * vocabulary (vocabulary.ts): protocols, forwarding methods and marks as the analyzer uses them,
 * addresses as IpAddr, persistence in seconds. Label forms are made from these by the vocabulary
 * alone, so the families and the sinks never re-parse anything.
 */
import type { IpAddr } from '../net/ip.js';
import type { ForwardMethod, Protocol, ServiceKey } from './vocabulary.js';

export type { ServiceKey };

export interface Persistence {
  readonly timeoutSeconds: number;
  /** An IPv4 mask as a 32-bit number, or an IPv6 prefix length (ipvsadm -M). */
  readonly netmask: number;
}

/** One line of /proc/net/ip_vs under a service: a real server of that service. */
export interface IpvsDestination {
  readonly addr: IpAddr;
  readonly port: number;
  readonly forward: ForwardMethod;
  readonly weight: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
}

/** An FWM service's family is not printed by /proc: it is its first destination's (IPv4 if none). */
export type IpvsService = ServiceKey & {
  readonly scheduler: string;
  /** Tokens after the scheduler other than `persistent T M` (`ops`, future flags). */
  readonly flags: readonly string[];
  readonly persistence?: Persistence;
  readonly destinations: readonly IpvsDestination[];
};

/** /proc/net/ip_vs */
export interface IpvsTable {
  /** Connection hash table size from the first line (`size=4096`), when printed. */
  readonly connTableSize?: number;
  readonly services: readonly IpvsService[];
}

/** Cumulative counters (conns, packets, bytes) as in ip_vs_stats and `ipvsadm --stats`. */
export interface IpvsCounters {
  readonly conns: number;
  readonly inPackets: number;
  readonly outPackets: number;
  readonly inBytes: number;
  readonly outBytes: number;
}

/** The kernel estimator's per-second rates, as in ip_vs_stats and `ipvsadm --rate`. */
export interface IpvsRates {
  readonly cps: number;
  readonly inPps: number;
  readonly outPps: number;
  readonly inBps: number;
  readonly outBps: number;
}

/** /proc/net/ip_vs_stats */
export interface IpvsGlobalStats {
  readonly totals: IpvsCounters;
  readonly rates: IpvsRates;
}

/** /proc/net/ip_vs_stats_percpu: one row per CPU (the `~` sum row is the global total). */
export interface IpvsPerCpuStats {
  readonly cpus: readonly { readonly cpu: string; readonly totals: IpvsCounters }[];
}

/**
 * The part of a connection entry that says where it belongs: the connection's virtual address
 * (for firewall-mark services the packet's own destination, since ip_vs_conn does not record the
 * mark; FWM persistence templates carry the mark instead) and its real server.
 */
export interface ConnTarget {
  readonly service: ServiceKey;
  readonly remote: IpAddr;
  readonly remotePort: number;
}

/** /proc/net/ip_vs_conn, summarised while streaming. */
export interface ConnTableSummary {
  /** Every parsed entry, templates included. */
  readonly entries: number;
  /** Connection entries (not templates) per target and state as printed (ESTABLISHED, UDP, ...). */
  readonly byState: readonly {
    readonly target: ConnTarget;
    readonly state: string;
    readonly count: number;
  }[];
  /** Persistence templates per target. */
  readonly templates: readonly { readonly target: ConnTarget; readonly count: number }[];
  /** Clients with most entries (templates excluded), largest first; empty when top-N is off. */
  readonly topClients: readonly {
    readonly addr: IpAddr;
    readonly count: number;
    readonly overcount: number;
  }[];
}

/** Scheduler, flags and persistence as `ipvsadm -Ln --thresholds/--persistent-conn` print them. */
export interface IpvsadmServiceInfo {
  readonly scheduler: string;
  /** `ops` and the scheduler flags ipvsadm prints in parentheses (sh-fallback, sh-port, ...). */
  readonly flags: readonly string[];
  readonly persistence?: Persistence;
}

export interface IpvsadmDestination<D> {
  readonly addr: IpAddr;
  readonly port: number;
  readonly values: D;
}

export type IpvsadmService<S, D> = ServiceKey & {
  readonly values: S;
  readonly destinations: readonly IpvsadmDestination<D>[];
};

/** One `ipvsadm -Ln ...` listing. */
export interface IpvsadmListing<S, D> {
  readonly services: readonly IpvsadmService<S, D>[];
}

export interface IpvsThresholds {
  /** 0 means no limit. */
  readonly upper: number;
  readonly lower: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
}

export interface IpvsPersistentConns {
  readonly weight: number;
  readonly persistentConns: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
}

/**
 * A connection entry of /proc/net/ip_vs_conn kept by the sampler (templates are not sampled).
 * The sample is decided by a hash of the client address and port, so a connection that is in
 * the sample is in every collection while it lives: its lifetime and state changes are visible.
 */
export interface SampledConn {
  readonly proto: Protocol;
  readonly client: IpAddr;
  readonly clientPort: number;
  /** The connection's virtual address (the packet's destination for firewall-mark services). */
  readonly virtual: IpAddr;
  readonly virtualPort: number;
  readonly remote: IpAddr;
  readonly remotePort: number;
  /** As printed: ESTABLISHED, FIN_WAIT, TIME_WAIT, UDP, ... */
  readonly state: string;
  /** Seconds until the entry expires, as printed. */
  readonly expiresSeconds: number;
}

export interface ConnSample {
  /** One connection in `oneIn` is kept (1 = all of them). */
  readonly oneIn: number;
  readonly conns: readonly SampledConn[];
  /** Entries the sampler would have kept beyond its bound (the bound keeps memory flat). */
  readonly dropped: number;
}

/** The IPVS part of a snapshot: each field filled by one source; a source that is down leaves its field out. */
export interface IpvsSnapshot {
  readonly table?: IpvsTable;
  readonly stats?: IpvsGlobalStats;
  readonly perCpu?: IpvsPerCpuStats;
  readonly conn?: ConnTableSummary;
  readonly connSample?: ConnSample;
  readonly ipvsadmStats?: IpvsadmListing<IpvsCounters, IpvsCounters>;
  readonly ipvsadmRates?: IpvsadmListing<IpvsRates, IpvsRates>;
  readonly ipvsadmThresholds?: IpvsadmListing<IpvsadmServiceInfo, IpvsThresholds>;
  readonly ipvsadmPersistentConns?: IpvsadmListing<IpvsadmServiceInfo, IpvsPersistentConns>;
}
