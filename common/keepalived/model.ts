/**
 * Typed keepalived/VRRP state read from keepalived's dumps, its notify FIFO and the host's
 * addresses. Nothing here can hold the VRRP password: the parsers never copy `auth_data` or
 * `Password = ...` into these types.
 */

import type { ServiceKey } from '../ipvs/vocabulary.js';
import type { IpAddr } from '../net/ip.js';

/** keepalived's numeric VRRP states (JSON `state`, keepalived-exporter encoding), plus internal ones. */
export const VRRP_STATE = {
  INIT: 0,
  BACKUP: 1,
  MASTER: 2,
  FAULT: 3,
  DELETED: 97,
  STOP: 98,
} as const;

/** One address line of `virtual_ipaddress` as keepalived prints it (`10.1.0.1/24 dev ens3 ...`). */
export interface Vip {
  /** First token exactly as printed (keeps `/prefix` when given): the `ip_address` label. */
  readonly raw: string;
  /** The bare address without prefix, lower-case. */
  readonly address: string;
  readonly prefixLength?: number;
  /** `dev` of the address line ("" when keepalived printed none). */
  readonly dev: string;
}

export interface VrrpStats {
  readonly advertRcvd: number;
  readonly advertSent: number;
  readonly becomeMaster: number;
  readonly releaseMaster: number;
  readonly packetLenErr: number;
  readonly advertIntervalErr: number;
  readonly ipTtlErr: number;
  readonly invalidTypeRcvd: number;
  readonly addrListErr: number;
  readonly invalidAuthtype: number;
  /** Absent in builds without VRRP authentication support. */
  readonly authtypeMismatch?: number;
  readonly authFailure?: number;
  readonly priZeroRcvd: number;
  readonly priZeroSent: number;
}

export interface VrrpInstance {
  readonly iname: string;
  /** Interface the instance runs on (`ifp_ifname`, `Interface`, 1.3.x `Listening device`). */
  readonly intf: string;
  readonly vrid: number;
  readonly state: number;
  readonly wantState?: number;
  readonly basePriority?: number;
  readonly effectivePriority?: number;
  /** Priority of the master as seen by a BACKUP (0 when MASTER itself or unknown). */
  readonly masterPriority?: number;
  /** Epoch seconds of the last state change. */
  readonly lastTransition?: number;
  readonly advertIntervalSeconds?: number;
  readonly version?: number;
  readonly nopreempt?: boolean;
  readonly garpDelay?: number;
  readonly vips: readonly Vip[];
  readonly excludedVips: readonly Vip[];
  readonly stats?: VrrpStats;
}

/** A `vrrp_script` from the text data dump. */
export interface VrrpScript {
  readonly name: string;
  /** `GOOD` / `BAD` as printed (other values are kept and reported as unknown). */
  readonly status?: string;
  /** `idle`, `running`, `requested termination`, `forcing termination` (keepalived >= 1.4.0). */
  readonly state?: string;
}

export interface TrackedProcess {
  readonly name: string;
  readonly currentProcesses?: number;
  readonly haveQuorum?: boolean;
}

/** One dump file as a source last saw it. */
export interface DumpState<T> {
  /** Parsed content of a fresh, complete dump; absent when this collection could not read one. */
  readonly value?: T;
  /** Modification time of the file on disk, epoch ms (kept when it was stale or unreadable). */
  readonly mtimeMs?: number;
  /** Why no fresh dump was read (never holds file content). */
  readonly error?: string;
}

export interface JsonDumpContent {
  readonly instances: readonly VrrpInstance[];
  readonly trackedProcesses: readonly TrackedProcess[];
}

export interface TextDataContent {
  readonly instances: readonly VrrpInstance[];
  readonly scripts: readonly VrrpScript[];
}

export interface RealServer {
  readonly addr: IpAddr;
  readonly port: number;
  readonly weight: number;
  /** keepalived's effective weight (after dynamic weight changes). */
  readonly effectiveWeight: number;
  readonly alive: boolean;
  readonly inhibitOnFailure: boolean;
  readonly failedCheckers?: number;
}

/** A virtual server of keepalived's LVS checker, identified as IPVS identifies services. */
export interface VirtualServer {
  /** The IPVS service; absent for a `virtual_server_group` (keepalived prints only its name). */
  readonly service?: ServiceKey;
  /** `virtual_server_group` name, "" otherwise. */
  readonly group: string;
  readonly scheduler?: string;
  readonly quorum?: number;
  readonly hysteresis?: number;
  readonly quorumUp?: boolean;
  readonly alive?: boolean;
  readonly realServers: readonly RealServer[];
}

/** What the notify FIFO told since the exporter started reading it. */
export interface FifoInstanceState {
  readonly type: 'INSTANCE' | 'GROUP';
  readonly name: string;
  /** Last state reported (VRRP_STATE numbers). */
  readonly state: number;
  readonly priority: number;
  /** Transitions per target state name (MASTER, BACKUP, FAULT, STOP). */
  readonly transitions: Readonly<Record<string, number>>;
  readonly lastTransitionMs: number;
  /** Priority change events (`MASTER_PRIORITY` / `BACKUP_PRIORITY`). */
  readonly priorityChanges: number;
}

export interface FifoSnapshot {
  /** false while the FIFO cannot be opened. */
  readonly open: boolean;
  readonly linesRead: number;
  readonly instances: readonly FifoInstanceState[];
}

/** Whether one configured VIP is on this host's interfaces right now. */
export interface VipPresence {
  readonly address: string;
  /** Interface it is on, or the configured one when absent ("" if unknown). */
  readonly intf: string;
  readonly present: boolean;
  /** From keepalived.conf: owning instance and VRID ("" / undefined for --keepalived.vips). */
  readonly iname: string;
  readonly vrid?: number;
  readonly excluded: boolean;
}

/** The text stats dump of one VRRP instance. */
export interface InstanceStats {
  readonly iname: string;
  readonly stats: VrrpStats;
}

/** Everything read about one keepalived daemon in one collection; each source fills its field. */
export interface KeepalivedDaemon {
  readonly name: string;
  /** VRRP dump format the sources read for this daemon (absent: no VRRP dump configured). */
  readonly vrrpFormat?: 'json' | 'text';
  readonly json?: DumpState<JsonDumpContent>;
  readonly data?: DumpState<TextDataContent>;
  /** Text stats, one entry per instance, in dump order. */
  readonly stats?: DumpState<readonly InstanceStats[]>;
  readonly checker?: DumpState<readonly VirtualServer[]>;
  /** Seconds from the dump signal to a fresh JSON/data file. */
  readonly signalSeconds?: number;
  readonly fifo?: FifoSnapshot;
  readonly vips?: readonly VipPresence[];
}
