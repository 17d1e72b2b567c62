/** What the kernel computes from addresses: the hash input of its schedulers, persistence masks. */
import { type IpAddr, ipv4Addr, ipv6AddrOfWords } from '../../common/net/ip.js';

/**
 * The 32-bit value the kernel's hash-based schedulers feed their hash: the IPv4 address, or the
 * XOR of the four IPv6 words (`addr_fold`), in host order (`ntohl`).
 */
export function foldAddr(addr: IpAddr): number {
  const w = addr.words;
  return w.length === 1 ? (w[0] ?? 0) : ((w[0] ?? 0) ^ (w[1] ?? 0) ^ (w[2] ?? 0) ^ (w[3] ?? 0)) >>> 0;
}

/** Client network for a persistence template: IPv4 `addr & mask`, IPv6 the first `mask` bits. */
export function maskAddr(addr: IpAddr, mask: number): IpAddr {
  if (addr.family === 4) return ipv4Addr(((addr.words[0] ?? 0) & mask) >>> 0);
  return ipv6AddrOfWords(
    addr.words.map((w, i) => {
      const bits = Math.max(0, Math.min(32, mask - 32 * i));
      return bits === 0 ? 0 : bits === 32 ? w : (w & ~(0xffffffff >>> bits)) >>> 0;
    }),
  );
}
