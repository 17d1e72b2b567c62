/**
 * node_exporter 1.5's `ipvs` collector families, name, help and type for name (metrics.md §1).
 * They repeat figures of lvscope's `ipvs_*` families, so they are aliases: Prometheus only, unit
 * `1` as node_exporter declares none.
 */
import type { FamilySpec } from '../family.js';
import { counter, gauge } from './define.js';

/** node_exporter's canonical order of the backend labels, also the output order. */
export const NODE_BACKEND_LABELS = [
  'local_address',
  'local_port',
  'remote_address',
  'remote_port',
  'proto',
  'local_mark',
] as const;

const total = (name: string, help: string): FamilySpec =>
  counter({ name, help, unit: '1', labelNames: [], otelName: null, influx: null });

/** Every backend label is optional: --collector.ipvs.backend-labels picks them (all by default). */
const backend = (name: string, help: string): FamilySpec =>
  gauge({
    name,
    help,
    unit: '1',
    labelNames: [],
    optionalLabels: NODE_BACKEND_LABELS,
    otelName: null,
    influx: null,
  });

export const NODE_IPVS_CONNECTIONS_TOTAL = total(
  'node_ipvs_connections_total',
  'The total number of connections made.',
);
export const NODE_IPVS_INCOMING_PACKETS_TOTAL = total(
  'node_ipvs_incoming_packets_total',
  'The total number of incoming packets.',
);
export const NODE_IPVS_OUTGOING_PACKETS_TOTAL = total(
  'node_ipvs_outgoing_packets_total',
  'The total number of outgoing packets.',
);
export const NODE_IPVS_INCOMING_BYTES_TOTAL = total(
  'node_ipvs_incoming_bytes_total',
  'The total amount of incoming data.',
);
export const NODE_IPVS_OUTGOING_BYTES_TOTAL = total(
  'node_ipvs_outgoing_bytes_total',
  'The total amount of outgoing data.',
);

export const NODE_IPVS_BACKEND_CONNECTIONS_ACTIVE = backend(
  'node_ipvs_backend_connections_active',
  'The current active connections by local and remote address.',
);
export const NODE_IPVS_BACKEND_CONNECTIONS_INACTIVE = backend(
  'node_ipvs_backend_connections_inactive',
  'The current inactive connections by local and remote address.',
);
export const NODE_IPVS_BACKEND_WEIGHT = backend(
  'node_ipvs_backend_weight',
  'The current backend weight by local and remote address.',
);

/** In the order the exporter emits them. */
export const NODE_IPVS_FAMILIES: readonly FamilySpec[] = [
  NODE_IPVS_CONNECTIONS_TOTAL,
  NODE_IPVS_INCOMING_PACKETS_TOTAL,
  NODE_IPVS_OUTGOING_PACKETS_TOTAL,
  NODE_IPVS_INCOMING_BYTES_TOTAL,
  NODE_IPVS_OUTGOING_BYTES_TOTAL,
  NODE_IPVS_BACKEND_CONNECTIONS_ACTIVE,
  NODE_IPVS_BACKEND_CONNECTIONS_INACTIVE,
  NODE_IPVS_BACKEND_WEIGHT,
];
