/**
 * Address text in the forms the kernel and ipvsadm print, turned into the label form shared with
 * node_exporter: dotted IPv4, and IPv6 as Go's net.IP.String() writes it (RFC 5952 compression,
 * lower case, and IPv4-mapped addresses as plain dotted IPv4) so series join with its output.
 */
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../net/ip.js';
import type { AddressFamily } from './model.js';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly family: AddressFamily;
}

const HEX_DIGITS = /^[0-9A-Fa-f]+$/;

/** Parses an unsigned hex integer, exact beyond 2^53 too (rounded like Go's float64(uint64)). */
export function parseHex(text: string): number | undefined {
  if (text === '' || !HEX_DIGITS.test(text)) return undefined;
  return text.length <= 13 ? parseInt(text, 16) : Number(BigInt('0x' + text));
}

/** text[start, end) as hex (at most 13 digits, so exact), NaN when empty or not hex. */
function hexAt(text: string, start: number, end: number): number {
  if (end <= start || end - start > 13) return NaN;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) | 0x20; // folds A-F onto a-f, keeps digits
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return NaN;
    value = value * 16 + digit;
  }
  return value;
}

/** Eight 16-bit groups as Go's net.IP.String() prints them: RFC 5952, but IPv4-mapped as IPv4. */
export function formatIPv6AsGo(groups: readonly number[]): string {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return formatIPv4(((g6 << 16) | g7) >>> 0);
  }
  return formatIPv6(groups);
}

/** Eight hex groups of exactly four digits separated by colons, as the kernel prints with %pI6. */
function parseFullIPv6(text: string): number[] | undefined {
  if (text.length !== 39) return undefined;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) {
    const part = text.slice(i * 5, i * 5 + 4);
    if ((i < 7 && text[i * 5 + 4] !== ':') || part.length !== 4) return undefined;
    const value = parseHex(part);
    if (value === undefined) return undefined;
    groups.push(value);
  }
  return groups;
}

/**
 * A kernel address:port token from /proc/net/ip_vs: `C0A80016:0CEA` (IPv4, 13 characters) or
 * `[2001:0db8:...:0001]:0050` (IPv6, 46 characters). Returns an error text otherwise.
 */
export function parseKernelEndpoint(token: string): Endpoint | string {
  if (token.length === 13 && token.charCodeAt(8) === 58) {
    const address = hexAt(token, 0, 8);
    const port = hexAt(token, 9, 13);
    if (address !== address || port !== port) return `bad hex in "${token}"`;
    return { address: formatIPv4(address), port, family: 'ipv4' };
  }
  if (token.length === 46 && token[0] === '[' && token[40] === ']' && token[41] === ':') {
    const groups = parseFullIPv6(token.slice(1, 40));
    const port = parseHex(token.slice(42));
    if (!groups || port === undefined) return `bad IPv6 address in "${token}"`;
    return { address: formatIPv6AsGo(groups), port, family: 'ipv6' };
  }
  return `"${token}" is neither HEX8:PORT nor [IPv6]:PORT`;
}

/** A bare kernel address as in /proc/net/ip_vs_conn: 8 hex digits or the full IPv6 form. */
export function parseKernelAddress(token: string): { address: string; family: AddressFamily } | undefined {
  if (token.length === 8) {
    const value = parseHex(token);
    return value === undefined ? undefined : { address: formatIPv4(value), family: 'ipv4' };
  }
  const groups = parseFullIPv6(token);
  return groups ? { address: formatIPv6AsGo(groups), family: 'ipv6' } : undefined;
}

/**
 * An address:port as ipvsadm -n prints it: `192.0.2.10:80` or `[2001:db8:f::10]:80`, returned in
 * the same label form as the kernel's hex tokens so the two sources join.
 */
export function parseTextEndpoint(token: string): Endpoint | string {
  const colon = token.lastIndexOf(':');
  const portText = token.slice(colon + 1);
  if (colon < 0 || !/^\d{1,5}$/.test(portText)) return `"${token}" has no :port`;
  const port = Number(portText);
  const host = token.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) {
    const groups = parseIPv6(host.slice(1, -1));
    return groups
      ? { address: formatIPv6AsGo(groups), port, family: 'ipv6' }
      : `bad IPv6 address in "${token}"`;
  }
  const word = parseIPv4(host);
  return word === undefined
    ? `bad IPv4 address in "${token}"`
    : { address: formatIPv4(word), port, family: 'ipv4' };
}

/** A firewall mark in the kernel's /proc form: 8 upper-case hex digits. */
export function formatMark(mark: number): string {
  return mark.toString(16).toUpperCase().padStart(8, '0');
}
