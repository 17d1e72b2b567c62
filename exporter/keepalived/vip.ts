import type { Vip } from './model.js';

/**
 * Parses one VIP line as keepalived prints it in dumps and accepts it in keepalived.conf:
 * `ADDR[/PREFIX] [dev IF] [scope S] [label L] [set] ...`. Returns undefined when the first token
 * is not an IP address.
 */
export function parseVip(line: string): Vip | undefined {
  const tokens = line.trim().split(/\s+/);
  const raw = tokens[0] ?? '';
  const slash = raw.indexOf('/');
  const address = canonicalIp(slash === -1 ? raw : raw.slice(0, slash));
  if (address === undefined) return undefined;
  let prefixLength: number | undefined;
  if (slash !== -1) {
    const prefix = raw.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefix)) return undefined;
    prefixLength = Number(prefix);
  }
  const devAt = tokens.indexOf('dev');
  const dev = devAt > 0 ? (tokens[devAt + 1] ?? '') : '';
  return prefixLength === undefined ? { raw, address, dev } : { raw, address, prefixLength, dev };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Canonical text of an address (IPv6 compressed, lower-case) so VIPs compare equal. */
export function canonicalIp(text: string): string | undefined {
  const value = text.toLowerCase();
  if (IPV4.test(value)) return value;
  const halves = value.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const group of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
      groups.push(parseInt(group, 16));
    }
    return groups;
  };
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on ties.
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
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
