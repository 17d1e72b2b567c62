/**
 * A small `lvs-analyze recommend --textfile` output in the format the catalog declares
 * (common/metrics/catalog/recommendation.ts): HELP and TYPE from the specs, labels in the
 * catalog's order. The figures are made up (the recommender does not exist yet) but consistent:
 * headroom = 1 - the busiest real server's utilisation; they name real services and real
 * servers of the kernel-6.1-t1 capture, so the capacity dashboard joins them with live series.
 */
import {
  LVSCOPE_RECOMMENDATION_DESTINATION_CURRENT_PEAK_UTILISATION_RATIO as CURRENT_UTILISATION,
  LVSCOPE_RECOMMENDATION_DESTINATION_CURRENT_WEIGHT as CURRENT_WEIGHT,
  LVSCOPE_RECOMMENDATION_DESTINATION_RECOMMENDED_PEAK_UTILISATION_RATIO as RECOMMENDED_UTILISATION,
  LVSCOPE_RECOMMENDATION_DESTINATION_RECOMMENDED_WEIGHT as RECOMMENDED_WEIGHT,
  LVSCOPE_RECOMMENDATION_HISTORY_WINDOW_SECONDS as WINDOW,
  LVSCOPE_RECOMMENDATION_SERVICE_CURRENT_HEADROOM_RATIO as CURRENT_HEADROOM,
  LVSCOPE_RECOMMENDATION_SERVICE_INFO as SERVICE_INFO,
  LVSCOPE_RECOMMENDATION_SERVICE_MISMATCH as MISMATCH,
  LVSCOPE_RECOMMENDATION_SERVICE_PEAK_CONNECTIONS_PER_SECOND as PEAK_CPS,
  LVSCOPE_RECOMMENDATION_SERVICE_RECOMMENDED_HEADROOM_RATIO as RECOMMENDED_HEADROOM,
  LVSCOPE_RECOMMENDATION_TIMESTAMP_SECONDS as TIMESTAMP,
  RECOMMENDATION_FAMILIES,
} from '../../common/metrics/catalog/recommendation.js';
import type { FamilySpec } from '../../common/metrics/family.js';

interface Server {
  readonly address: string;
  readonly port: string;
  readonly weight: [current: number, recommended: number];
  readonly utilisation: [current: number, recommended: number];
}

interface Service {
  readonly proto: string;
  readonly address: string;
  readonly port: string;
  readonly mark: string;
  readonly scheduler: string;
  readonly mismatch: boolean;
  readonly peakCps: number;
  readonly servers: readonly Server[];
}

/** Two services of fixtures/procfs/kernel-6.1-t1: the wrr pool (flagged) and the persistent rr one. */
export const T1_RECOMMENDATION: readonly Service[] = [
  {
    proto: 'TCP',
    address: '192.0.2.10',
    port: '80',
    mark: '',
    scheduler: 'wlc',
    mismatch: true,
    peakCps: 40,
    servers: [
      { address: '198.18.1.2', port: '80', weight: [3, 4], utilisation: [0.62, 0.66] },
      { address: '198.18.2.2', port: '80', weight: [2, 2], utilisation: [0.71, 0.69] },
      { address: '198.18.3.2', port: '80', weight: [1, 1], utilisation: [0.88, 0.69] },
    ],
  },
  {
    proto: 'TCP',
    address: '192.0.2.11',
    port: '80',
    mark: '',
    scheduler: 'rr',
    mismatch: false,
    peakCps: 5,
    servers: [
      { address: '198.18.1.2', port: '80', weight: [1, 1], utilisation: [0.45, 0.45] },
      { address: '198.18.2.2', port: '80', weight: [1, 1], utilisation: [0.4, 0.4] },
    ],
  },
];

function line(spec: FamilySpec, values: readonly string[], value: number): string {
  if (values.length !== spec.labelNames.length)
    throw new Error(`${spec.name}: ${values.length} label values`);
  const labels = spec.labelNames.map((name, i) => `${name}="${values[i]}"`).join(',');
  return `${spec.name}${labels ? `{${labels}}` : ''} ${value}`;
}

/** The textfile: every family with HELP and TYPE, in the catalog's order. */
export function recommendationTextfile(
  services: readonly Service[],
  computedAt: number,
  windowSeconds: number,
): string {
  const samples = new Map<FamilySpec, string[]>(RECOMMENDATION_FAMILIES.map((spec) => [spec, []]));
  const add = (spec: FamilySpec, values: readonly string[], value: number) =>
    samples.get(spec)?.push(line(spec, values, value));
  add(TIMESTAMP, [], computedAt);
  add(WINDOW, [], windowSeconds);
  for (const s of services) {
    const service = [s.proto, s.address, s.port, s.mark];
    const busiest = (i: 0 | 1) => Math.max(...s.servers.map((server) => server.utilisation[i]));
    add(SERVICE_INFO, [...service, s.scheduler], 1);
    add(MISMATCH, service, s.mismatch ? 1 : 0);
    add(PEAK_CPS, service, s.peakCps);
    add(CURRENT_HEADROOM, service, Number((1 - busiest(0)).toFixed(4)));
    add(RECOMMENDED_HEADROOM, service, Number((1 - busiest(1)).toFixed(4)));
    for (const server of s.servers) {
      const destination = [...service, server.address, server.port];
      add(CURRENT_WEIGHT, destination, server.weight[0]);
      add(RECOMMENDED_WEIGHT, destination, server.weight[1]);
      add(CURRENT_UTILISATION, destination, server.utilisation[0]);
      add(RECOMMENDED_UTILISATION, destination, server.utilisation[1]);
    }
  }
  return [...samples]
    .flatMap(([spec, lines]) => [
      `# HELP ${spec.name} ${spec.help}`,
      `# TYPE ${spec.name} ${spec.type}`,
      ...lines,
    ])
    .join('\n')
    .concat('\n');
}
