/**
 * lvscope's own IPVS families (`ipvs_*`). Every service family carries proto, local_address,
 * local_port, local_mark and every destination family adds remote_address, remote_port, so they
 * join with node_exporter's series. OTel names follow the ipvsreceiver proposal (metrics.md §3);
 * InfluxDB measurements are ipvs_stats, ipvs_cpu, ipvs_service, ipvs_destination,
 * ipvs_service_info, ipvs_destination_info, ipvs_conn and ipvs_conn_top_client.
 *
 * The five counters and five rates exist per scope (all services, one CPU, a service, a real
 * server); they are declared once as field tables and multiplied out below.
 */
import type { IpvsCounters, IpvsRates } from '../../ipvs/model.js';
import { DESTINATION_LABELS, SERVICE_LABELS } from '../../ipvs/vocabulary.js';
import type { FamilySpec } from '../family.js';
import { counter, gauge } from './define.js';

interface Field {
  /** Family name after the scope prefix. */
  readonly name: string;
  readonly help: string;
  readonly unit: string;
  /** OTel name after the scope prefix. */
  readonly otel: string;
  /** InfluxDB field of the scope's measurement. */
  readonly field: string;
}

const COUNTER_FIELDS: Readonly<Record<keyof IpvsCounters, Field>> = {
  conns: {
    name: 'connections_total',
    help: 'Connections scheduled',
    unit: '{connection}',
    otel: 'connection.total',
    field: 'connections',
  },
  inPackets: {
    name: 'incoming_packets_total',
    help: 'Incoming packets',
    unit: '{packet}',
    otel: 'packet.in.total',
    field: 'in_packets',
  },
  outPackets: {
    name: 'outgoing_packets_total',
    help: 'Outgoing packets',
    unit: '{packet}',
    otel: 'packet.out.total',
    field: 'out_packets',
  },
  inBytes: {
    name: 'incoming_bytes_total',
    help: 'Incoming bytes',
    unit: 'By',
    otel: 'in.total',
    field: 'in_bytes',
  },
  outBytes: {
    name: 'outgoing_bytes_total',
    help: 'Outgoing bytes',
    unit: 'By',
    otel: 'out.total',
    field: 'out_bytes',
  },
};

const RATE_FIELDS: Readonly<Record<keyof IpvsRates, Field>> = {
  cps: {
    name: 'connections_per_second',
    help: 'New connections per second',
    unit: '{connection}/s',
    otel: 'connection.rate',
    field: 'cps',
  },
  inPps: {
    name: 'incoming_packets_per_second',
    help: 'Incoming packets per second',
    unit: '{packet}/s',
    otel: 'packet.in.rate',
    field: 'in_pps',
  },
  outPps: {
    name: 'outgoing_packets_per_second',
    help: 'Outgoing packets per second',
    unit: '{packet}/s',
    otel: 'packet.out.rate',
    field: 'out_pps',
  },
  inBps: {
    name: 'incoming_bytes_per_second',
    help: 'Incoming bytes per second',
    unit: 'By/s',
    otel: 'in.rate',
    field: 'in_bps',
  },
  outBps: {
    name: 'outgoing_bytes_per_second',
    help: 'Outgoing bytes per second',
    unit: 'By/s',
    otel: 'out.rate',
    field: 'out_bps',
  },
};

const RATE_NOTE = ' (kernel rate estimator, 2 s EWMA)';

interface Scope {
  readonly prefix: string;
  readonly otelPrefix: string;
  readonly measurement: string;
  /** What one series describes, for the help text. */
  readonly what: string;
  readonly labelNames: readonly string[];
}

const STATS: Scope = {
  prefix: 'ipvs_',
  otelPrefix: 'ipvs.',
  measurement: 'ipvs_stats',
  what: 'all services',
  labelNames: [],
};
const CPU: Scope = {
  prefix: 'ipvs_cpu_',
  otelPrefix: 'ipvs.cpu.',
  measurement: 'ipvs_cpu',
  what: 'one CPU',
  labelNames: ['cpu'],
};
const SERVICE: Scope = {
  prefix: 'ipvs_service_',
  otelPrefix: 'ipvs.service.',
  measurement: 'ipvs_service',
  what: 'a virtual service',
  labelNames: SERVICE_LABELS,
};
const DESTINATION: Scope = {
  prefix: 'ipvs_destination_',
  otelPrefix: 'ipvs.destination.',
  measurement: 'ipvs_destination',
  what: 'a real server of a virtual service',
  labelNames: DESTINATION_LABELS,
};

