/**
 * The connection states the kernel prints in /proc/net/ip_vs_conn, per protocol, in the order of
 * its state tables (ip_vs_proto_tcp.c, ip_vs_proto_udp.c, ip_vs_proto_sctp.c), so that a state's
 * index is the kernel's IP_VS_*_S_* number: the analyzer's TcpState follows TCP_STATE_NAMES.
 */
export const TCP_STATE_NAMES = [
  'NONE',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'SYNACK',
] as const;

export const UDP_STATE_NAMES = ['UDP'] as const;

export const SCTP_STATE_NAMES = [
  'NONE',
  'INIT1',
  'INIT',
  'COOKIE_SENT',
  'COOKIE_REPLIED',
  'COOKIE_WAIT',
  'COOKIE_ECHOED',
  'ESTABLISHED',
  'SHUTDOWN_SENT',
  'SHUTDOWN_RECEIVED',
  'SHUTDOWN_ACK_SENT',
  'REJECTED',
  'CLOSED',
] as const;
