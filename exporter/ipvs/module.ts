/** The IPVS domain: its settings, its sources and the families it derives from the snapshot. */
import type { MetricFamily } from '../../common/metrics/family.js';
import type { ExporterModule } from '../core/module.js';
import { type Options, option, MAX_TIMER_SECONDS } from '../core/options.js';
import { PROCFS } from '../core/paths.js';
import type { Source } from '../core/source.js';
import { ipvsFamilies } from './families.js';
import { ipvsadmSources } from './ipvsadm-source.js';
import {
  NODE_BACKEND_LABELS,
  nodeBackendFamilies,
  nodeTotalsFamilies,
  parseBackendLabels,
} from './node-compat.js';
import { ipVsConnSource, procFileSources } from './proc-sources.js';

const COLLECTOR_IPVS = option({
  name: 'collector.ipvs',
  kind: 'boolean',
  default: true,
  description: 'collect IPVS state',
});

const COLLECTOR_IPVS_BACKEND_LABELS = option({
  name: 'collector.ipvs.backend-labels',
  kind: 'list',
  default: [...NODE_BACKEND_LABELS],
  description: 'labels of the node_ipvs_backend_* families, comma separated (as node_exporter)',
});

const COLLECTOR_IPVS_NODE_COMPAT = option({
  name: 'collector.ipvs.node-compat',
  kind: 'boolean',
  default: true,
  description: "emit node_exporter's node_ipvs_* families",
});

const COLLECTOR_IPVS_NATIVE = option({
  name: 'collector.ipvs.native',
  kind: 'boolean',
  default: true,
  description: "emit lvscope's ipvs_* families",
});

const COLLECTOR_IPVS_HZ = option({
  name: 'collector.ipvs.hz',
  kind: 'number',
  default: 250,
  description:
    'kernel CONFIG_HZ, to turn /proc persistence timeouts (ticks) into seconds when ipvsadm is off',
});

const COLLECTOR_IPVS_CONN = option({
  name: 'collector.ipvs.conn',
  kind: 'boolean',
  default: false,
  description: 'summarise /proc/net/ip_vs_conn (costly on big directors)',
});

const COLLECTOR_IPVS_CONN_TOP_CLIENTS = option({
  name: 'collector.ipvs.conn.top-clients',
  kind: 'number',
  default: 0,
  description: 'report the N clients with most connection entries (0 = off)',
});

/** Declared here, where it is read: the ip_vs_conn source samples, the capture recorder stores. */
export const CONN_SAMPLE = option({
  name: 'capture.conn-sample',
  kind: 'number',
  default: 0,
  description:
    'with --capture.dir and --collector.ipvs.conn: keep one connection in N (by client address and port) in each record, so lvs-analyze sees lifetimes and client mix (0: none)',
});

const COLLECTOR_IPVS_IPVSADM = option({
  name: 'collector.ipvs.ipvsadm',
  kind: 'boolean',
  default: true,
  description: 'read per-service stats, rates, thresholds and persistent connections from ipvsadm',
});

const IPVSADM_PATH = option({
  name: 'ipvsadm.path',
  kind: 'string',
  default: 'ipvsadm',
  description: 'ipvsadm binary (PATH lookup unless absolute)',
});

const IPVSADM_TIMEOUT = option({
  name: 'ipvsadm.timeout',
  kind: 'number',
  max: MAX_TIMER_SECONDS,
  default: 5,
  description: 'seconds to wait for each ipvsadm call',
});

export const ipvsModule: ExporterModule = {
  name: 'ipvs',
  options: [
    COLLECTOR_IPVS,
    COLLECTOR_IPVS_BACKEND_LABELS,
    COLLECTOR_IPVS_NODE_COMPAT,
    COLLECTOR_IPVS_NATIVE,
    COLLECTOR_IPVS_HZ,
    COLLECTOR_IPVS_CONN,
    COLLECTOR_IPVS_CONN_TOP_CLIENTS,
    CONN_SAMPLE,
    COLLECTOR_IPVS_IPVSADM,
    IPVSADM_PATH,
    IPVSADM_TIMEOUT,
  ],

  sources(options: Options): Source[] {
    if (!options.get(COLLECTOR_IPVS)) return [];
    parseBackendLabels(options.get(COLLECTOR_IPVS_BACKEND_LABELS));
    const hz = options.get(COLLECTOR_IPVS_HZ);
    if (!(hz > 0)) throw new Error(`--collector.ipvs.hz must be positive, got ${hz}`);
    const topClients = options.get(COLLECTOR_IPVS_CONN_TOP_CLIENTS);
    if (!Number.isInteger(topClients) || topClients < 0) {
      throw new Error(`--collector.ipvs.conn.top-clients must be a whole number >= 0, got ${topClients}`);
    }
    const procfs = options.get(PROCFS);
    const sources = procFileSources(procfs, { hz });
    const sampleOneIn = options.get(CONN_SAMPLE);
    if (!Number.isInteger(sampleOneIn) || sampleOneIn < 0) {
      throw new Error(`--capture.conn-sample must be a whole number >= 0, got ${sampleOneIn}`);
    }
    if (options.get(COLLECTOR_IPVS_CONN)) sources.push(ipVsConnSource(procfs, { topClients, sampleOneIn }));
    if (options.get(COLLECTOR_IPVS_IPVSADM)) {
      sources.push(
        ...ipvsadmSources({
          path: options.get(IPVSADM_PATH),
          timeoutMs: options.get(IPVSADM_TIMEOUT) * 1000,
        }),
      );
    }
    return sources;
  },

  families(snapshot, options): MetricFamily[] {
    if (!options.get(COLLECTOR_IPVS)) return [];
    const { ipvs } = snapshot;
    const families: MetricFamily[] = [];
    // Like node_exporter, no node_ipvs_* at all without a readable ip_vs_stats (its collector
    // fails as a whole). One deliberate difference: a present but unparsable ip_vs_stats costs
    // only the totals, not the backend gauges read from an intact ip_vs.
    const statsRead =
      ipvs.stats !== undefined ||
      snapshot.sources.some((s) => s.source === 'ip_vs_stats' && s.parseErrors > 0);
    if (options.get(COLLECTOR_IPVS_NODE_COMPAT) && statsRead) {
      if (ipvs.stats) families.push(...nodeTotalsFamilies(ipvs.stats));
      if (ipvs.table) {
        const labels = parseBackendLabels(options.get(COLLECTOR_IPVS_BACKEND_LABELS));
        families.push(...nodeBackendFamilies(ipvs.table, labels));
      }
    }
    if (options.get(COLLECTOR_IPVS_NATIVE)) {
      families.push(...ipvsFamilies(ipvs));
    }
    return families;
  },
};
