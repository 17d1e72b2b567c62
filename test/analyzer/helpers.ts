import { type IpAddr, parseIp } from '../../common/net/ip.js';
import { Dest } from '../../analyzer/kernel/dest.js';
import { Packet } from '../../analyzer/kernel/packet.js';
import type { Scheduler, ServiceView } from '../../analyzer/kernel/schedulers/scheduler.js';

/** A literal test address; throws on a typo instead of returning undefined. */
export function ip(text: string): IpAddr {
  const addr = parseIp(text);
  if (!addr) throw new Error(`test address ${text} is not an IP address`);
  return addr;
}

/** A service view over named dests, in kernel list order as written: `[A, B, C]`. */
export interface Fixture {
  readonly svc: ServiceView & { dests: Dest[]; schedFlags: number };
  readonly byName: Map<string, Dest>;
  name(d: Dest | null): string;
}

/**
 * Dests named A, B, … with the given weights and addresses 10.0.0.11, 10.0.0.12, … (port 3306
 * unless given), already in the list in the order written.
 */
export function fixture(weights: readonly number[], port = 3306, schedFlags = 0): Fixture {
  const dests = weights.map((w, i) => {
    const addr = ip(`10.0.0.${11 + i}`);
    const d = new Dest(addr, port, `${addr.text}:${port}`, 'test');
    d.weight = w;
    d.lastWeight = w;
    d.available = true;
    return d;
  });
  const byName = new Map(dests.map((d, i) => [String.fromCharCode(65 + i), d]));
  const names = new Map(dests.map((d, i) => [d, String.fromCharCode(65 + i)]));
  return { svc: { dests, schedFlags }, byName, name: (d) => (d === null ? 'fail' : (names.get(d) ?? '?')) };
}

export function tcpPacket(client: string, sport = 40000, vip = '192.0.2.10', dport = 80): Packet {
  return new Packet('tcp', ip(client), sport, ip(vip), dport);
}

/**
 * `n` decisions; after each, the pick gets one connection: active ("est. at once", also what a
 * SYN burst does on 6.x) or inactive (UDP).
 */
export function picks(
  s: Scheduler,
  f: Fixture,
  n: number,
  mode: 'active' | 'inactive' = 'active',
  pkt = tcpPacket('203.0.113.1'),
): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = s.schedule(f.svc, pkt, i);
    if (d !== null) {
      if (mode === 'active') d.activeConns++;
      else d.inactConns++;
    }
    out.push(f.name(d));
  }
  return out;
}
