/**
 * Typed IPVS state read from /proc/net/ip_vs* and ipvsadm. Every address is already in its label
 * form (dotted IPv4, compressed IPv6), so the families and the sinks never re-parse anything.
 */
export type AddressFamily = 'ipv4' | 'ipv6';

/**
 * Identity of a virtual service, in the label formats node_exporter uses: `proto` as printed
 * (TCP, UDP, SCTP, FWM), `address` "" and `port` 0 for firewall-mark services, `mark` the 8 hex
 * digits the kernel prints for FWM services and "" otherwise.
 */
export interface ServiceKey {
  readonly proto: string;
  readonly address: string;
  readonly port: number;
  readonly mark: string;
}

export interface Persistence {
  /** Timeout as /proc prints it: kernel ticks (jiffies), i.e. seconds × CONFIG_HZ. */
  readonly timeoutTicks: number;
  /** The mask in ipvsadm's notation: dotted for IPv4 services, a prefix length for IPv6. */
  readonly netmask: string;
}

/** One line of /proc/net/ip_vs under a service: a real server of that service. */
export interface IpvsDestination {
  readonly address: string;
  readonly port: number;
  readonly family: AddressFamily;
  /** Masq, Local, Tunnel, Route (or whatever a future kernel prints). */
  readonly forward: string;
  readonly weight: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
}

export interface IpvsService extends ServiceKey {
  /** For FWM services /proc does not say; taken from the first destination (IPv4 if none). */
  readonly family: AddressFamily;
  readonly scheduler: string;
  /** Tokens after the scheduler other than `persistent T M` (`ops`, future flags). */
  readonly flags: readonly string[];
  readonly persistence?: Persistence;
  readonly destinations: readonly IpvsDestination[];
}

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
export interface ConnTarget extends ServiceKey {
  readonly remoteAddress: string;
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
    readonly address: string;
    readonly count: number;
    readonly overcount: number;
  }[];
}

/** Scheduler, flags and persistence as `ipvsadm -Ln --thresholds/--persistent-conn` print them. */
export interface IpvsadmServiceInfo {
  readonly scheduler: string;
  /** `ops` and the scheduler flags ipvsadm prints in parentheses (sh-fallback, sh-port, ...). */
  readonly flags: readonly string[];
  readonly persistence?: { readonly timeoutSeconds: number; readonly netmask: string };
}

export interface IpvsadmDestination<D> {
  readonly address: string;
  readonly port: number;
  readonly values: D;
}

export interface IpvsadmService<S, D> extends ServiceKey {
  readonly family: AddressFamily;
  readonly values: S;
  readonly destinations: readonly IpvsadmDestination<D>[];
}

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
 * The snapshot slot. Each field is written by one source (hence not readonly); a source that is
 * down leaves its field undefined.
 */
export interface IpvsSnapshot {
  table: IpvsTable;
  stats: IpvsGlobalStats;
  perCpu: IpvsPerCpuStats;
  conn: ConnTableSummary;
  ipvsadmStats: IpvsadmListing<IpvsCounters, IpvsCounters>;
  ipvsadmRates: IpvsadmListing<IpvsRates, IpvsRates>;
  ipvsadmThresholds: IpvsadmListing<IpvsadmServiceInfo, IpvsThresholds>;
  ipvsadmPersistentConns: IpvsadmListing<IpvsadmServiceInfo, IpvsPersistentConns>;
}
