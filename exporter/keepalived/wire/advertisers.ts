/**
 * Every router heard advertising on the listened links, keyed by (interface, VRID, VRRP version,
 * source address). An entry lives for the VRRP master-down interval after its last advert (what a
 * backup waits before it takes over), so a router that stopped advertising drops out as a backup
 * would notice. The table holds at most `capacity` entries: adverts from new routers beyond it
 * are counted as dropped, never stored, so forged floods cannot grow memory.
 */
import type { Advertiser } from '../../../common/vrrp/model.js';
import type { VrrpAdvert } from '../../../common/vrrp/parse-vrrp.js';

export const DEFAULT_CAPACITY = 1024;

/**
 * RFC 3768 6.1 / RFC 5798 6.1: Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time,
 * Skew_Time = ((256 − Priority) × Advertisement_Interval) / 256 (v2: in seconds, the form v3 uses
 * with centiseconds is the same ratio). A zero interval (a broken sender) still gets one second.
 */
export function masterDownSeconds(advertIntervalSeconds: number, priority: number): number {
  const interval = advertIntervalSeconds > 0 ? advertIntervalSeconds : 1;
  return 3 * interval + ((256 - priority) * interval) / 256;
}

export class AdvertiserTable {
  private readonly entries = new Map<string, Advertiser>();
  private droppedTotal = 0;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Adverts from new routers not stored because the table was full, since start. */
  get dropped(): number {
    return this.droppedTotal;
  }

  observe(intf: string, advert: VrrpAdvert, atMs: number): void {
    const key = `${intf}\u0000${advert.vrid}\u0000${advert.version}\u0000${advert.source}`;
    const known = this.entries.get(key);
    if (!known) {
      this.expire(atMs);
      if (this.entries.size >= this.capacity) {
        this.droppedTotal++;
        return;
      }
    }
    this.entries.set(key, {
      intf,
      vrid: advert.vrid,
      version: advert.version,
      addressFamily: advert.addressFamily,
      source: advert.source,
      priority: advert.priority,
      advertIntervalSeconds: advert.advertIntervalSeconds,
      addressCount: advert.addressCount,
      lastSeenMs: Math.max(atMs, known?.lastSeenMs ?? 0),
      packets: (known?.packets ?? 0) + 1,
    });
  }

  /** Drops every entry whose master-down interval has passed at `nowMs`. */
  expire(nowMs: number): void {
    for (const [key, e] of this.entries) {
      if (nowMs - e.lastSeenMs > masterDownSeconds(e.advertIntervalSeconds, e.priority) * 1000)
        this.entries.delete(key);
    }
  }

  /** The live entries at `nowMs`, ordered by interface, VRID, version and source. */
  current(nowMs: number): Advertiser[] {
    this.expire(nowMs);
    return [...this.entries.values()].sort(
      (a, b) =>
        a.intf.localeCompare(b.intf) ||
        a.vrid - b.vrid ||
        a.version - b.version ||
        a.source.localeCompare(b.source),
    );
  }
}
