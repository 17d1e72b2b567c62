/**
 * IP addresses as the simulator needs them: the 32-bit words the kernel hashes (host byte order,
 * most significant first), a canonical text form used as map key and for output (dotted IPv4,
 * RFC 5952 compressed IPv6), and endpoint parsing for `ip:port` / `[ipv6]:port`.
 */
import {
  formatIPv4,
  formatIPv6,
  parseIPv4 as parseIPv4Word,
  parseIPv6 as parseIPv6Groups,
} from '../../common/net/ip.js';

export type Family = 4 | 6;

export interface IpAddr {
  readonly family: Family;
  /** One word for IPv4, four for IPv6, each an unsigned 32-bit number in host order. */
  readonly words: readonly number[];
  /** Canonical text: dotted quad, or compressed lower-case IPv6 without brackets. */
  readonly text: string;
}

export interface Endpoint {
  readonly addr: IpAddr;
  readonly port: number;
}

/** Thrown by the parsers below; the trace parser turns it into a file:line error. */
export class AddressError extends Error {}

function parseIPv4(text: string): IpAddr {
  const word = parseIPv4Word(text);
  if (word === undefined) throw new AddressError(`"${text}" is not a dotted-quad IPv4 address`);
  return { family: 4, words: [word], text: formatIPv4(word) };
}

function parseIPv6(text: string): IpAddr {
  const groups = parseIPv6Groups(text);
  if (groups === undefined) throw new AddressError(`"${text}" is not an IPv6 address`);
  const words = [0, 1, 2, 3].map((i) => ((groups[2 * i] ?? 0) * 65536 + (groups[2 * i + 1] ?? 0)) >>> 0);
  return { family: 6, words, text: formatIPv6(groups) };
}

export function parseIp(text: string): IpAddr {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

function parsePort(text: string, whole: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new AddressError(`"${whole}": port "${text}" is not a number from 0 to 65535`);
  }
  return Number(text);
}

/**
 * `ip:port`, `[ipv6]:port`; with `portOptional`, also `ip` and `[ipv6]` (port 0), the way
 * ipvsadm reads service and real-server addresses.
 */
export function parseEndpoint(text: string, portOptional = false): Endpoint & { readonly hasPort: boolean } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new AddressError(`"${text}": missing "]" after the IPv6 address`);
    const addr = parseIPv6(text.slice(1, close));
    const after = text.slice(close + 1);
    if (after === '') {
      if (!portOptional) throw new AddressError(`"${text}" has no port`);
      return { addr, port: 0, hasPort: false };
    }
    if (!after.startsWith(':')) throw new AddressError(`"${text}": expected ":port" after "]"`);
    return { addr, port: parsePort(after.slice(1), text), hasPort: true };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0 || text.indexOf(':') !== colon) {
    if (colon >= 0) throw new AddressError(`"${text}": write IPv6 addresses as [address]:port`);
    if (!portOptional) throw new AddressError(`"${text}" has no port`);
    return { addr: parseIPv4(text), port: 0, hasPort: false };
  }
  return {
    addr: parseIPv4(text.slice(0, colon)),
    port: parsePort(text.slice(colon + 1), text),
    hasPort: true,
  };
}

/** `ip:port`, IPv6 as `[addr]:port` — the output format of `simulate`. */
export function formatEndpoint(addr: IpAddr, port: number): string {
  return addr.family === 6 ? `[${addr.text}]:${port}` : `${addr.text}:${port}`;
}

/**
 * The 32-bit value the kernel's hash-based schedulers feed their hash: the IPv4 address, or the
 * XOR of the four IPv6 words (`addr_fold`), in host order (`ntohl`).
 */
export function foldAddr(addr: IpAddr): number {
  const w = addr.words;
  return w.length === 1 ? (w[0] ?? 0) : ((w[0] ?? 0) ^ (w[1] ?? 0) ^ (w[2] ?? 0) ^ (w[3] ?? 0)) >>> 0;
}

/** Client network for a persistence template: IPv4 `addr & mask`, IPv6 the first `mask` bits. */
export function maskAddr(addr: IpAddr, mask: number): IpAddr {
  if (addr.family === 4) {
    const word = ((addr.words[0] ?? 0) & mask) >>> 0;
    return { family: 4, words: [word], text: formatIPv4(word) };
  }
  const words = addr.words.map((w, i) => {
    const bits = Math.max(0, Math.min(32, mask - 32 * i));
    return bits === 0 ? 0 : bits === 32 ? w : (w & ~(0xffffffff >>> bits)) >>> 0;
  });
  const groups = words.flatMap((w) => [w >>> 16, w & 0xffff]);
  return { family: 6, words, text: formatIPv6(groups) };
}

/** Dotted IPv4 netmask as a 32-bit number (ipvsadm -M accepts any dotted quad). */
export function parseNetmask(text: string): number {
  return parseIPv4(text).words[0] ?? 0;
}
