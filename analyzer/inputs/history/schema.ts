/**
 * Where each figure of a history comes from in each store: lvscope's Prometheus families (also
 * what VictoriaMetrics holds after remote_write), node_exporter's `node_ipvs_backend_*` families
 * (the fallback), and the measurements and fields lvscope's InfluxDB sink writes (README "Name
 * mapping"). Both readers turn a sample into (target, value, labels) with these tables and hand it
 * to the same builder, so a figure means the same whichever store it was read from.
 */
import type { IpvsCounters, IpvsRates } from '../../../common/ipvs/model.js';

export type CounterKey = keyof IpvsCounters;
export type RateKey = keyof IpvsRates;

export type DestinationGauge =
  | 'weight'
  | 'activeConns'
  | 'inactiveConns'
  | 'persistentConns'
  | 'upperThreshold'
  | 'lowerThreshold'
  | 'templates';

/** What one sample sets. */
export type Target =
  | { readonly scope: 'service'; readonly set: 'info' }
  | { readonly scope: 'service'; readonly set: 'persistenceSeconds' }
  | { readonly scope: 'service'; readonly set: 'counter'; readonly key: CounterKey }
  | { readonly scope: 'service'; readonly set: 'rate'; readonly key: RateKey }
  | { readonly scope: 'destination'; readonly set: 'info' }
  | { readonly scope: 'destination'; readonly set: 'gauge'; readonly key: DestinationGauge }
  | { readonly scope: 'destination'; readonly set: 'counter'; readonly key: CounterKey }
  | { readonly scope: 'destination'; readonly set: 'rate'; readonly key: RateKey }
  /** `state` label: connection-table entries in that state. */
  | { readonly scope: 'destination'; readonly set: 'state' }
  | { readonly scope: 'director'; readonly set: 'tableEntries' }
  | { readonly scope: 'director'; readonly set: 'topClient'; readonly key: 'count' | 'overcount' }
  | { readonly scope: 'vrrp'; readonly set: 'state' }
  | { readonly scope: 'vrrp'; readonly set: 'vipPresent' };

/** Counter and rate names: Prometheus family infix, InfluxDB field, model key. */
const COUNTERS: readonly [string, string, CounterKey][] = [
  ['connections', 'connections', 'conns'],
  ['incoming_packets', 'in_packets', 'inPackets'],
  ['outgoing_packets', 'out_packets', 'outPackets'],
  ['incoming_bytes', 'in_bytes', 'inBytes'],
  ['outgoing_bytes', 'out_bytes', 'outBytes'],
];
const RATES: readonly [string, string, RateKey][] = [
  ['connections', 'cps', 'cps'],
  ['incoming_packets', 'in_pps', 'inPps'],
  ['outgoing_packets', 'out_pps', 'outPps'],
  ['incoming_bytes', 'in_bps', 'inBps'],
  ['outgoing_bytes', 'out_bps', 'outBps'],
];

const DESTINATION_GAUGES: readonly [string, string, DestinationGauge][] = [
  ['ipvs_destination_weight', 'weight', 'weight'],
  ['ipvs_destination_connections_active', 'active_connections', 'activeConns'],
  ['ipvs_destination_connections_inactive', 'inactive_connections', 'inactiveConns'],
  ['ipvs_destination_connections_persistent', 'persistent_connections', 'persistentConns'],
  ['ipvs_destination_upper_threshold', 'upper_threshold', 'upperThreshold'],
  ['ipvs_destination_lower_threshold', 'lower_threshold', 'lowerThreshold'],
];

function scoped(scope: 'service' | 'destination'): [string, Target][] {
  return [
    ...COUNTERS.map(([infix, , key]): [string, Target] => [
      `ipvs_${scope}_${infix}_total`,
      { scope, set: 'counter', key },
    ]),
    ...RATES.map(([infix, , key]): [string, Target] => [
      `ipvs_${scope}_${infix}_per_second`,
      { scope, set: 'rate', key },
    ]),
  ];
}

/** lvscope families carrying service and destination labels (selected by the pool's services). */
export const POOL_FAMILIES: ReadonlyMap<string, Target> = new Map<string, Target>([
  ['ipvs_service_info', { scope: 'service', set: 'info' }],
  ['ipvs_service_persistence_timeout_seconds', { scope: 'service', set: 'persistenceSeconds' }],
  ...scoped('service'),
  ['ipvs_destination_info', { scope: 'destination', set: 'info' }],
  ...DESTINATION_GAUGES.map(([name, , key]): [string, Target] => [
    name,
    { scope: 'destination', set: 'gauge', key },
  ]),
  ...scoped('destination'),
  ['ipvs_connection_table_entries', { scope: 'destination', set: 'state' }],
  ['ipvs_connection_table_templates', { scope: 'destination', set: 'gauge', key: 'templates' }],
]);

