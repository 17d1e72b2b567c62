/**
 * The passive VRRP listener (--keepalived.vrrp-listen): per interface, per (interface, VRID) and
 * per advertiser heard on the wire.
 */
import type { FamilySpec } from '../family.js';
import { counter, gauge } from './define.js';

const INTF = ['intf'];
const ADVERTISER = ['intf', 'vrid', 'version', 'source_address'];

export const LVSCOPE_KEEPALIVED_VRRP_WIRE_LISTENER_UP = gauge({
  name: 'lvscope_keepalived_vrrp_wire_listener_up',
  help: 'Whether tcpdump is capturing VRRP on the interface',
  unit: '1',
  labelNames: INTF,
  otelName: 'keepalived.vrrp.wire.listener.up',
  influx: ['keepalived_vrrp_wire_listener', 'up'],
});
export const LVSCOPE_KEEPALIVED_VRRP_WIRE_DROPPED_TOTAL = counter({
  name: 'lvscope_keepalived_vrrp_wire_dropped_total',
  help: 'Adverts from new routers not tracked because the advertiser table was full',
  unit: '{packet}',
  labelNames: INTF,
  otelName: 'keepalived.vrrp.wire.dropped',
  influx: ['keepalived_vrrp_wire_listener', 'dropped'],
});
export const LVSCOPE_KEEPALIVED_VRRP_WIRE_ADVERTISERS = gauge({
  name: 'lvscope_keepalived_vrrp_wire_advertisers',
  help: 'Routers heard advertising the VRID with a priority above 0 within their master-down interval (more than 1: several masters)',
  unit: '{router}',
  labelNames: ['intf', 'vrid', 'address_family'],
  otelName: 'keepalived.vrrp.wire.advertisers',
  influx: ['keepalived_vrrp_wire', 'advertisers'],
});
export const LVSCOPE_KEEPALIVED_VRRP_WIRE_PRIORITY = gauge({
  name: 'lvscope_keepalived_vrrp_wire_priority',
  help: 'Priority in the last advert of the router (0: it resigned as master)',
  unit: '1',
  labelNames: ADVERTISER,
  otelName: 'keepalived.vrrp.wire.priority',
  influx: ['keepalived_vrrp_wire_advertiser', 'priority'],
});
export const LVSCOPE_KEEPALIVED_VRRP_WIRE_ADVERT_INTERVAL_SECONDS = gauge({
  name: 'lvscope_keepalived_vrrp_wire_advert_interval_seconds',
  help: 'Advertisement interval in the last advert of the router',
  unit: 's',
  labelNames: ADVERTISER,
  otelName: 'keepalived.vrrp.wire.advert_interval',
  influx: ['keepalived_vrrp_wire_advertiser', 'advert_interval_seconds'],
});
export const LVSCOPE_KEEPALIVED_VRRP_WIRE_ADDRESSES = gauge({
  name: 'lvscope_keepalived_vrrp_wire_addresses',
  help: 'Virtual addresses listed in the last advert of the router',
  unit: '{address}',
  labelNames: ADVERTISER,
  otelName: 'keepalived.vrrp.wire.addresses',
  influx: ['keepalived_vrrp_wire_advertiser', 'addresses'],
});
export const LVSCOPE_KEEPALIVED_VRRP_WIRE_LAST_SEEN_TIMESTAMP_SECONDS = gauge({
  name: 'lvscope_keepalived_vrrp_wire_last_seen_timestamp_seconds',
  help: 'Capture time of the last advert of the router (epoch seconds)',
  unit: 's',
  labelNames: ADVERTISER,
  otelName: 'keepalived.vrrp.wire.last_seen',
  influx: ['keepalived_vrrp_wire_advertiser', 'last_seen_timestamp_seconds'],
});
export const LVSCOPE_KEEPALIVED_VRRP_WIRE_PACKETS_TOTAL = counter({
  name: 'lvscope_keepalived_vrrp_wire_packets_total',
  help: 'Adverts heard from the router since it (re)appeared',
  unit: '{packet}',
  labelNames: ADVERTISER,
  otelName: 'keepalived.vrrp.wire.packets',
  influx: ['keepalived_vrrp_wire_advertiser', 'packets'],
});

/** In the order the exporter emits them. */
export const VRRP_WIRE_FAMILIES: readonly FamilySpec[] = [
  LVSCOPE_KEEPALIVED_VRRP_WIRE_LISTENER_UP,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_DROPPED_TOTAL,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_ADVERTISERS,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_PRIORITY,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_ADVERT_INTERVAL_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_ADDRESSES,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_LAST_SEEN_TIMESTAMP_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_WIRE_PACKETS_TOTAL,
];
