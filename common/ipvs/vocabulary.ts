/**
 * The IPVS vocabulary both programs speak. Models, snapshots and the simulator hold the compute
 * forms (`tcp`, `masq`, a mark as a number, persistence in seconds, addresses as IpAddr); the
 * kernel, ipvsadm and node_exporter print label forms (`TCP`, `Masq`, `00000001`, ticks, Go's
 * address text). This file is the one mapping between the two.
 */
import { type Family, type IpAddr, formatEndpoint, formatIPv4 } from '../net/ip.js';

export const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

const PROTOCOL_LABELS: Readonly<Record<Protocol, string>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

/** What /proc/net/ip_vs, ipvsadm and node_exporter's `proto` label print for a protocol. */
export function protocolLabel(protocol: Protocol): string {
  return PROTOCOL_LABELS[protocol];
}

/** `TCP` → `tcp`; undefined for anything the kernel does not schedule (`IP`, `ICMP`, ...). */
export function protocolOfLabel(label: string): Protocol | undefined {
  const protocol = label.toLowerCase();
  return (PROTOCOLS as readonly string[]).includes(protocol) ? (protocol as Protocol) : undefined;
}

/** The `proto` label of firewall-mark services. */
export const FWM_LABEL = 'FWM';

/** Forwarding method of a real server: ipvsadm -m, the Local node, -i, -g. */
export const FORWARD_METHODS = ['masq', 'local', 'tunnel', 'route'] as const;
export type ForwardMethod = (typeof FORWARD_METHODS)[number];

const FORWARD_LABELS: Readonly<Record<ForwardMethod, string>> = {
  masq: 'Masq',
  local: 'Local',
  tunnel: 'Tunnel',
  route: 'Route',
};

/** As the kernel's ip_vs_fwd_name() prints it (`Masq`, `Local`, `Tunnel`, `Route`). */
export function forwardLabel(method: ForwardMethod): string {
  return FORWARD_LABELS[method];
}

export function forwardOfLabel(label: string): ForwardMethod | undefined {
  return FORWARD_METHODS.find((method) => FORWARD_LABELS[method] === label);
}

/** The kernel's schedulers, in the order ipvsadm's man page lists them. */
export const SCHEDULER_NAMES = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'sed',
  'nq',
  'fo',
  'ovf',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'mh',
  'twos',
] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

export function isSchedulerName(name: string): name is SchedulerName {
  return (SCHEDULER_NAMES as readonly string[]).includes(name);
}

/** A firewall mark as /proc prints it and the `local_mark` label carries it: 8 hex digits. */
export function markLabel(mark: number): string {
  return mark.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * Kernel ticks (jiffies) of /proc/net/ip_vs's `persistent` column as seconds; ipvsadm prints
 * seconds itself, /proc needs the kernel's CONFIG_HZ.
 */
export function ticksToSeconds(ticks: number, hz: number): number {
  return ticks / hz;
}

/**
 * A persistence netmask as ipvsadm writes it: dotted for IPv4 services (the mask as a 32-bit
 * number), a prefix length for IPv6 ones.
 */
export function netmaskLabel(netmask: number, family: Family): string {
  return family === 4 ? formatIPv4(netmask) : String(netmask);
}

/**
 * An address as node_exporter's labels print it (Go's net.IP.String()): RFC 5952 like the
 * canonical text, except that an IPv4-mapped IPv6 address is written as dotted IPv4, so series
 * join with node_exporter's.
 */
export function addressLabel(addr: IpAddr): string {
  if (addr.family === 4) return addr.text;
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0] = addr.words;
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return formatIPv4(w3);
  return addr.text;
}

/**
 * A virtual service: protocol, address and port, or a firewall mark (which the kernel keys by
 * address family too: an IPv4 and an IPv6 service may use the same mark).
 */
export type ServiceKey =
  | { readonly kind: 'addr'; readonly proto: Protocol; readonly addr: IpAddr; readonly port: number }
  | { readonly kind: 'fwmark'; readonly mark: number; readonly family: Family };

export function serviceFamily(key: ServiceKey): Family {
  return key.kind === 'fwmark' ? key.family : key.addr.family;
}

/** Label names of a service and of a destination (a real server of a service), node_exporter's. */
export const SERVICE_LABELS = ['proto', 'local_address', 'local_port', 'local_mark'] as const;
export const DESTINATION_LABELS = [...SERVICE_LABELS, 'remote_address', 'remote_port'] as const;

/** The four service labels: `proto`, `local_address`, `local_port`, `local_mark`. */
export function serviceLabels(key: ServiceKey): [string, string, string, string] {
  return key.kind === 'fwmark'
    ? [FWM_LABEL, '', '0', markLabel(key.mark)]
    : [protocolLabel(key.proto), addressLabel(key.addr), String(key.port), ''];
}

/**
 * A service's identity as its labels show it: equal exactly when all four service labels are.
 * (An IPv4 and an IPv6 firewall-mark service with the same mark print, and join, as one.)
 */
export function serviceId(key: ServiceKey): string {
  return serviceLabels(key).join(' ');
}

/** `192.0.2.1:80`, `[2001:db8::1]:80` or `fwm:3`: how the analyzer names a service in its output. */
export function serviceText(key: ServiceKey): string {
  return key.kind === 'fwmark' ? `fwm:${key.mark}` : formatEndpoint(key.addr, key.port);
}
