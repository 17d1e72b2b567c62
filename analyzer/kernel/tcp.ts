/**
 * IPVS's own coarse TCP state machine (ip_vs_proto_tcp.c, as in 5.x/6.1): three transition
 * tables — INPUT (client → server when the director also sees replies: NAT), OUTPUT (server →
 * client, NAT only) and INPUT-ONLY (DR/TUN) — indexed by the packet's most significant flag
 * (RST > SYN > FIN > ACK) and the current state.
 */

/** IP_VS_TCP_S_*: the kernel's numbering, which also indexes TCP_STATE_NAMES (common/ipvs/conn-states.ts). */
export enum TcpState {
  None = 0,
  Established = 1,
  SynSent = 2,
  SynRecv = 3,
  FinWait = 4,
  TimeWait = 5,
  Close = 6,
  CloseWait = 7,
  LastAck = 8,
  Listen = 9,
  SynAck = 10,
}

export const TCP_SYN = 1;
export const TCP_FIN = 2;
export const TCP_ACK = 4;
export const TCP_RST = 8;

export type Direction = 'input' | 'output' | 'input-only';

const ES = TcpState.Established;
const SS = TcpState.SynSent;
const SR = TcpState.SynRecv;
const FW = TcpState.FinWait;
const TW = TcpState.TimeWait;
const CL = TcpState.Close;
const CW = TcpState.CloseWait;
const LA = TcpState.LastAck;
const LI = TcpState.Listen;
const SA = TcpState.SynAck;

// Rows: syn, fin, ack, rst. Columns: NO ES SS SR FW TW CL CW LA LI SA.
const TABLES: Record<Direction, readonly (readonly TcpState[])[]> = {
  input: [
    [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
    [CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
    [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR],
  ],
  output: [
    [SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR],
    [TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES],
    [CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL],
  ],
  'input-only': [
    [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
    [CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
    [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL],
  ],
};

/**
 * The next state for a packet with `flags` (TCP_* bits). A packet with none of SYN/FIN/ACK/RST
 * moves to CLOSE, as set_tcp_state does.
 */
export function nextTcpState(direction: Direction, state: TcpState, flags: number): TcpState {
  const row = flags & TCP_RST ? 3 : flags & TCP_SYN ? 0 : flags & TCP_FIN ? 1 : flags & TCP_ACK ? 2 : -1;
  if (row < 0) return TcpState.Close;
  return TABLES[direction][row]?.[state] ?? TcpState.Close;
}

/** 6.x: SYN_SENT, SYN_RECV, ESTABLISHED and SYNACK count as active connections. */
export function isActiveTcpState(state: TcpState): boolean {
  return state === ES || state === SS || state === SR || state === SA;
}

/** Default timeouts (ms) per state; `ipvsadm --set` changes ESTABLISHED and FIN_WAIT. */
export const DEFAULT_TCP_TIMEOUTS_MS: readonly number[] = [
  2_000, 900_000, 120_000, 60_000, 120_000, 120_000, 10_000, 60_000, 30_000, 120_000, 120_000,
];
export const DEFAULT_UDP_TIMEOUT_MS = 300_000;
