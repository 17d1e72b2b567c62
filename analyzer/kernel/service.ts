import type { Protocol, SchedulerName } from '../../common/ipvs/vocabulary.js';
import type { Family, IpAddr } from '../../common/net/ip.js';
import type { Scheduler, ServiceView } from './schedulers/scheduler.js';
import type { Dest } from './dest.js';
import type { Timed } from './timers.js';

/** A virtual service: identity, settings from ipvsadm -A/-E, and its dest list (head first). */
export class Service implements ServiceView {
  readonly dests: Dest[] = [];
  schedFlags = 0;
  persistent = false;
  /** Persistence timeout (-p) in ms. */
  timeoutMs = 0;
  /** IPv4 mask as a 32-bit number, or an IPv6 prefix length. */
  netmask = 0xffffffff;
  onePacket = false;
  schedulerName: SchedulerName;
  scheduler: Scheduler;
  /** The scheduler's periodic housekeeping timer, if it has one. */
  housekeeping: Timed | null = null;
  statsConns = 0;

  constructor(
    /** Lookup key: `tcp|192.0.2.1|80` or `fwm|4|1`. */
    readonly key: string,
    /** Output label: `192.0.2.1:80`, `[2001:db8::1]:80` or `fwm:1`. */
    readonly label: string,
    readonly family: Family,
    /** null for firewall-mark services. */
    readonly proto: Protocol | null,
    readonly addr: IpAddr | null,
    readonly port: number,
    readonly fwmark: number,
    schedulerName: SchedulerName,
    scheduler: Scheduler,
  ) {
    this.schedulerName = schedulerName;
    this.scheduler = scheduler;
  }
}
