import { canonicalIp } from '../net/ip.js';
import type { ParseIssue, Parsed } from '../parse/issue.js';
import { printable } from '../parse/printable.js';

/** iproute2 limits interface names to IFNAMSIZ - 1 characters. */
const MAX_IFNAME_CHARS = 15;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface HostAddress {
  readonly address: string;
  readonly intf: string;
}

/**
 * Parses `ip -j addr show` (iproute2 JSON): every address of every interface, canonical text.
 * Entries without `ifname` or `local` are reported and skipped.
 */
export function parseIpAddrJson(text: string, source: string): Parsed<HostAddress[]> {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return { value: [], issues: [{ file: source, line: 0, field: 'json', message: 'not valid JSON' }] };
  }
  if (!Array.isArray(root)) {
    return {
      value: [],
      issues: [{ file: source, line: 0, field: 'json', message: 'expected an array of links' }],
    };
  }
  const addresses: HostAddress[] = [];
  const issues: ParseIssue[] = [];
  for (const [i, link] of root.entries()) {
    // `[null]` or a link that is not an object: reported, never dereferenced.
    const ifname = isObject(link) ? link.ifname : undefined;
    const infos = isObject(link) ? link.addr_info : undefined;
    if (typeof ifname !== 'string' || ifname.length > MAX_IFNAME_CHARS || !Array.isArray(infos)) {
      issues.push({ file: source, line: 0, field: `[${i}]`, message: 'link without ifname or addr_info' });
      continue;
    }
    for (const info of infos as unknown[]) {
      const local = isObject(info) ? info.local : undefined;
      const address = typeof local === 'string' && local.length <= 64 ? canonicalIp(local) : undefined;
      if (address === undefined) {
        issues.push({
          file: source,
          line: 0,
          field: `[${i}](${printable(ifname)}).addr_info`,
          message: 'entry without a valid local address',
        });
        continue;
      }
      addresses.push({ address, intf: ifname });
    }
  }
  return { value: addresses, issues };
}
