/**
 * The forwarding modes the cost model compares (modes-and-capacity.md §1): what each puts on the
 * director's path and how many bytes its encapsulation adds to every inbound packet.
 */
import type { Family } from '../../common/net/ip.js';

export type ForwardingMode = 'nat' | 'dr' | 'tun-ipip' | 'tun-gre' | 'tun-gue' | 'fullnat';

/**
 * Simplest first: least director work and fewest moving parts on the path (DR rewrites a MAC,
 * tunnels add a header and need decapsulation, NAT puts the director on the return path,
 * FULLNAT adds source NAT, LIPs and a non-mainline director). The recommendation takes the first
 * that fits; reports list the modes in this order.
 */
export const MODES: readonly ForwardingMode[] = ['dr', 'tun-ipip', 'tun-gre', 'tun-gue', 'nat', 'fullnat'];

export const MODE_LABELS: Readonly<Record<ForwardingMode, string>> = {
  dr: 'DR',
  'tun-ipip': 'TUN/IPIP',
  'tun-gre': 'TUN/GRE',
  'tun-gue': 'TUN/GUE',
  nat: 'NAT',
  fullnat: 'FULLNAT',
};

/** Modes whose replies come back through the director. */
export function bothWays(mode: ForwardingMode): boolean {
  return mode === 'nat' || mode === 'fullnat';
}

export function isTunnel(mode: ForwardingMode): boolean {
  return mode.startsWith('tun-');
}

/**
 * The kernel's forward method → mode (`local` has none). `tunnel` is taken as IPIP: the workload
 * model does not carry the tunnel type.
 */
export function modeOfForward(forward: string): ForwardingMode | undefined {
  switch (forward) {
    case 'masq':
      return 'nat';
    case 'route':
      return 'dr';
    case 'tunnel':
      return 'tun-ipip';
    default:
      return undefined;
  }
}

/** Outer IP header: 20 bytes for IPv4, 40 for IPv6 (the kernel picks the real server's family). */
const OUTER_IP: Readonly<Record<Family, number>> = { 4: 20, 6: 40 };

export interface TunnelOptions {
  /** `--tun-csum`: GRE checksum, 4 more bytes. */
  readonly greChecksum: boolean;
  /** `--tun-remcsum`: GUE remote checksum offload, 8 more bytes (private flags + option). */
  readonly gueRemoteChecksum: boolean;
}

/**
 * Bytes a mode adds to every forwarded inbound packet: 0 for DR/NAT/FULLNAT; outer IP for IPIP,
 * + GRE's 4-byte base header (`gre_calc_hlen`), + UDP 8 and GUE 4 for GUE (ip_vs_xmit.c).
 */
export function tunnelHeaderBytes(mode: ForwardingMode, family: Family, t: TunnelOptions): number {
  switch (mode) {
    case 'tun-ipip':
      return OUTER_IP[family];
    case 'tun-gre':
      return OUTER_IP[family] + 4 + (t.greChecksum ? 4 : 0);
    case 'tun-gue':
      return OUTER_IP[family] + 8 + 4 + (t.gueRemoteChecksum ? 8 : 0);
    default:
      return 0;
  }
}

/** IP + TCP headers without options inside the packet: what MTU − MSS leaves. */
export function innerHeaderBytes(family: Family): number {
  return OUTER_IP[family] + 20;
}
