import type { Endpoint, Family, IpAddr } from '../../net/addr.js';
import type { ForwardMethod } from '../../kernel/dest.js';
import type { Protocol } from '../../kernel/packet.js';
import type { SchedulerName } from '../../kernel/schedulers/scheduler.js';

/** A virtual service as ipvsadm names it: protocol + address + port, or a firewall mark. */
export type ServiceSpec =
  | { readonly kind: 'addr'; readonly proto: Protocol; readonly addr: IpAddr; readonly port: number }
  | { readonly kind: 'fwmark'; readonly mark: number; readonly family: Family };

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

/** One ipvsadm invocation, already validated the way ipvsadm validates its arguments. */
export type IpvsadmCommand =
  | {
      readonly op: 'add-service' | 'edit-service';
      readonly service: ServiceSpec;
      readonly settings: ServiceSettings;
    }
  | { readonly op: 'delete-service'; readonly service: ServiceSpec }
  | { readonly op: 'clear' }
  | {
      readonly op: 'add-server' | 'edit-server';
      readonly service: ServiceSpec;
      readonly server: Endpoint;
      readonly settings: ServerSettings;
    }
  | { readonly op: 'delete-server'; readonly service: ServiceSpec; readonly server: Endpoint }
  /** --set tcp tcpfin udp, seconds; 0 keeps the current value. */
  | { readonly op: 'set-timeouts'; readonly tcpS: number; readonly tcpFinS: number; readonly udpS: number }
  | { readonly op: 'zero'; readonly service: ServiceSpec | null }
  /** -L, -S and friends: read-only, nothing to simulate. */
  | { readonly op: 'read-only' };

/** What the client sends: syn (new connection), est (handshake ACK), fin (close), rst, udp. */
export type EventKind = 'syn' | 'est' | 'fin' | 'rst' | 'udp';

export interface TraceEvent {
  readonly kind: EventKind;
  readonly proto: Protocol;
  readonly client: Endpoint;
  readonly target: Endpoint;
  /** fwmark=N on the line; 0 = unmarked. */
  readonly fwmark: number;
}

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

export type TraceItem =
  | { readonly type: 'ipvsadm'; readonly command: IpvsadmCommand }
  | { readonly type: 'sysctl'; readonly settings: readonly SysctlSetting[] }
  | { readonly type: 'event'; readonly event: TraceEvent };

export interface TraceLine {
  /** 1-based line number in the trace file. */
  readonly line: number;
  readonly timeMs: number;
  readonly item: TraceItem;
}

/** A line that could not be parsed: where, which field, and why. */
export interface TraceError {
  readonly file: string;
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export function formatTraceError(e: TraceError): string {
  return `${e.file}:${e.line}: ${e.field}: ${e.message}`;
}
