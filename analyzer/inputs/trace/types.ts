/**
 * A trace: timed director configuration (the kernel model's own config types) and client
 * packets. The parser produces these; `simulate` and the kernel harness replay them.
 */
import type { Endpoint } from '../../../common/net/ip.js';
import type { Protocol } from '../../../common/ipvs/vocabulary.js';
import type { DirectorCommand, SysctlSetting } from '../../kernel/config.js';

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

export type TraceItem =
  | { readonly type: 'ipvsadm'; readonly command: DirectorCommand }
  | { readonly type: 'sysctl'; readonly settings: readonly SysctlSetting[] }
  | { readonly type: 'event'; readonly event: TraceEvent };

export interface TraceLine {
  /** 1-based line number in the trace file. */
  readonly line: number;
  readonly timeMs: number;
  readonly item: TraceItem;
}
