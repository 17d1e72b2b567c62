/**
 * Textual IPv4 and IPv6 addresses, shared by the exporter (ipvsadm output, keepalived dumps and
 * configs, `ip -j addr`) and the analyzer (traces): strict parsing and RFC 5952 compressed
 * output, so the same address always reads and compares the same wherever it came from. Callers
 * that must print an address some other way (node_exporter's Go form) wrap these.
 */

import { quoted } from '../parse/printable.js';

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * A dotted quad as an unsigned 32-bit number, or undefined. Octets with a leading zero are
 * refused, as inet_pton refuses them (other tools would read them as octal).
 */
export function parseIPv4(text: string): number | undefined {
  const match = DOTTED_QUAD.exec(text);
  if (!match) return undefined;
  let word = 0;
  for (let i = 1; i <= 4; i++) {
    const part = match[i] ?? '';
    const octet = Number(part);
    if (octet > 255 || (part.length > 1 && part.startsWith('0'))) return undefined;
    word = word * 256 + octet;
  }
  return word;
}

export function formatIPv4(word: number): string {
  return `${word >>> 24}.${(word >>> 16) & 0xff}.${(word >>> 8) & 0xff}.${word & 0xff}`;
}

function parseHexGroups(part: string): number[] | undefined {
  if (part === '') return [];
  const groups: number[] = [];
  for (const group of part.split(':')) {
    if (!HEX_GROUP.test(group)) return undefined;
    groups.push(parseInt(group, 16));
  }
  return groups;
}

/**
 * Any RFC 4291 text form (`::` for a run of zero groups, an embedded dotted IPv4 address as the
 * last 32 bits) as its eight 16-bit groups, or undefined.
 */
export function parseIPv6(text: string): number[] | undefined {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.includes('.', lastColon)) {
    const v4 = parseIPv4(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    body = `${body.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = parseHexGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseHexGroups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}

/**
 * RFC 5952 text of eight 16-bit groups: lower case, no leading zeros, the longest run of two or
 * more zero groups (the first of equal runs) written as `::`.
 */
export function formatIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical text of an IPv4 or IPv6 address (the forms above), or undefined. */
export function canonicalIp(text: string): string | undefined {
  if (text.includes(':')) {
    const groups = parseIPv6(text);
    return groups && formatIPv6(groups);
  }
  const word = parseIPv4(text);
  return word === undefined ? undefined : formatIPv4(word);
}

export type Family = 4 | 6;

/**
 * An IP address as both programs hold it: its family, the 32-bit words the kernel's hashes read
 * (one for IPv4, four for IPv6, most significant first, each unsigned), and its canonical text
 * (dotted quad, RFC 5952 IPv6), which is also what it serialises to in a snapshot.
 */
export interface IpAddr {
  readonly family: Family;
  readonly words: readonly number[];
  readonly text: string;
}

/** An address and a port: a service, a real server, a client. */
export interface Endpoint {
  readonly addr: IpAddr;
  readonly port: number;
}

export function ipv4Addr(word: number): IpAddr {
  return { family: 4, words: [word >>> 0], text: formatIPv4(word >>> 0) };
}

/** From eight 16-bit groups. */
export function ipv6Addr(groups: readonly number[]): IpAddr {
  const words = [0, 1, 2, 3].map((i) => ((groups[2 * i] ?? 0) * 65536 + (groups[2 * i + 1] ?? 0)) >>> 0);
  return { family: 6, words, text: formatIPv6(groups) };
}

/** From four 32-bit words. */
export function ipv6AddrOfWords(words: readonly number[]): IpAddr {
  return ipv6Addr(words.flatMap((w) => [w >>> 16, w & 0xffff]));
}

/** Dotted IPv4 or any RFC 4291 IPv6 text, or undefined. */
export function parseIp(text: string): IpAddr | undefined {
  if (text.includes(':')) {
    const groups = parseIPv6(text);
    return groups && ipv6Addr(groups);
  }
  const word = parseIPv4(text);
  return word === undefined ? undefined : ipv4Addr(word);
}

/** `ip:port`, IPv6 as `[addr]:port`. */
export function formatEndpoint(addr: IpAddr, port: number): string {
  return addr.family === 6 ? `[${addr.text}]:${port}` : `${addr.text}:${port}`;
}

function parsePort(text: string): number | undefined {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined;
}

/**
 * `ip:port` or `[ipv6]:port`; with `portOptional`, also `ip` and `[ipv6]` (port 0), the way
 * ipvsadm reads service and real-server addresses. A string is the reason it is not one.
 */
export function parseEndpoint(
  text: string,
  portOptional = false,
): (Endpoint & { readonly hasPort: boolean }) | string {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return `${quoted(text)}: missing "]" after the IPv6 address`;
    const groups = parseIPv6(text.slice(1, close));
    if (!groups) return `${quoted(text.slice(1, close))} is not an IPv6 address`;
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return `${quoted(text)}: expected ":port" after "]"`;
    return withPort(text, () => ipv6Addr(groups), after === '' ? undefined : after.slice(1), portOptional);
  }
  const colon = text.lastIndexOf(':');
  if (colon >= 0 && text.indexOf(':') !== colon)
    return `${quoted(text)}: write IPv6 addresses as [address]:port`;
  const host = colon < 0 ? text : text.slice(0, colon);
  const ipv4 = () => {
    const word = parseIPv4(host);
    return word === undefined ? `${quoted(host)} is not a dotted-quad IPv4 address` : ipv4Addr(word);
  };
  return withPort(text, ipv4, colon < 0 ? undefined : text.slice(colon + 1), portOptional);
}

/** The checks in the order ipvsadm's own error messages suggest: a missing port first. */
function withPort(
  whole: string,
  address: () => IpAddr | string,
  portText: string | undefined,
  portOptional: boolean,
): (Endpoint & { readonly hasPort: boolean }) | string {
  if (portText === undefined && !portOptional) return `${quoted(whole)} has no port`;
  const addr = address();
  if (typeof addr === 'string') return addr;
  if (portText === undefined) return { addr, port: 0, hasPort: false };
  const port = parsePort(portText);
  return port === undefined
    ? `${quoted(whole)}: port ${quoted(portText)} is not a number from 0 to 65535`
    : { addr, port, hasPort: true };
}
