import type { MetricFamily } from '../../../common/metrics/family.js';
import { type FamilySpec, FamilySamples } from '../../core/family-builder.js';
import type { VrrpWireSnapshot } from '../../../common/snapshot.js';

const ADVERTISER = ['intf', 'vrid', 'version', 'source_address'];

const spec = (
  type: FamilySpec['type'],
  name: string,
  help: string,
  unit: string,
  labelNames: readonly string[],
  otelName: string,
  measurement: string,
  field: string,
): FamilySpec => ({ name, help, type, unit, labelNames, otelName, influx: { measurement, field } });

const W = {
  up: spec(
    'gauge',
    'lvscope_keepalived_vrrp_wire_listener_up',
    'Whether tcpdump is capturing VRRP on the interface',
    '1',
    ['intf'],
    'keepalived.vrrp.wire.listener.up',
    'keepalived_vrrp_wire_listener',
    'up',
  ),
  dropped: spec(
    'counter',
    'lvscope_keepalived_vrrp_wire_dropped_total',
    'Adverts from new routers not tracked because the advertiser table was full',
    '{packet}',
    ['intf'],
    'keepalived.vrrp.wire.dropped',
    'keepalived_vrrp_wire_listener',
    'dropped',
  ),
  advertisers: spec(
    'gauge',
    'lvscope_keepalived_vrrp_wire_advertisers',
    'Routers heard advertising the VRID with a priority above 0 within their master-down interval (more than 1: several masters)',
    '{router}',
    ['intf', 'vrid', 'address_family'],
    'keepalived.vrrp.wire.advertisers',
    'keepalived_vrrp_wire',
    'advertisers',
  ),
  priority: spec(
    'gauge',
    'lvscope_keepalived_vrrp_wire_priority',
    'Priority in the last advert of the router (0: it resigned as master)',
    '1',
    ADVERTISER,
    'keepalived.vrrp.wire.priority',
    'keepalived_vrrp_wire_advertiser',
    'priority',
  ),
  interval: spec(
    'gauge',
    'lvscope_keepalived_vrrp_wire_advert_interval_seconds',
    'Advertisement interval in the last advert of the router',
    's',
    ADVERTISER,
    'keepalived.vrrp.wire.advert_interval',
    'keepalived_vrrp_wire_advertiser',
    'advert_interval_seconds',
  ),
  addresses: spec(
    'gauge',
    'lvscope_keepalived_vrrp_wire_addresses',
    'Virtual addresses listed in the last advert of the router',
    '{address}',
    ADVERTISER,
    'keepalived.vrrp.wire.addresses',
    'keepalived_vrrp_wire_advertiser',
    'addresses',
  ),
  lastSeen: spec(
    'gauge',
    'lvscope_keepalived_vrrp_wire_last_seen_timestamp_seconds',
    'Capture time of the last advert of the router (epoch seconds)',
    's',
    ADVERTISER,
    'keepalived.vrrp.wire.last_seen',
    'keepalived_vrrp_wire_advertiser',
    'last_seen_timestamp_seconds',
  ),
  packets: spec(
    'counter',
    'lvscope_keepalived_vrrp_wire_packets_total',
    'Adverts heard from the router since it (re)appeared',
    '{packet}',
    ADVERTISER,
    'keepalived.vrrp.wire.packets',
    'keepalived_vrrp_wire_advertiser',
    'packets',
  ),
};

/** The passive listener's families: per interface, per (interface, VRID) and per advertiser. */
export function vrrpWireFamilies(slot: VrrpWireSnapshot): MetricFamily[] {
  const f = new FamilySamples();
  for (const c of slot.captures) {
    f.add(W.up, [c.intf], c.capturing ? 1 : 0);
    f.add(W.dropped, [c.intf], c.dropped);
    const counts = new Map<string, { labels: string[]; routers: number }>();
    for (const a of c.advertisers) {
      const key = [c.intf, String(a.vrid), a.addressFamily];
      const group = counts.get(key.join('\u0000')) ?? { labels: key, routers: 0 };
      // A priority-0 advert is a master resigning: listed below, not counted as advertising.
      if (a.priority > 0) group.routers++;
      counts.set(key.join('\u0000'), group);
      const labels = [c.intf, String(a.vrid), String(a.version), a.source];
      f.add(W.priority, labels, a.priority);
      f.add(W.interval, labels, a.advertIntervalSeconds);
      f.add(W.addresses, labels, a.addressCount);
      f.add(W.lastSeen, labels, a.lastSeenMs / 1000);
      f.add(W.packets, labels, a.packets);
    }
    for (const { labels, routers } of counts.values()) f.add(W.advertisers, labels, routers);
  }
  return f.build(Object.values(W));
}
