import type { Advertiser } from '../../exporter/keepalived/wire/advertisers.js';

/** What one capture (one listened interface) saw, as of one collection. */
export interface WireCapture {
  readonly intf: string;
  /** tcpdump is running and has opened the interface. */
  readonly capturing: boolean;
  /** Routers advertising on the link right now (within their master-down interval). */
  readonly advertisers: readonly Advertiser[];
  /** Adverts from new routers not tracked because the table was full, since start. */
  readonly dropped: number;
}

/** The snapshot slot of the passive VRRP listener: one capture per source name. */
export interface VrrpWireSnapshot {
  [source: string]: WireCapture;
}