/** One family per field of the table, in the table's order (that of the listings' columns). */
function scoped<K extends string>(
  scope: Scope,
  fields: Readonly<Record<K, Field>>,
  rate: boolean,
): Readonly<Record<K, FamilySpec>> {
  const declare = rate ? gauge : counter;
  const entries = (Object.entries(fields) as [K, Field][]).map(
    ([key, field]) =>
      [
        key,
        declare({
          name: scope.prefix + field.name,
          help: `${field.help} of ${scope.what}${rate ? RATE_NOTE : ''}.`,
          unit: field.unit,
          labelNames: scope.labelNames,
          otelName: scope.otelPrefix + field.otel,
          influx: [scope.measurement, field.field],
        }),
      ] as const,
  );
  return Object.freeze(Object.fromEntries(entries) as Record<K, FamilySpec>);
}

/** ip_vs_stats: totals and rates of all services. */
export const IPVS_COUNTERS = scoped(STATS, COUNTER_FIELDS, false);
export const IPVS_RATES = scoped(STATS, RATE_FIELDS, true);
/** ip_vs_stats_percpu. */
export const IPVS_CPU_COUNTERS = scoped(CPU, COUNTER_FIELDS, false);
/** ipvsadm --stats and --rate, per service and per real server. */
export const IPVS_SERVICE_COUNTERS = scoped(SERVICE, COUNTER_FIELDS, false);
export const IPVS_DESTINATION_COUNTERS = scoped(DESTINATION, COUNTER_FIELDS, false);
export const IPVS_SERVICE_RATES = scoped(SERVICE, RATE_FIELDS, true);
export const IPVS_DESTINATION_RATES = scoped(DESTINATION, RATE_FIELDS, true);

// /proc/net/ip_vs (completed by ipvsadm's scheduler lines when available)

export const IPVS_SERVICE_INFO = gauge({
  name: 'ipvs_service_info',
  help: 'Virtual service settings: scheduler, flags (ops, sh-fallback, ...), persistence timeout in seconds and netmask ("" when not persistent).',
  unit: '1',
  labelNames: [...SERVICE_LABELS, 'scheduler', 'flags', 'persistence_timeout', 'persistence_netmask'],
  otelName: 'ipvs.service.info',
  influx: ['ipvs_service_info', 'value'],
});
export const IPVS_SERVICE_PERSISTENCE_TIMEOUT_SECONDS = gauge({
  name: 'ipvs_service_persistence_timeout_seconds',
  help: 'Persistence timeout of a persistent service (ipvsadm value when available, else /proc ticks divided by --collector.ipvs.hz).',
  unit: 's',
  labelNames: SERVICE_LABELS,
  otelName: 'ipvs.service.timeout',
  influx: ['ipvs_service', 'persistence_timeout_seconds'],
});
export const IPVS_DESTINATION_INFO = gauge({
  name: 'ipvs_destination_info',
  help: 'Real server settings: forwarding method (Masq, Local, Tunnel, Route).',
  unit: '1',
  labelNames: [...DESTINATION_LABELS, 'forward'],
  otelName: 'ipvs.destination.info',
  influx: ['ipvs_destination_info', 'value'],
});
export const IPVS_DESTINATION_WEIGHT = gauge({
  name: 'ipvs_destination_weight',
  help: 'Scheduling weight of a real server (0 = quiesced).',
  unit: '1',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.destination.connection.weight',
  influx: ['ipvs_destination', 'weight'],
});
export const IPVS_DESTINATION_CONNECTIONS_ACTIVE = gauge({
  name: 'ipvs_destination_connections_active',
  help: 'Active connections of a real server (ActiveConn: TCP ESTABLISHED, and SYN_RECV on 6.x).',
  unit: '{connection}',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.destination.connection.active.count',
  influx: ['ipvs_destination', 'active_connections'],
});
export const IPVS_DESTINATION_CONNECTIONS_INACTIVE = gauge({
  name: 'ipvs_destination_connections_inactive',
  help: 'Inactive connections of a real server (InActConn: every other state, UDP included).',
  unit: '{connection}',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.destination.connection.inactive.count',
  influx: ['ipvs_destination', 'inactive_connections'],
});

// ipvsadm --thresholds and --persistent-conn

const THRESHOLD_HELP =
  'connection threshold of a real server (-x/-y; 0 = none): above upper it is OVERLOADED until below lower.';

