import type { Dest } from './dest.js';
import type { Protocol } from '../../common/ipvs/vocabulary.js';
import { TcpState } from './tcp.js';
import type { Timed } from './timers.js';

/**
 * A connection entry, or a persistence template (`template`), with the fields the kernel's
 * ip_vs_conn carries that matter for scheduling: the bound dest, TCP state and activity flag,
 * the controlling template, and the timer.
 */
export class Conn implements Timed {
  expiresAt = Infinity;
  queuedAt = Infinity;
  state: TcpState = TcpState.None;
  /** Counted in inactconns (kernel IP_VS_CONN_F_INACTIVE); every new connection starts so. */
  inactive = true;
  /** DR/TUN: the director sees no replies, so the INPUT-ONLY table applies. */
  noOutput: boolean;
  /** Current timeout, set by the last state transition. */
  timeoutMs = 3_000;
  /** The template this connection was created through. */
  control: Conn | null = null;
  /** Connections created through this template and still alive. */
  nControl = 0;

  constructor(
    /** Key in the connection (or template) table. */
    readonly key: string,
    readonly proto: Protocol,
    readonly template: boolean,
    readonly dest: Dest,
    /** Output label of the real server: dest address and the port the connection uses. */
    readonly destLabel: string,
    /** Output label of the virtual service the entry was created for. */
    readonly serviceLabel: string,
    readonly onePacket: boolean,
    private readonly expire: (conn: Conn, now: number) => void,
  ) {
    this.noOutput = dest.forward !== 'masq';
  }

  fire(now: number): void {
    this.expire(this, now);
  }
}
