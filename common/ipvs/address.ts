/**
 * Address text in the forms the kernel and ipvsadm print: /proc's hex (`C0A80016:0CEA`, the full
 * `[2001:0db8:...]:0050`), ipvsadm -n's `192.0.2.10:80` / `[2001:db8:f::10]:80`, all read into the
 * one IpAddr/Endpoint type so the two sources join.
 */
import { boundedCounter } from '../parse/numbers.js';
import { type Endpoint, type IpAddr, ipv4Addr, ipv6Addr, parseEndpoint } from '../net/ip.js';
import { quoted } from '../parse/printable.js';

const HEX_DIGITS = /^[0-9A-Fa-f]+$/;

/** Parses an unsigned hex integer, exact beyond 2^53 too (rounded like Go's float64(uint64)). */
export function parseHex(text: string): number | undefined {
  if (text === '' || !HEX_DIGITS.test(text)) return undefined;
  if (text.length <= 13) return parseInt(text, 16);
  // Beyond 64 bits (or so close to 2^64 that a double rounds to it) no kernel counter goes.
  return text.length > 40 ? undefined : boundedCounter(Number(BigInt('0x' + text)));
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
    if (address !== address || port !== port) return `bad hex in ${quoted(token)}`;
    return { addr: ipv4Addr(address), port };
  }
  if (token.length === 46 && token[0] === '[' && token[40] === ']' && token[41] === ':') {
    const groups = parseFullIPv6(token.slice(1, 40));
    const port = parseHex(token.slice(42));
    if (!groups || port === undefined) return `bad IPv6 address in ${quoted(token)}`;
    return { addr: ipv6Addr(groups), port };
  }
  return `${quoted(token)} is neither HEX8:PORT nor [IPv6]:PORT`;
}

/** A bare kernel address as in /proc/net/ip_vs_conn: 8 hex digits or the full IPv6 form. */
export function parseKernelAddress(token: string): IpAddr | undefined {
  if (token.length === 8) {
    const value = parseHex(token);
    return value === undefined ? undefined : ipv4Addr(value);
  }
  const groups = parseFullIPv6(token);
  return groups && ipv6Addr(groups);
}

/** An address:port as ipvsadm -n prints it: `192.0.2.10:80` or `[2001:db8:f::10]:80`. */
export function parseTextEndpoint(token: string): Endpoint | string {
  const colon = token.lastIndexOf(':');
  if (colon < 0 || !/^\d+$/.test(token.slice(colon + 1))) return `${quoted(token)} has no :port`;
  const endpoint = parseEndpoint(token);
  return typeof endpoint === 'string' ? endpoint : { addr: endpoint.addr, port: endpoint.port };
}
