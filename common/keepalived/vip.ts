import { canonicalIp } from '../net/ip.js';
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
