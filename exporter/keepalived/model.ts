/** Typed keepalived/VRRP state read from keepalived's dumps, FIFO and the host's addresses. */
export interface KeepalivedSnapshot {
  /** Placeholder until the keepalived sources land; replaced by the real model. */
  readonly instances: readonly unknown[];
}
