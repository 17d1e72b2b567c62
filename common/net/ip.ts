/**
 * Textual IPv4 and IPv6 addresses, shared by the exporter (ipvsadm output, keepalived dumps and
 * configs, `ip -j addr`) and the analyzer (traces): strict parsing and RFC 5952 compressed
 * output, so the same address always reads and compares the same wherever it came from. Callers
 * that must print an address some other way (node_exporter's Go form) wrap these.
 */

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
