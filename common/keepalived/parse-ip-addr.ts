import { canonicalIp } from '../net/ip.js';
import type { Parsed } from '../parse/issue.js';

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
  const issues = [];
  for (const [i, link] of root.entries()) {
    const ifname = (link as { ifname?: unknown }).ifname;
    const infos = (link as { addr_info?: unknown }).addr_info;
    if (typeof ifname !== 'string' || !Array.isArray(infos)) {
      issues.push({ file: source, line: 0, field: `[${i}]`, message: 'link without ifname or addr_info' });
      continue;
    }
    for (const info of infos as unknown[]) {
      const local = (info as { local?: unknown }).local;
      const address = typeof local === 'string' ? canonicalIp(local) : undefined;
      if (address === undefined) {
        issues.push({
          file: source,
          line: 0,
          field: `[${i}](${ifname}).addr_info`,
          message: 'entry without a valid local address',
        });
        continue;
      }
      addresses.push({ address, intf: ifname });
    }
  }
  return { value: addresses, issues };
}
