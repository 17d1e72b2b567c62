import type { ForwardMethod } from '../../common/ipvs/vocabulary.js';
import type { IpAddr } from '../../common/net/ip.js';
import { foldAddr } from './addr.js';

/**
 * A real server ("dest") of a virtual service, with exactly the per-dest state the kernel's
 * schedulers read (schedulers.md §1.2). Plain mutable fields: schedulers read them on every
 * decision and the connection model updates them on every bind/unbind/state change.
 */
export class Dest {
  readonly addr: IpAddr;
  readonly port: number;
  /** `ntohs(port) + ntohl(addr_fold)` as mh hashes it, precomputed. */
  readonly mhKey: number;
  /** Text `ip:port` (IPv6 bracketed) used in output. */
  readonly label: string;
  /** Identity of the service it was created for (kernel trash lookups match on it). */
  readonly serviceKey: string;

  weight = 0;
  /** Weight given at add time, then the last non-zero weight of an edit; only mh reads it. */
  lastWeight = 0;
  activeConns = 0;
  inactConns = 0;
  persistConns = 0;
  overloaded = false;
  /** In its service's list (kernel IP_VS_DEST_F_AVAILABLE). */
  available = false;
  uThreshold = 0;
  lThreshold = 0;
  forward: ForwardMethod = 'route';
  /** References the kernel counts: bound connections and templates, lblc/lblcr cache entries. */
  refs = 0;
  /** Connections scheduled to this dest since it was created or zeroed (ipvsadm --stats "Conns"). */
  statsConns = 0;
  /** When the dest trash first saw it unreferenced (kernel dest->idle_start); null = not yet. */
  idleSince: number | null = null;

  constructor(addr: IpAddr, port: number, label: string, serviceKey: string) {
    this.addr = addr;
    this.port = port;
    this.label = label;
    this.serviceKey = serviceKey;
    this.mhKey = (port + foldAddr(addr)) >>> 0;
  }

  /** activeconns·256 + inactconns (ip_vs_dest_conn_overhead); templates are not counted. */
  overhead(): number {
    return this.activeConns * 256 + this.inactConns;
  }

  /** Connections (not templates) the thresholds compare with -x/-y (ip_vs_dest_totalconns). */
  connCount(): number {
    return this.activeConns + this.inactConns;
  }
}

/**
 * ip_vs_bind_dest's counting: a new entry is counted (a template in persistconns, a connection
 * inactive: every connection starts so), then OVERLOAD is raised at the upper threshold. Shared by
 * the Director and the lean replay engine (analyzer/replay/engine.ts), so both apply one rule.
 */
export function bindEntry(d: Dest, template: boolean): void {
  d.refs++;
  if (template) d.persistConns++;
  else d.inactConns++;
  if (d.uThreshold !== 0 && d.connCount() >= d.uThreshold) d.overloaded = true;
}

/** ip_vs_unbind_dest: uncount, then clear OVERLOAD by the lower threshold (or ¾ of the upper). */
export function unbindEntry(d: Dest, template: boolean, inactive: boolean): void {
  d.refs--;
  if (template) d.persistConns--;
  else if (inactive) d.inactConns--;
  else d.activeConns--;
  if (d.lThreshold !== 0) {
    if (d.connCount() < d.lThreshold) d.overloaded = false;
  } else if (d.uThreshold !== 0) {
    if (d.connCount() * 4 < d.uThreshold * 3) d.overloaded = false;
  } else {
    d.overloaded = false;
  }
}
