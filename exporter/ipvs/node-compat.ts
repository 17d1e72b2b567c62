/**
 * node_exporter 1.5's `ipvs` collector families (common/metrics/catalog/node-ipvs.ts), so
 * dashboards and rules written for it keep working.
 *
 * Deliberate difference: SCTP (and any other protocol the kernel names) keeps its own service
 * identity; prometheus/procfs skips those service lines and files their destinations under the
 * preceding service. The parity test pins that difference down.
 */
import type { FamilySpec, MetricFamily } from '../../common/metrics/family.js';
import {
  NODE_BACKEND_LABELS,
  NODE_IPVS_BACKEND_CONNECTIONS_ACTIVE,
  NODE_IPVS_BACKEND_CONNECTIONS_INACTIVE,
  NODE_IPVS_BACKEND_WEIGHT,
  NODE_IPVS_CONNECTIONS_TOTAL,
  NODE_IPVS_INCOMING_BYTES_TOTAL,
  NODE_IPVS_INCOMING_PACKETS_TOTAL,
  NODE_IPVS_OUTGOING_BYTES_TOTAL,
  NODE_IPVS_OUTGOING_PACKETS_TOTAL,
} from '../../common/metrics/catalog/node-ipvs.js';
import { family } from '../core/family-builder.js';
import { addressLabel, serviceId, serviceLabels } from '../../common/ipvs/vocabulary.js';
import type { IpvsGlobalStats, IpvsTable } from '../../common/ipvs/model.js';

export { NODE_BACKEND_LABELS };

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

export function nodeTotalsFamilies(stats: IpvsGlobalStats): MetricFamily[] {
  const { totals } = stats;
  return [
    family(NODE_IPVS_CONNECTIONS_TOTAL, [{ labels: [], value: totals.conns }]),
    family(NODE_IPVS_INCOMING_PACKETS_TOTAL, [{ labels: [], value: totals.inPackets }]),
    family(NODE_IPVS_OUTGOING_PACKETS_TOTAL, [{ labels: [], value: totals.outPackets }]),
    family(NODE_IPVS_INCOMING_BYTES_TOTAL, [{ labels: [], value: totals.inBytes }]),
    family(NODE_IPVS_OUTGOING_BYTES_TOTAL, [{ labels: [], value: totals.outBytes }]),
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
  // The labels are the spec's optional ones: those the flag kept, in canonical order.
  const gauge = (spec: FamilySpec, pick: (row: BackendRow) => number) =>
    family(
      spec,
      rows.map((row) => ({ labels: row.labels, value: pick(row) })),
      labelNames,
    );
  return [
    gauge(NODE_IPVS_BACKEND_CONNECTIONS_ACTIVE, (row) => row.active),
    gauge(NODE_IPVS_BACKEND_CONNECTIONS_INACTIVE, (row) => row.inactive),
    gauge(NODE_IPVS_BACKEND_WEIGHT, (row) => row.weight),
  ];
}
