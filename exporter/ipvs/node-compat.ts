/**
 * node_exporter 1.5's `ipvs` collector families, name for name (metrics.md §1), so dashboards and
 * rules written for it keep working. They duplicate lvscope families, hence `otelName: null`.
 *
 * Deliberate difference: SCTP (and any other protocol the kernel names) keeps its own service
 * identity; prometheus/procfs skips those service lines and files their destinations under the
 * preceding service. The parity test pins that difference down.
 */
import type { MetricFamily, MetricType, Sample } from '../../common/metrics/family.js';
import { addressLabel, serviceId, serviceLabels } from '../../common/ipvs/vocabulary.js';
import type { IpvsGlobalStats, IpvsTable } from '../../common/ipvs/model.js';

/** node_exporter's canonical order, also the output order whatever order the flag lists. */
export const NODE_BACKEND_LABELS = [
  'local_address',
  'local_port',
  'remote_address',
  'remote_port',
  'proto',
  'local_mark',
] as const;

export type NodeBackendLabel = (typeof NODE_BACKEND_LABELS)[number];

/** Validates --collector.ipvs.backend-labels exactly like node_exporter (same error text). */
export function parseBackendLabels(requested: readonly string[]): NodeBackendLabel[] {
  const wanted = new Set(requested.filter((label) => label !== ''));
  const unknown = [...wanted]
    .filter((label) => !(NODE_BACKEND_LABELS as readonly string[]).includes(label))
    .sort();
  if (unknown.length > 0)
    throw new Error(`unknown IPVS backend labels: ${JSON.stringify(unknown.join(', '))}`);
  return NODE_BACKEND_LABELS.filter((label) => wanted.has(label));
}

function nodeFamily(
  name: string,
  help: string,
  type: MetricType,
  labelNames: readonly string[],
  samples: Sample[],
): MetricFamily {
  return { name, help, type, unit: '1', labelNames, samples, otelName: null, influx: null };
}

export function nodeTotalsFamilies(stats: IpvsGlobalStats): MetricFamily[] {
  const total = (name: string, help: string, value: number) =>
    nodeFamily(`node_ipvs_${name}`, help, 'counter', [], [{ labels: [], value }]);
  return [
    total('connections_total', 'The total number of connections made.', stats.totals.conns),
    total('incoming_packets_total', 'The total number of incoming packets.', stats.totals.inPackets),
    total('outgoing_packets_total', 'The total number of outgoing packets.', stats.totals.outPackets),
    total('incoming_bytes_total', 'The total amount of incoming data.', stats.totals.inBytes),
    total('outgoing_bytes_total', 'The total amount of outgoing data.', stats.totals.outBytes),
  ];
}

interface BackendRow {
  readonly labels: string[];
  active: number;
  inactive: number;
  weight: number;
}

/** True when no two services print the same identity (so full label sets cannot collide). */
function identitiesUnique(table: IpvsTable): boolean {
  const seen = new Set<string>();
  for (const s of table.services) {
    const id = serviceId(s);
    if (seen.has(id)) return false;
    seen.add(id);
  }
  return true;
}

/** The three backend gauges; backends that collapse onto one label set are summed, weight too. */
export function nodeBackendFamilies(
  table: IpvsTable,
  labelNames: readonly NodeBackendLabel[],
): MetricFamily[] {
  // With every label kept and distinct service identities, each backend is its own series
  // (the kernel forbids a real server twice in one service), so no summing map is needed.
  const direct = labelNames.length === NODE_BACKEND_LABELS.length && identitiesUnique(table);
  const rows: BackendRow[] = [];
  const sums = new Map<string, BackendRow>();
  for (const service of table.services) {
    const [proto, localAddress, localPort, mark] = serviceLabels(service);
    for (const destination of service.destinations) {
      const remotePort = String(destination.port);
      const remoteAddress = addressLabel(destination.addr);
      if (direct) {
        rows.push({
          labels: [localAddress, localPort, remoteAddress, remotePort, proto, mark],
          active: destination.activeConns,
          inactive: destination.inactiveConns,
          weight: destination.weight,
        });
        continue;
      }
      const values: Record<NodeBackendLabel, string> = {
        local_address: localAddress,
        local_port: localPort,
        remote_address: remoteAddress,
        remote_port: remotePort,
        proto,
        local_mark: mark,
      };
      const labels = labelNames.map((name) => values[name]);
      const key = labels.join('\u0000');
      const sum = sums.get(key);
      if (sum) {
        sum.active += destination.activeConns;
        sum.inactive += destination.inactiveConns;
        sum.weight += destination.weight;
      } else {
        const row = {
          labels,
          active: destination.activeConns,
          inactive: destination.inactiveConns,
          weight: destination.weight,
        };
        sums.set(key, row);
        rows.push(row);
      }
    }
  }
  const gauge = (name: string, help: string, pick: (row: BackendRow) => number) =>
    nodeFamily(
      `node_ipvs_backend_${name}`,
      help,
      'gauge',
      labelNames,
      rows.map((row) => ({ labels: row.labels, value: pick(row) })),
    );
  return [
    gauge(
      'connections_active',
      'The current active connections by local and remote address.',
      (row) => row.active,
    ),
    gauge(
      'connections_inactive',
      'The current inactive connections by local and remote address.',
      (row) => row.inactive,
    ),
    gauge('weight', 'The current backend weight by local and remote address.', (row) => row.weight),
  ];
}
