/**
 * lvscope's own IPVS families (`ipvs_*`), built from whatever parts of the snapshot the sources
 * filled. Every service family carries proto, local_address, local_port, local_mark and every
 * destination family adds remote_address, remote_port, so they join with node_exporter's series.
 * OTel names follow the ipvsreceiver proposal (metrics.md §3); InfluxDB measurements are
 * ipvs_stats, ipvs_cpu, ipvs_service, ipvs_destination, ipvs_service_info, ipvs_destination_info,
 * ipvs_conn and ipvs_conn_top_client.
 */
import type { MetricFamily, Sample } from '../../common/metrics/family.js';
import { type FamilySpec, family, mergeDuplicates } from '../core/family-builder.js';
import {
  DESTINATION_LABELS,
  SERVICE_LABELS,
  addressLabel,
  forwardLabel,
  netmaskLabel,
  serviceFamily,
  serviceId,
} from '../../common/ipvs/vocabulary.js';
import { LabelInterner } from './labels.js';
import type {
  ConnTableSummary,
  IpvsCounters,
  IpvsRates,
  IpvsSnapshot,
  IpvsTable,
  IpvsadmListing,
  IpvsadmServiceInfo,
} from '../../common/ipvs/model.js';

interface FieldSpec<K extends string> {
  readonly key: K;
  readonly name: string;
  readonly help: string;
  readonly unit: string;
  readonly otel: string;
  readonly field: string;
}

const COUNTER_FIELDS: readonly FieldSpec<keyof IpvsCounters>[] = [
  {
    key: 'conns',
    name: 'connections_total',
    help: 'Connections scheduled',
    unit: '{connection}',
    otel: 'connection.total',
    field: 'connections',
  },
  {
    key: 'inPackets',
    name: 'incoming_packets_total',
    help: 'Incoming packets',
    unit: '{packet}',
    otel: 'packet.in.total',
    field: 'in_packets',
  },
  {
    key: 'outPackets',
    name: 'outgoing_packets_total',
    help: 'Outgoing packets',
    unit: '{packet}',
    otel: 'packet.out.total',
    field: 'out_packets',
  },
  {
    key: 'inBytes',
    name: 'incoming_bytes_total',
    help: 'Incoming bytes',
    unit: 'By',
    otel: 'in.total',
    field: 'in_bytes',
  },
  {
    key: 'outBytes',
    name: 'outgoing_bytes_total',
    help: 'Outgoing bytes',
    unit: 'By',
    otel: 'out.total',
    field: 'out_bytes',
  },
];

const RATE_FIELDS: readonly FieldSpec<keyof IpvsRates>[] = [
  {
    key: 'cps',
    name: 'connections_per_second',
    help: 'New connections per second',
    unit: '{connection}/s',
    otel: 'connection.rate',
    field: 'cps',
  },
  {
    key: 'inPps',
    name: 'incoming_packets_per_second',
    help: 'Incoming packets per second',
    unit: '{packet}/s',
    otel: 'packet.in.rate',
    field: 'in_pps',
  },
  {
    key: 'outPps',
    name: 'outgoing_packets_per_second',
    help: 'Outgoing packets per second',
    unit: '{packet}/s',
    otel: 'packet.out.rate',
    field: 'out_pps',
  },
  {
    key: 'inBps',
    name: 'incoming_bytes_per_second',
    help: 'Incoming bytes per second',
    unit: 'By/s',
    otel: 'in.rate',
    field: 'in_bps',
  },
  {
    key: 'outBps',
    name: 'outgoing_bytes_per_second',
    help: 'Outgoing bytes per second',
    unit: 'By/s',
    otel: 'out.rate',
    field: 'out_bps',
  },
];

const RATE_NOTE = ' (kernel rate estimator, 2 s EWMA)';

interface Scope {
  readonly prefix: string;
  readonly otelPrefix: string;
  readonly measurement: string;
  readonly what: string;
  readonly labelNames: readonly string[];
}

