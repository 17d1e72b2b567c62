/**
 * A pool: the IPVS virtual services one application is reached through (what `--pool NAME`
 * selects), with what the operator knows that a recording may not show: how much each real server
 * can take, and how big responses are when the director never sees them (DR and TUN send the
 * server's reply straight to the client). Configuration sources (keepalived.conf, `ipvsadm -S`)
 * add the configured state the recommender compares its advice against.
 */
import type { ForwardMethod, SchedulerName, ServiceKey } from '../../../common/ipvs/vocabulary.js';
import type { IpAddr } from '../../../common/net/ip.js';

/** What a real server can take; any subset, as the operator knows it. */
export interface ServerCapacity {
  /** Its size relative to the pool's other servers (2 = twice a server given 1). */
  readonly relative?: number;
  /** New connections per second it sustains. */
  readonly connsPerSecond?: number;
  /**
   * Connections it serves at once: worker processes or threads, MySQL's max_connections,
   * nginx's worker_connections.
   */
  readonly workers?: number;
}

export interface PoolServer {
  readonly addr: IpAddr;
  /** Undefined: the server is matched by address alone (any port, as for firewall-mark services). */
  readonly port?: number;
  readonly capacity?: ServerCapacity;
  /** Configured weight (keepalived `weight`, ipvsadm `-w`): what a recommended weight is compared to. */
  readonly weight?: number;
  readonly forward?: ForwardMethod;
  /** Configured connection thresholds (`-x`/`-y`, keepalived `uthreshold`/`lthreshold`); 0 = none. */
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
  /** `file:line` it was described at. */
  readonly origin: string;
}

/** Where a pool was described. */
export type PoolSource = 'pools-file' | 'keepalived' | 'ipvsadm-save' | 'flag';

export interface Pool {
  /** How `--pool` names it: the pools file's key, a keepalived group name, or a service (`192.0.2.1:80`, `fwm:3`). */
  readonly name: string;
  /** The names the same pool has in other sources (see mergePools). */
  readonly aliases: readonly string[];
  /** Its virtual services, in the order they were written; never empty. */
  readonly services: readonly ServiceKey[];
  /** `file:line` (`stdin:line`) or `--pool SPEC` of the description that gave the name. */
  readonly origin: string;
  /** Every description merged into this pool, the naming one first. */
  readonly origins: readonly string[];
  readonly sources: readonly PoolSource[];
  readonly servers?: readonly PoolServer[];
  /** Bytes the servers send back per connection (server → client), which DR/TUN directors never see. */
  readonly responseBytesPerConn?: number;
  /** Bytes clients send per connection, when the recording's figure should not be used. */
  readonly requestBytesPerConn?: number;
  /** Configured scheduler (keepalived `lb_algo`/`lvs_sched`, ipvsadm `-s`). */
  readonly scheduler?: SchedulerName;
  /** Configured default forwarding method (keepalived `lb_kind`); each server may say its own. */
  readonly forward?: ForwardMethod;
  /** Configured persistence (`persistence_timeout`, `-p`) in seconds; 0 = not persistent. */
  readonly persistenceSeconds?: number;
  /** `persistence_granularity` / `-M`: IPv4 mask as a 32-bit number or IPv6 prefix length, when persistent. */
  readonly persistenceNetmask?: number;
}