export const IPVS_DESTINATION_UPPER_THRESHOLD = gauge({
  name: 'ipvs_destination_upper_threshold',
  help: `Upper ${THRESHOLD_HELP}`,
  unit: '{connection}',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.destination.connection.threshold.upper',
  influx: ['ipvs_destination', 'upper_threshold'],
});
export const IPVS_DESTINATION_LOWER_THRESHOLD = gauge({
  name: 'ipvs_destination_lower_threshold',
  help: `Lower ${THRESHOLD_HELP}`,
  unit: '{connection}',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.destination.connection.threshold.lower',
  influx: ['ipvs_destination', 'lower_threshold'],
});
export const IPVS_DESTINATION_CONNECTIONS_PERSISTENT = gauge({
  name: 'ipvs_destination_connections_persistent',
  help: 'Persistence templates pointing at a real server (ipvsadm PersistConn).',
  unit: '{connection}',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.destination.connection.persistent.count',
  influx: ['ipvs_destination', 'persistent_connections'],
});

// /proc/net/ip_vs_conn (--collector.ipvs.conn)

export const IPVS_CONNECTION_TABLE_ENTRIES = gauge({
  name: 'ipvs_connection_table_entries',
  help: 'Entries of /proc/net/ip_vs_conn by state, templates excluded. For firewall-mark services local_address/local_port are the packet destination (the kernel does not record the mark per connection).',
  unit: '{connection}',
  labelNames: [...DESTINATION_LABELS, 'state'],
  otelName: 'ipvs.connection_table.entries',
  influx: ['ipvs_conn', 'entries'],
});
export const IPVS_CONNECTION_TABLE_TEMPLATES = gauge({
  name: 'ipvs_connection_table_templates',
  help: 'Persistence templates in /proc/net/ip_vs_conn (FWM templates carry the mark).',
  unit: '{template}',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.connection_table.templates',
  influx: ['ipvs_conn', 'templates'],
});
export const IPVS_CONNECTION_TABLE_SIZE = gauge({
  name: 'ipvs_connection_table_size',
  help: 'Lines of /proc/net/ip_vs_conn, templates included.',
  unit: '{entry}',
  labelNames: [],
  otelName: 'ipvs.connection_table.size',
  influx: ['ipvs_stats', 'conn_table_size'],
});
export const IPVS_CONNECTION_TABLE_TOP_CLIENT_ENTRIES = gauge({
  name: 'ipvs_connection_table_top_client_entries',
  help: 'Connection entries of the clients with most entries (--collector.ipvs.conn.top-clients).',
  unit: '{connection}',
  labelNames: ['client_address'],
  otelName: 'ipvs.connection_table.top_client.entries',
  influx: ['ipvs_conn_top_client', 'entries'],
});
export const IPVS_CONNECTION_TABLE_TOP_CLIENT_OVERCOUNT = gauge({
  name: 'ipvs_connection_table_top_client_overcount',
  help: 'Upper bound of the error of ipvs_connection_table_top_client_entries (0 = exact; non-zero only when more distinct clients than tracked).',
  unit: '{connection}',
  labelNames: ['client_address'],
  otelName: 'ipvs.connection_table.top_client.overcount',
  influx: ['ipvs_conn_top_client', 'overcount'],
});

/** In the order the exporter emits them when every source is up. */
export const IPVS_FAMILIES: readonly FamilySpec[] = [
  IPVS_SERVICE_INFO,
  IPVS_SERVICE_PERSISTENCE_TIMEOUT_SECONDS,
  IPVS_DESTINATION_INFO,
  IPVS_DESTINATION_WEIGHT,
  IPVS_DESTINATION_CONNECTIONS_ACTIVE,
  IPVS_DESTINATION_CONNECTIONS_INACTIVE,
  ...Object.values(IPVS_COUNTERS),
  ...Object.values(IPVS_RATES),
  ...Object.values(IPVS_CPU_COUNTERS),
  ...Object.values(IPVS_SERVICE_COUNTERS),
  ...Object.values(IPVS_DESTINATION_COUNTERS),
  ...Object.values(IPVS_SERVICE_RATES),
  ...Object.values(IPVS_DESTINATION_RATES),
  IPVS_DESTINATION_UPPER_THRESHOLD,
  IPVS_DESTINATION_LOWER_THRESHOLD,
  IPVS_DESTINATION_CONNECTIONS_PERSISTENT,
  IPVS_CONNECTION_TABLE_ENTRIES,
  IPVS_CONNECTION_TABLE_TEMPLATES,
  IPVS_CONNECTION_TABLE_SIZE,
  IPVS_CONNECTION_TABLE_TOP_CLIENT_ENTRIES,
  IPVS_CONNECTION_TABLE_TOP_CLIENT_OVERCOUNT,
];
