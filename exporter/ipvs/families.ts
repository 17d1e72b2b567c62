/**
 * lvscope's own IPVS families (`ipvs_*`, declared in common/metrics/catalog/ipvs.ts), built from
 * whatever parts of the snapshot the sources filled.
 */
import type { FamilySpec, MetricFamily, Sample } from '../../common/metrics/family.js';
import { family, mergeDuplicates } from '../core/family-builder.js';
import {
  IPVS_CONNECTION_TABLE_ENTRIES,
  IPVS_CONNECTION_TABLE_SIZE,
  IPVS_CONNECTION_TABLE_TEMPLATES,
  IPVS_CONNECTION_TABLE_TOP_CLIENT_ENTRIES,
  IPVS_CONNECTION_TABLE_TOP_CLIENT_OVERCOUNT,
  IPVS_COUNTERS,
  IPVS_CPU_COUNTERS,
  IPVS_DESTINATION_CONNECTIONS_ACTIVE,
  IPVS_DESTINATION_CONNECTIONS_INACTIVE,
  IPVS_DESTINATION_CONNECTIONS_PERSISTENT,
  IPVS_DESTINATION_COUNTERS,
  IPVS_DESTINATION_INFO,
  IPVS_DESTINATION_LOWER_THRESHOLD,
  IPVS_DESTINATION_RATES,
  IPVS_DESTINATION_UPPER_THRESHOLD,
  IPVS_DESTINATION_WEIGHT,
  IPVS_RATES,
  IPVS_SERVICE_COUNTERS,
  IPVS_SERVICE_INFO,
  IPVS_SERVICE_PERSISTENCE_TIMEOUT_SECONDS,
  IPVS_SERVICE_RATES,
} from '../../common/metrics/catalog/ipvs.js';
import {
  addressLabel,
  forwardLabel,
  netmaskLabel,
  serviceFamily,
  serviceId,
} from '../../common/ipvs/vocabulary.js';
import { LabelInterner } from './labels.js';
import type {
  ConnTableSummary,
  IpvsSnapshot,
  IpvsTable,
  IpvsadmListing,
  IpvsadmServiceInfo,
} from '../../common/ipvs/model.js';

/** One family per field of a catalog table (counters or rates of one scope), from rows of values. */
function fieldFamilies<K extends string>(
  specs: Readonly<Record<K, FamilySpec>>,
  rows: readonly { labels: readonly string[]; values: Readonly<Record<K, number>> }[],
): MetricFamily[] {
  return (Object.entries(specs) as [K, FamilySpec][]).map(([key, spec]) =>
    family(
      spec,
      rows.map(({ labels, values }) => ({ labels, value: values[key] })),
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
    family(IPVS_SERVICE_INFO, serviceInfo),
    family(IPVS_SERVICE_PERSISTENCE_TIMEOUT_SECONDS, timeouts),
    family(IPVS_DESTINATION_INFO, destinationInfo),
    family(IPVS_DESTINATION_WEIGHT, weights),
    family(IPVS_DESTINATION_CONNECTIONS_ACTIVE, active),
    family(IPVS_DESTINATION_CONNECTIONS_INACTIVE, inactive),
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
  return [
    family(IPVS_CONNECTION_TABLE_ENTRIES, byState),
    family(IPVS_CONNECTION_TABLE_TEMPLATES, templates),
    family(IPVS_CONNECTION_TABLE_SIZE, [{ labels: [], value: conn.entries }]),
    ...(conn.topClients.length === 0
      ? []
      : [
          family(
            IPVS_CONNECTION_TABLE_TOP_CLIENT_ENTRIES,
            conn.topClients.map(({ addr, count }) => ({ labels: [addressLabel(addr)], value: count })),
          ),
          family(
            IPVS_CONNECTION_TABLE_TOP_CLIENT_OVERCOUNT,
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
    families.push(...fieldFamilies(IPVS_COUNTERS, [{ labels: [], values: snapshot.stats.totals }]));
    families.push(...fieldFamilies(IPVS_RATES, [{ labels: [], values: snapshot.stats.rates }]));
  }
  if (snapshot.perCpu) {
    const rows = snapshot.perCpu.cpus.map(({ cpu, totals }) => ({ labels: [cpu], values: totals }));
    families.push(...fieldFamilies(IPVS_CPU_COUNTERS, rows));
  }
  if (snapshot.ipvsadmStats) {
    const { services, destinations } = listingRows(snapshot.ipvsadmStats, labels);
    families.push(...fieldFamilies(IPVS_SERVICE_COUNTERS, services));
    families.push(...fieldFamilies(IPVS_DESTINATION_COUNTERS, destinations));
  }
  if (snapshot.ipvsadmRates) {
    const { services, destinations } = listingRows(snapshot.ipvsadmRates, labels);
    families.push(...fieldFamilies(IPVS_SERVICE_RATES, services));
    families.push(...fieldFamilies(IPVS_DESTINATION_RATES, destinations));
  }
  if (snapshot.ipvsadmThresholds) {
    const { destinations } = listingRows(snapshot.ipvsadmThresholds, labels);
    families.push(
      family(
        IPVS_DESTINATION_UPPER_THRESHOLD,
        destinations.map(({ labels, values }) => ({ labels, value: values.upper })),
      ),
      family(
        IPVS_DESTINATION_LOWER_THRESHOLD,
        destinations.map(({ labels, values }) => ({ labels, value: values.lower })),
      ),
    );
  }
  if (snapshot.ipvsadmPersistentConns) {
    const { destinations } = listingRows(snapshot.ipvsadmPersistentConns, labels);
    families.push(
      family(
        IPVS_DESTINATION_CONNECTIONS_PERSISTENT,
        destinations.map(({ labels, values }) => ({ labels, value: values.persistentConns })),
      ),
    );
  }
  if (snapshot.conn) families.push(...connFamilies(snapshot.conn));
  if (labels.collisions === 0) return families;
  return families.map((f) => mergeDuplicates(f, f.name.endsWith('_info') ? 'once' : 'sum'));
}
