/**
 * Ready-to-apply configuration for a recommended service: the `ipvsadm -E`/`-e` lines that turn
 * the running configuration into it, the same configuration in `ipvsadm-restore` format, and a
 * keepalived `virtual_server` block (accepted by `keepalived -t`), and what the real servers
 * need for a forwarding mode. Nothing is ever applied.
 */
import {
  type ForwardMethod,
  type SchedulerName,
  type ServiceKey,
  netmaskLabel,
  protocolLabel,
  serviceFamily,
} from '../../common/ipvs/vocabulary.js';
import { type IpAddr, formatEndpoint } from '../../common/net/ip.js';

/** Tunnel encapsulation of a `tunnel` server (ipvsadm --tun-type); absent = ipip. */
export interface TunnelType {
  readonly type: 'gre' | 'gue';
  /** GUE's UDP port (--tun-port), the one the real servers' `ip fou add port N gue` listens on. */
  readonly port?: number;
}

export interface AppliedServer {
  readonly addr: IpAddr;
  readonly port: number;
  readonly weight: number;
  readonly forward: ForwardMethod;
  readonly tunnel?: TunnelType;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
}

export interface AppliedService {
  readonly key: ServiceKey;
  readonly scheduler: SchedulerName;
  /** sh-fallback, sh-port, mh-fallback, mh-port (ipvsadm -b). */
  readonly flags: readonly string[];
  /** 0 = not persistent. */
  readonly persistenceSeconds: number;
  readonly netmask?: number;
  readonly servers: readonly AppliedServer[];
}

const SCHED_FLAGS = new Set(['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port']);

function serviceArgs(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `-f ${key.mark}${key.family === 6 ? ' -6' : ''}`;
  return `${key.proto === 'udp' ? '-u' : key.proto === 'sctp' ? '--sctp-service' : '-t'} ${formatEndpoint(key.addr, key.port)}`;
}

const FORWARD_FLAG: Readonly<Record<ForwardMethod, string>> = {
  masq: '-m',
  tunnel: '-i',
  route: '-g',
  local: '-g',
};

function serviceOptions(s: AppliedService): string {
  const family = serviceFamily(s.key);
  const parts = [`-s ${s.scheduler}`];
  if (s.persistenceSeconds > 0) {
    parts.push(`-p ${s.persistenceSeconds}`);
    const full = family === 6 ? 128 : 0xffffffff;
    if (s.netmask !== undefined && s.netmask !== full) parts.push(`-M ${netmaskLabel(s.netmask, family)}`);
  }
  const flags = s.flags.filter((f) => SCHED_FLAGS.has(f));
  if (flags.length > 0) parts.push(`-b ${flags.join(',')}`);
  return parts.join(' ');
}

function serverOptions(r: AppliedServer): string {
  const parts = [`-r ${formatEndpoint(r.addr, r.port)} ${FORWARD_FLAG[r.forward]} -w ${r.weight}`];
  if (r.forward === 'tunnel' && r.tunnel)
    parts.push(
      `--tun-type ${r.tunnel.type}${r.tunnel.port !== undefined ? ` --tun-port ${r.tunnel.port}` : ''}`,
    );
  if (r.upperThreshold) parts.push(`-x ${r.upperThreshold}`);
  if (r.lowerThreshold) parts.push(`-y ${r.lowerThreshold}`);
  return parts.join(' ');
}

const sameServer = (a: AppliedServer, b: AppliedServer) => a.addr.text === b.addr.text && a.port === b.port;

/**
 * The ipvsadm commands from `current` to `next`: `-E` when a service setting changes (it
 * replaces every field, so the line repeats persistence and flags), `-e` for each real server
 * whose weight, forwarding method or thresholds change, `-a`/`-d` for servers added or removed.
 */
export function ipvsadmEdits(current: AppliedService, next: AppliedService): string[] {
  const lines: string[] = [];
  const svc = serviceArgs(next.key);
  if (serviceOptions(current) !== serviceOptions(next))
    lines.push(`ipvsadm -E ${svc} ${serviceOptions(next)}`);
  for (const r of next.servers) {
    const before = current.servers.find((c) => sameServer(c, r));
    if (!before) lines.push(`ipvsadm -a ${svc} ${serverOptions(r)}`);
    else if (serverOptions(before) !== serverOptions(r)) lines.push(`ipvsadm -e ${svc} ${serverOptions(r)}`);
  }
  for (const c of current.servers) {
    if (!next.servers.some((r) => sameServer(c, r)))
      lines.push(`ipvsadm -d ${svc} -r ${formatEndpoint(c.addr, c.port)}`);
  }
  return lines;
}

/** The whole service in `ipvsadm-save -n` form, for `ipvsadm -R`. */
export function ipvsadmRestore(s: AppliedService): string[] {
  const svc = serviceArgs(s.key);
  return [`-A ${svc} ${serviceOptions(s)}`, ...s.servers.map((r) => `-a ${svc} ${serverOptions(r)}`)];
}

const LB_KIND: Readonly<Record<ForwardMethod, string>> = {
  masq: 'NAT',
  tunnel: 'TUN',
  route: 'DR',
  local: 'DR',
};

/**
 * A keepalived 2.2 `virtual_server` block. Real-server health checks are the operator's: a plain
 * TCP_CHECK is written where none is known, to be replaced by the checks already in use.
 */
