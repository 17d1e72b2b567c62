import type { MetricFamily } from '../../../common/metrics/family.js';
import {
  LVSCOPE_KEEPALIVED_VRRP_WIRE_ADDRESSES,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_ADVERT_INTERVAL_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_ADVERTISERS,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_DROPPED_TOTAL,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_LAST_SEEN_TIMESTAMP_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_LISTENER_UP,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_PACKETS_TOTAL,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_PRIORITY,
  VRRP_WIRE_FAMILIES,
} from '../../../common/metrics/catalog/vrrp-wire.js';
import { FamilySamples } from '../../core/family-builder.js';
import type { VrrpWireSnapshot } from '../../../common/snapshot.js';

/** The passive listener's families: per interface, per (interface, VRID) and per advertiser. */
export function vrrpWireFamilies(slot: VrrpWireSnapshot): MetricFamily[] {
  const f = new FamilySamples();
  for (const c of slot.captures) {
    f.add(LVSCOPE_KEEPALIVED_VRRP_WIRE_LISTENER_UP, [c.intf], c.capturing ? 1 : 0);
    f.add(LVSCOPE_KEEPALIVED_VRRP_WIRE_DROPPED_TOTAL, [c.intf], c.dropped);
    const counts = new Map<string, { labels: string[]; routers: number }>();
    for (const a of c.advertisers) {
      const key = [c.intf, String(a.vrid), a.addressFamily];
      const group = counts.get(key.join('\u0000')) ?? { labels: key, routers: 0 };
      // A priority-0 advert is a master resigning: listed below, not counted as advertising.
      if (a.priority > 0) group.routers++;
      counts.set(key.join('\u0000'), group);
      const labels = [c.intf, String(a.vrid), String(a.version), a.source];
      f.add(LVSCOPE_KEEPALIVED_VRRP_WIRE_PRIORITY, labels, a.priority);
      f.add(LVSCOPE_KEEPALIVED_VRRP_WIRE_ADVERT_INTERVAL_SECONDS, labels, a.advertIntervalSeconds);
      f.add(LVSCOPE_KEEPALIVED_VRRP_WIRE_ADDRESSES, labels, a.addressCount);
      f.add(LVSCOPE_KEEPALIVED_VRRP_WIRE_LAST_SEEN_TIMESTAMP_SECONDS, labels, a.lastSeenMs / 1000);
      f.add(LVSCOPE_KEEPALIVED_VRRP_WIRE_PACKETS_TOTAL, labels, a.packets);
    }
    for (const { labels, routers } of counts.values())
      f.add(LVSCOPE_KEEPALIVED_VRRP_WIRE_ADVERTISERS, labels, routers);
  }
  return f.build(VRRP_WIRE_FAMILIES);
}