const GLOBAL: Scope = {
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

function fieldSpec<K extends string>(scope: Scope, field: FieldSpec<K>, rate: boolean): FamilySpec {
  return {
    name: scope.prefix + field.name,
    help: `${field.help} of ${scope.what}${rate ? RATE_NOTE : ''}.`,
    type: rate ? 'gauge' : 'counter',
    unit: field.unit,
    labelNames: scope.labelNames,
    otelName: scope.otelPrefix + field.otel,
    influx: { measurement: scope.measurement, field: field.field },
  };
}

function simpleSpec(
  scope: Scope,
  name: string,
  help: string,
  unit: string,
  otel: string,
  field: string,
  extraLabels: readonly string[] = [],
): FamilySpec {
  return {
    name: scope.prefix + name,
    help,
    type: 'gauge',
    unit,
    labelNames: [...scope.labelNames, ...extraLabels],
    otelName: scope.otelPrefix + otel,
    influx: { measurement: scope.measurement, field },
  };
}

/** Five families (one per field) from rows of counters or rates. */
function fieldFamilies<V extends object>(
  scope: Scope,
  fields: readonly FieldSpec<Extract<keyof V, string>>[],
  rate: boolean,
  rows: readonly { labels: readonly string[]; values: V }[],
): MetricFamily[] {
  return fields.map((field) =>
    family(
      fieldSpec(scope, field, rate),
      rows.map(({ labels, values }) => ({ labels, value: values[field.key] as number })),
    ),
  );
}

/** What ipvsadm says about each service, when one of its scheduler-line listings is available. */
function ipvsadmInfo(snapshot: Partial<IpvsSnapshot>): Map<string, IpvsadmServiceInfo> {
  const byService = new Map<string, IpvsadmServiceInfo>();
  const listing: IpvsadmListing<IpvsadmServiceInfo, unknown> | undefined =
    snapshot.ipvsadmThresholds ?? snapshot.ipvsadmPersistentConns;
  for (const service of listing?.services ?? []) byService.set(serviceId(service), service.values);
  return byService;
}

function tableFamilies(
  table: IpvsTable,
  info: Map<string, IpvsadmServiceInfo>,
  labels: LabelInterner,
): MetricFamily[] {
  labels.beginListing();
  const serviceInfo: Sample[] = [];
  const timeouts: Sample[] = [];
  const destinationInfo: Sample[] = [];
  const weights: Sample[] = [];
  const active: Sample[] = [];
  const inactive: Sample[] = [];
  for (const service of table.services) {
    const serviceLabels = labels.service(service);
    const fromIpvsadm = info.get(serviceId(service));
    const flags = [...new Set([...service.flags, ...(fromIpvsadm?.flags ?? [])])].sort().join(',');
    const timeout = fromIpvsadm?.persistence?.timeoutSeconds ?? service.persistence?.timeoutSeconds;
    serviceInfo.push({
      labels: [
        ...serviceLabels,
        service.scheduler,
        flags,
        timeout === undefined ? '' : String(timeout),
        service.persistence ? netmaskLabel(service.persistence.netmask, serviceFamily(service)) : '',
      ],
      value: 1,
    });
    if (timeout !== undefined) timeouts.push({ labels: serviceLabels, value: timeout });
    for (const destination of service.destinations) {
      const destinationLabels = labels.destination(serviceLabels, destination.addr, destination.port);
      destinationInfo.push({ labels: [...destinationLabels, forwardLabel(destination.forward)], value: 1 });
      weights.push({ labels: destinationLabels, value: destination.weight });
      active.push({ labels: destinationLabels, value: destination.activeConns });
      inactive.push({ labels: destinationLabels, value: destination.inactiveConns });
    }
  }
  return [
    family(
      {
        ...simpleSpec(
          SERVICE,
          'info',
          'Virtual service settings: scheduler, flags (ops, sh-fallback, ...), persistence timeout in seconds and netmask ("" when not persistent).',
          '1',
          'info',
          'info',
          ['scheduler', 'flags', 'persistence_timeout', 'persistence_netmask'],
        ),
        influx: { measurement: 'ipvs_service_info', field: 'value' },
      },
      serviceInfo,
    ),
    family(
      simpleSpec(
        SERVICE,
        'persistence_timeout_seconds',
        'Persistence timeout of a persistent service (ipvsadm value when available, else /proc ticks divided by --collector.ipvs.hz).',
        's',
        'timeout',
        'persistence_timeout_seconds',
      ),
      timeouts,
    ),
    family(
      {
        ...simpleSpec(
          DESTINATION,
          'info',
          'Real server settings: forwarding method (Masq, Local, Tunnel, Route).',
          '1',
          'info',
          'info',
          ['forward'],
        ),
        influx: { measurement: 'ipvs_destination_info', field: 'value' },
      },
      destinationInfo,
    ),
    family(
      simpleSpec(
        DESTINATION,
        'weight',
        'Scheduling weight of a real server (0 = quiesced).',
        '1',
        'connection.weight',
        'weight',
      ),
      weights,
    ),
    family(
      simpleSpec(
        DESTINATION,
        'connections_active',
        'Active connections of a real server (ActiveConn: TCP ESTABLISHED, and SYN_RECV on 6.x).',
        '{connection}',
        'connection.active.count',
        'active_connections',
      ),
      active,
    ),
    family(
      simpleSpec(
        DESTINATION,
        'connections_inactive',
        'Inactive connections of a real server (InActConn: every other state, UDP included).',
        '{connection}',
        'connection.inactive.count',
        'inactive_connections',
      ),
      inactive,
    ),
  ];
}

/** Service and destination rows of one ipvsadm listing, with shared label arrays. */
function listingRows<S, D>(listing: IpvsadmListing<S, D>, labels: LabelInterner) {
  labels.beginListing();
  const services: { labels: readonly string[]; values: S }[] = [];
  const destinations: { labels: readonly string[]; values: D }[] = [];
  for (const service of listing.services) {
    const serviceLabels = labels.service(service);
    services.push({ labels: serviceLabels, values: service.values });
    for (const destination of service.destinations) {
      destinations.push({
        labels: labels.destination(serviceLabels, destination.addr, destination.port),
        values: destination.values,
      });
    }
  }
  return { services, destinations };
}

const THRESHOLD_HELP =
  'connection threshold of a real server (-x/-y; 0 = none): above upper it is OVERLOADED until below lower.';

/** The summariser already merged equal targets, so these rows are unique by construction. */
function connFamilies(conn: ConnTableSummary): MetricFamily[] {
  const labels = new LabelInterner();
  const connTarget = (target: ConnTableSummary['templates'][number]['target']) =>
    labels.destination(labels.service(target.service), target.remote, target.remotePort);
  const byState = conn.byState.map(({ target, state, count }) => ({
    labels: [...connTarget(target), state],
    value: count,
  }));
  const templates = conn.templates.map(({ target, count }) => ({ labels: connTarget(target), value: count }));
  const conntable: Scope = {
    ...DESTINATION,
    prefix: 'ipvs_connection_table_',
    otelPrefix: 'ipvs.connection_table.',
    measurement: 'ipvs_conn',
  };
  const clients: Scope = {
    ...GLOBAL,
    prefix: 'ipvs_connection_table_top_client_',
    otelPrefix: 'ipvs.connection_table.top_client.',
    measurement: 'ipvs_conn_top_client',
    labelNames: ['client_address'],
  };
  return [
    family(
      simpleSpec(
        conntable,
        'entries',
        'Entries of /proc/net/ip_vs_conn by state, templates excluded. For firewall-mark services local_address/local_port are the packet destination (the kernel does not record the mark per connection).',
        '{connection}',
        'entries',
        'entries',
        ['state'],
      ),
      byState,
    ),
    family(
      simpleSpec(
        conntable,
        'templates',
        'Persistence templates in /proc/net/ip_vs_conn (FWM templates carry the mark).',
        '{template}',
        'templates',
        'templates',
      ),
      templates,
    ),
    family(
      {
        ...simpleSpec(
          GLOBAL,
          'connection_table_size',
          'Lines of /proc/net/ip_vs_conn, templates included.',
          '{entry}',
          'connection_table.size',
          'conn_table_size',
        ),
      },
      [{ labels: [], value: conn.entries }],
    ),
    ...(conn.topClients.length === 0
      ? []
      : [
          family(
            simpleSpec(
              clients,
              'entries',
              'Connection entries of the clients with most entries (--collector.ipvs.conn.top-clients).',
              '{connection}',
              'entries',
              'entries',
            ),
            conn.topClients.map(({ addr, count }) => ({ labels: [addressLabel(addr)], value: count })),
          ),
          family(
            simpleSpec(
              clients,
              'overcount',
              'Upper bound of the error of ipvs_connection_table_top_client_entries (0 = exact; non-zero only when more distinct clients than tracked).',
              '{connection}',
              'overcount',
              'overcount',
            ),
            conn.topClients.map(({ addr, overcount }) => ({
              labels: [addressLabel(addr)],
              value: overcount,
            })),
          ),
        ]),
  ];
}

export function ipvsFamilies(snapshot: Partial<IpvsSnapshot>): MetricFamily[] {
  const labels = new LabelInterner();
  const families: MetricFamily[] = [];
  if (snapshot.table) families.push(...tableFamilies(snapshot.table, ipvsadmInfo(snapshot), labels));
  if (snapshot.stats) {
    const row = [{ labels: [], values: snapshot.stats.totals }];
    families.push(...fieldFamilies(GLOBAL, COUNTER_FIELDS, false, row));
    families.push(
      ...fieldFamilies(GLOBAL, RATE_FIELDS, true, [{ labels: [], values: snapshot.stats.rates }]),
    );
  }
  if (snapshot.perCpu) {
    const rows = snapshot.perCpu.cpus.map(({ cpu, totals }) => ({ labels: [cpu], values: totals }));
    families.push(...fieldFamilies(CPU, COUNTER_FIELDS, false, rows));
  }
  if (snapshot.ipvsadmStats) {
    const { services, destinations } = listingRows(snapshot.ipvsadmStats, labels);
    families.push(...fieldFamilies(SERVICE, COUNTER_FIELDS, false, services));
    families.push(...fieldFamilies(DESTINATION, COUNTER_FIELDS, false, destinations));
  }
  if (snapshot.ipvsadmRates) {
    const { services, destinations } = listingRows(snapshot.ipvsadmRates, labels);
    families.push(...fieldFamilies(SERVICE, RATE_FIELDS, true, services));
    families.push(...fieldFamilies(DESTINATION, RATE_FIELDS, true, destinations));
  }
  if (snapshot.ipvsadmThresholds) {
    const { destinations } = listingRows(snapshot.ipvsadmThresholds, labels);
    families.push(
      family(
        simpleSpec(
          DESTINATION,
          'upper_threshold',
          `Upper ${THRESHOLD_HELP}`,
          '{connection}',
          'connection.threshold.upper',
          'upper_threshold',
        ),
        destinations.map(({ labels, values }) => ({ labels, value: values.upper })),
      ),
      family(
        simpleSpec(
          DESTINATION,
          'lower_threshold',
          `Lower ${THRESHOLD_HELP}`,
          '{connection}',
          'connection.threshold.lower',
          'lower_threshold',
        ),
        destinations.map(({ labels, values }) => ({ labels, value: values.lower })),
      ),
    );
  }
  if (snapshot.ipvsadmPersistentConns) {
    const { destinations } = listingRows(snapshot.ipvsadmPersistentConns, labels);
    families.push(
      family(
        simpleSpec(
          DESTINATION,
          'connections_persistent',
          'Persistence templates pointing at a real server (ipvsadm PersistConn).',
          '{connection}',
          'connection.persistent.count',
          'persistent_connections',
        ),
        destinations.map(({ labels, values }) => ({ labels, value: values.persistentConns })),
      ),
    );
  }
  if (snapshot.conn) families.push(...connFamilies(snapshot.conn));
  if (labels.collisions === 0) return families;
  return families.map((f) => mergeDuplicates(f, f.name.endsWith('_info') ? 'once' : 'sum'));
}