export function keepalivedVirtualServer(s: AppliedService): string {
  const key = s.key;
  const head =
    key.kind === 'fwmark'
      ? `virtual_server fwmark ${key.mark}`
      : `virtual_server ${key.addr.text} ${key.port}`;
  const kinds = [...new Set(s.servers.map((r) => LB_KIND[r.forward]))];
  const lines = [`${head} {`, '    delay_loop 6', `    lb_algo ${s.scheduler}`];
  if (kinds.length === 1) lines.push(`    lb_kind ${kinds[0]}`);
  if (s.persistenceSeconds > 0) {
    lines.push(`    persistence_timeout ${s.persistenceSeconds}`);
    const family = serviceFamily(key);
    const full = family === 6 ? 128 : 0xffffffff;
    if (s.netmask !== undefined && s.netmask !== full)
      lines.push(`    persistence_granularity ${netmaskLabel(s.netmask, family)}`);
  }
  for (const flag of s.flags.filter((f) => SCHED_FLAGS.has(f))) lines.push(`    ${flag}`);
  if (key.kind === 'fwmark' && key.family === 6) lines.push('    ip_family inet6');
  // keepalived ignores the protocol and the real servers' ports of firewall-mark services.
  if (key.kind === 'addr') lines.push(`    protocol ${protocolLabel(key.proto)}`);
  for (const r of s.servers) {
    lines.push(
      `    real_server ${r.addr.text}${key.kind === 'addr' ? ` ${r.port}` : ''} {`,
      `        weight ${r.weight}`,
    );
    if (kinds.length > 1) lines.push(`        lvs_method ${LB_KIND[r.forward]}`);
    // keepalived knows tun_type only when built with IPVS tunnel types (not Debian 12's 2.2.7).
    if (r.forward === 'tunnel' && r.tunnel)
      lines.push(
        `        # tun_type ${r.tunnel.type}${r.tunnel.port !== undefined ? ` port ${r.tunnel.port}` : ''}  (keepalived built with IPVS tunnel types; else set it with ipvsadm)`,
      );
    if (r.upperThreshold) lines.push(`        uthreshold ${r.upperThreshold}`);
    if (r.lowerThreshold) lines.push(`        lthreshold ${r.lowerThreshold}`);
    lines.push('        TCP_CHECK {', '            connect_timeout 3', '        }', '    }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** The forwarding mode a real server's side is set up for (analyzer/cost's modes). */
export type RealServerMode = 'nat' | 'dr' | 'tun-ipip' | 'tun-gre' | 'tun-gue' | 'fullnat';

export interface RealServerOptions {
  /** The MSS to advertise through a tunnel (MTU − tunnel header − IP/TCP headers). */
  readonly mss?: number;
  /** GUE's UDP port. */
  readonly guePort?: number;
}

/**
 * What every real server needs for a mode (to run there, not on the director): the VIP on a
 * non-ARPing device with ARP suppression for DR/TUN (arp_ignore=1, arp_announce=2), the tunnel
 * device and rp_filter off for TUN (decapsulated packets arrive on the tunnel, not the route
 * back), the MSS that fits the tunnel, and for NAT the default route via the director.
 */
export function realServerSteps(mode: RealServerMode, key: ServiceKey, o: RealServerOptions = {}): string[] {
  const vip = key.kind === 'addr' ? key.addr : undefined;
  const v6 = vip?.family === 6;
  const vipText = vip ? `${vip.text}/${v6 ? 128 : 32}` : 'VIP/32 (each address the firewall mark selects)';
  const arp = v6
    ? []
    : [
        'sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2',
        'sysctl -w net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2',
      ];
  const persist = 'persist the sysctls in /etc/sysctl.d/ and the address in the network configuration';
  const mss = (dev: string) =>
    o.mss === undefined
      ? []
      : [
          `advertise MSS ${o.mss} so full segments fit the tunnel: ip route change default via GATEWAY advmss ${o.mss} (or iptables -t mangle -A OUTPUT -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss ${o.mss}; ${dev} needs no MTU change)`,
        ];
  const rpFilter = (dev: string) => [
    `sysctl -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.${dev}.rp_filter=0`,
  ];
  switch (mode) {
    case 'dr':
      return [
        `ip addr add ${vipText} dev lo`,
        ...arp,
        persist,
        'the real servers must share an L2 segment with the director, and listen on the virtual port',
      ];
    case 'tun-ipip':
      return [
        `modprobe ${v6 ? 'ip6_tunnel' : 'ipip'}`,
        `ip link set ${v6 ? 'ip6tnl0' : 'tunl0'} up`,
        `ip addr add ${vipText} dev ${v6 ? 'ip6tnl0' : 'tunl0'}`,
        ...arp,
        ...rpFilter(v6 ? 'ip6tnl0' : 'tunl0'),
        ...mss('tunl0'),
        persist,
      ];
    case 'tun-gre':
      return [
        'modprobe ip_gre',
        'ip link set gre0 up',
        `ip addr add ${vipText} dev gre0`,
        ...arp,
        ...rpFilter('gre0'),
        ...mss('gre0'),
        persist,
      ];
    case 'tun-gue': {
      const port = o.guePort ?? 6080;
      return [
        'modprobe fou',
        `ip fou add port ${port} gue`,
        'ip link add name gue0 type ipip remote any local any encap gue encap-sport auto encap-dport 0',
        'ip link set gue0 up',
        `ip addr add ${vipText} dev gue0`,
        ...arp,
        ...rpFilter('gue0'),
        ...mss('gue0'),
        `the director's --tun-port must be ${port}`,
        persist,
      ];
    }
    case 'nat':
      return [
        "ip route replace default via DIRECTOR_INTERNAL_IP  # the director must be the real servers' gateway",
        'on the director: sysctl -w net.ipv4.ip_forward=1',
        'remove the VIP from lo and the arp_ignore/arp_announce settings if DR left them',
      ];
    case 'fullnat':
      return [
        'FULLNAT needs a director that implements it (DPVS, alibaba/LVS), not mainline IPVS',
        'load the TOA module on the real servers if the application must see client addresses',
        "no route or VIP change on the real servers: replies go to the director's local addresses",
      ];
  }
}
