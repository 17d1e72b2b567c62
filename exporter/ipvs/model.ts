/** Typed IPVS state read from /proc/net/ip_vs* and ipvsadm (filled in by the IPVS sources). */
export interface IpvsSnapshot {
  /** Placeholder until the IPVS sources land; replaced by the real model. */
  readonly services: readonly unknown[];
}
