/**
 * What the IPVS parser tests share: addresses from their text, services found by their compute
 * key (protocol, address text and port, or mark), and one string per key to compare listings.
 */
import type { Protocol, ServiceKey } from '../../../common/ipvs/vocabulary.js';
import { type IpAddr, parseIp } from '../../../common/net/ip.js';

/** The IpAddr the parsers return for an address, from its text (dotted IPv4 or IPv6). */
export function ip(text: string): IpAddr {
  const addr = parseIp(text);
  if (!addr) throw new Error(`not an address: ${text}`);
  return addr;
}

/** The first service with this protocol, address text and port. */
export function findService<S extends ServiceKey>(
  services: readonly S[],
  proto: Protocol,
  address: string,
  port: number,
): S | undefined {
  return services.find((service) => {
    const key: ServiceKey = service;
    return key.kind === 'addr' && key.proto === proto && key.addr.text === address && key.port === port;
  });
}

/** The first firewall-mark service with this mark. */
export function findMark<S extends ServiceKey>(services: readonly S[], mark: number): S | undefined {
  return services.find((service) => {
    const key: ServiceKey = service;
    return key.kind === 'fwmark' && key.mark === mark;
  });
}

/** A key as one string, family included: `tcp 192.0.2.10 80`, `fwmark 6 IPv6`. */
export function keyText(key: ServiceKey): string {
  return key.kind === 'addr'
    ? `${key.proto} ${key.addr.text} ${key.port}`
    : `fwmark ${key.mark} IPv${key.family}`;
}
