import type { Protocol } from '../../common/ipvs/vocabulary.js';
import type { Family, IpAddr } from '../../common/net/ip.js';
import { foldAddr } from './addr.js';

/**
 * The header fields of a packet that reaches the director (client → virtual address) and that
 * scheduling reads. Built once per event; the folded addresses are precomputed for the hashes.
 */
export class Packet {
  readonly family: Family;
  readonly proto: Protocol;
  readonly saddr: IpAddr;
  readonly sport: number;
  readonly daddr: IpAddr;
  readonly dport: number;
  /** Firewall mark (skb->mark) set before IPVS sees the packet; 0 = none. */
  readonly mark: number;
  readonly sfold: number;
  readonly dfold: number;

  constructor(proto: Protocol, saddr: IpAddr, sport: number, daddr: IpAddr, dport: number, mark = 0) {
    this.family = saddr.family;
    this.proto = proto;
    this.saddr = saddr;
    this.sport = sport;
    this.daddr = daddr;
    this.dport = dport;
    this.mark = mark;
    this.sfold = foldAddr(saddr);
    this.dfold = foldAddr(daddr);
  }
}