/** lvscope families of the whole director (no service labels). */
export const DIRECTOR_FAMILIES: ReadonlyMap<string, Target> = new Map<string, Target>([
  ['ipvs_connection_table_size', { scope: 'director', set: 'tableEntries' }],
  ['ipvs_connection_table_top_client_entries', { scope: 'director', set: 'topClient', key: 'count' }],
  ['ipvs_connection_table_top_client_overcount', { scope: 'director', set: 'topClient', key: 'overcount' }],
]);

/** lvscope's keepalived families that say who holds a VIP. */
export const VRRP_FAMILIES: ReadonlyMap<string, Target> = new Map<string, Target>([
  ['lvscope_keepalived_vrrp_state', { scope: 'vrrp', set: 'state' }],
  ['lvscope_keepalived_vip_present', { scope: 'vrrp', set: 'vipPresent' }],
]);

/** node_exporter's per-backend gauges: all it has per real server. */
export const NODE_FAMILIES: ReadonlyMap<string, Target> = new Map<string, Target>([
  ['node_ipvs_backend_weight', { scope: 'destination', set: 'gauge', key: 'weight' }],
  ['node_ipvs_backend_connections_active', { scope: 'destination', set: 'gauge', key: 'activeConns' }],
  ['node_ipvs_backend_connections_inactive', { scope: 'destination', set: 'gauge', key: 'inactiveConns' }],
]);

/** What the fallback cannot see, said in its note. */
export const NODE_FALLBACK_MISSING =
  'per-server new-connection counts, packets, bytes and their rates, the scheduler, persistence, ' +
  'forwarding method, thresholds, persistent connections and connection-table states';

/** One InfluxDB measurement as lvscope's sink writes it: field → target. */
export interface InfluxMeasurement {
  readonly name: string;
  /** Carries the service tags (selected by the pool's services). */
  readonly pool: boolean;
  readonly fields: ReadonlyMap<string, Target>;
}

export const INFLUX_MEASUREMENTS: readonly InfluxMeasurement[] = [
  {
    name: 'ipvs_service_info',
    pool: true,
    fields: new Map<string, Target>([['value', { scope: 'service', set: 'info' }]]),
  },
  {
    name: 'ipvs_service',
    pool: true,
    fields: new Map<string, Target>([
      ['persistence_timeout_seconds', { scope: 'service', set: 'persistenceSeconds' }],
      ...COUNTERS.map(([, field, key]): [string, Target] => [
        field,
        { scope: 'service', set: 'counter', key },
      ]),
      ...RATES.map(([, field, key]): [string, Target] => [field, { scope: 'service', set: 'rate', key }]),
    ]),
  },
  {
    name: 'ipvs_destination_info',
    pool: true,
    fields: new Map<string, Target>([['value', { scope: 'destination', set: 'info' }]]),
  },
  {
    name: 'ipvs_destination',
    pool: true,
    fields: new Map<string, Target>([
      ...DESTINATION_GAUGES.map(([, field, key]): [string, Target] => [
        field,
        { scope: 'destination', set: 'gauge', key },
      ]),
      ...COUNTERS.map(([, field, key]): [string, Target] => [
        field,
        { scope: 'destination', set: 'counter', key },
      ]),
      ...RATES.map(([, field, key]): [string, Target] => [field, { scope: 'destination', set: 'rate', key }]),
    ]),
  },
  {
    name: 'ipvs_conn',
    pool: true,
    fields: new Map<string, Target>([
      ['entries', { scope: 'destination', set: 'state' }],
      ['templates', { scope: 'destination', set: 'gauge', key: 'templates' }],
    ]),
  },
  {
    name: 'ipvs_stats',
    pool: false,
    fields: new Map<string, Target>([['conn_table_size', { scope: 'director', set: 'tableEntries' }]]),
  },
  {
    name: 'ipvs_conn_top_client',
    pool: false,
    fields: new Map<string, Target>([
      ['entries', { scope: 'director', set: 'topClient', key: 'count' }],
      ['overcount', { scope: 'director', set: 'topClient', key: 'overcount' }],
    ]),
  },
  {
    name: 'keepalived_vrrp',
    pool: false,
    fields: new Map<string, Target>([['state', { scope: 'vrrp', set: 'state' }]]),
  },
  {
    name: 'keepalived_vip',
    pool: false,
    fields: new Map<string, Target>([['present', { scope: 'vrrp', set: 'vipPresent' }]]),
  },
];
