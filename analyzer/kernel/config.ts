/**
 * How the Director is configured: the kernel's own vocabulary for services, real servers,
 * timeouts and sysctls. Trace lines, `ipvsadm -S` output and the recommender all produce these.
 */
import type { Endpoint } from '../../common/net/ip.js';
import type { ForwardMethod, SchedulerName, ServiceKey } from '../../common/ipvs/vocabulary.js';

export interface ServiceSettings {
  readonly scheduler: SchedulerName;
  /** Persistence timeout in seconds (-p), or null for a non-persistent service. */
  readonly persistenceS: number | null;
  /** -M: an IPv4 mask as a 32-bit number, or an IPv6 prefix length. */
  readonly netmask: number;
  /** -b flags as SCHED1/2/3 bits. */
  readonly schedFlags: number;
  /** -o: one-packet scheduling (UDP). */
  readonly onePacket: boolean;
}

export interface ServerSettings {
  readonly forward: ForwardMethod;
  readonly weight: number;
  readonly uThreshold: number;
  readonly lThreshold: number;
}

/**
 * One change to the director, as an ipvsadm invocation makes it (already validated the way
 * ipvsadm validates its arguments).
 */
export type DirectorCommand =
  | {
      readonly op: 'add-service' | 'edit-service';
      readonly service: ServiceKey;
      readonly settings: ServiceSettings;
    }
  | { readonly op: 'delete-service'; readonly service: ServiceKey }
  | { readonly op: 'clear' }
  | {
      readonly op: 'add-server' | 'edit-server';
      readonly service: ServiceKey;
      readonly server: Endpoint;
      readonly settings: ServerSettings;
    }
  | { readonly op: 'delete-server'; readonly service: ServiceKey; readonly server: Endpoint }
  /** --set tcp tcpfin udp, seconds; 0 keeps the current value. */
  | { readonly op: 'set-timeouts'; readonly tcpS: number; readonly tcpFinS: number; readonly udpS: number }
  | { readonly op: 'zero'; readonly service: ServiceKey | null }
  /** -L, -S and friends: read-only, nothing to simulate. */
  | { readonly op: 'read-only' };

/** The net.ipv4.vs sysctls the model honours. */
export type ModelledSysctl =
  'conn_reuse_mode' | 'expire_quiescent_template' | 'lblc_expiration' | 'lblcr_expiration';

/**
 * One NAME=VALUE of a `sysctl -w net.ipv4.vs.NAME=VALUE` line. A knob the model honours carries
 * its value as the kernel stores it (an integer; seconds for the expirations); the other 6.1
 * knobs keep the text, since simulate only reports that it does not model them.
 */
export type SysctlSetting =
  | { readonly modelled: true; readonly name: ModelledSysctl; readonly value: number }
  | { readonly modelled: false; readonly name: string; readonly value: string };
