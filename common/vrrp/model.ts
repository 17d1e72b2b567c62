/** What the passive VRRP listener saw on the wire, as the snapshot carries it. */

/** One router heard advertising a VRID on a link, within its master-down interval. */
export interface Advertiser {
  readonly intf: string;
  readonly vrid: number;
  readonly version: 2 | 3;
  readonly addressFamily: 'ipv4' | 'ipv6';
  readonly source: string;
  readonly priority: number;
  readonly advertIntervalSeconds: number;
  readonly addressCount: number;
  /** Capture time of the last advert, epoch ms. */
  readonly lastSeenMs: number;
  readonly packets: number;
}

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
