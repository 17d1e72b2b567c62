/**
 * Address text in the forms the kernel and ipvsadm print, turned into the label form shared with
 * node_exporter: dotted IPv4, and IPv6 as Go's net.IP.String() writes it (RFC 5952 compression,
 * lower case, and IPv4-mapped addresses as plain dotted IPv4) so series join with its output.
 */
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

export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/** Formats eight 16-bit groups the way Go does. */
export function formatIPv6(groups: readonly number[]): string {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return `${g6 >>> 8}.${g6 & 0xff}.${g7 >>> 8}.${g7 & 0xff}`;
  }
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
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((group) => group.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
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
    return { address: formatIPv6(groups), port, family: 'ipv6' };
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
  return groups ? { address: formatIPv6(groups), family: 'ipv6' } : undefined;
}

function parseDottedIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : 256));
  return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

/** Parses textual IPv6 (any RFC 4291 form, including `::` and an embedded dotted IPv4 tail). */
export function parseTextIPv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (const [index, piece] of pieces.entries()) {
      if (index === pieces.length - 1 && piece.includes('.')) {
        const bytes = parseDottedIPv4(piece);
        if (!bytes) return undefined;
        groups.push((bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
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
    const groups = parseTextIPv6(host.slice(1, -1));
    return groups ? { address: formatIPv6(groups), port, family: 'ipv6' } : `bad IPv6 address in "${token}"`;
  }
  const bytes = parseDottedIPv4(host);
  return bytes ? { address: bytes.join('.'), port, family: 'ipv4' } : `bad IPv4 address in "${token}"`;
}

/** A firewall mark in the kernel's /proc form: 8 upper-case hex digits. */
export function formatMark(mark: number): string {
  return mark.toString(16).toUpperCase().padStart(8, '0');
}
