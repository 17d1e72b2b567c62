/** The IPVS domain: its settings, its sources and the families it derives from the snapshot. */
import type { MetricFamily } from '../../common/metrics/family.js';
import type { ExporterModule } from '../core/module.js';
import { type Options, option } from '../core/options.js';
import type { Source } from '../core/source.js';
import { ipvsFamilies } from './families.js';
import { ipvsadmSources } from './ipvsadm-source.js';
import {
  NODE_BACKEND_LABELS,
  nodeBackendFamilies,
  nodeTotalsFamilies,
  parseBackendLabels,
} from './node-compat.js';
import { ipVsConnSource, ipVsSource, ipVsStatsPerCpuSource, ipVsStatsSource } from './proc-sources.js';

export const ipvsModule: ExporterModule = {
  name: 'ipvs',
  options: [
    option({
      name: 'path.procfs',
      kind: 'string',
      default: '/proc',
      description: 'procfs mountpoint (as node_exporter)',
    }),
    option({ name: 'collector.ipvs', kind: 'boolean', default: true, description: 'collect IPVS state' }),
    option({
      name: 'collector.ipvs.backend-labels',
      kind: 'list',
      default: [...NODE_BACKEND_LABELS],
      description: 'labels of the node_ipvs_backend_* families, comma separated (as node_exporter)',
    }),
    option({
      name: 'collector.ipvs.node-compat',
      kind: 'boolean',
      default: true,
      description: "emit node_exporter's node_ipvs_* families",
    }),
    option({
      name: 'collector.ipvs.native',
      kind: 'boolean',
      default: true,
      description: "emit lvscope's ipvs_* families",
    }),
    option({
      name: 'collector.ipvs.hz',
      kind: 'number',
      default: 250,
      description:
        'kernel CONFIG_HZ, to turn /proc persistence timeouts (ticks) into seconds when ipvsadm is off',
    }),
    option({
      name: 'collector.ipvs.conn',
      kind: 'boolean',
      default: false,
      description: 'summarise /proc/net/ip_vs_conn (costly on big directors)',
    }),
    option({
      name: 'collector.ipvs.conn.top-clients',
      kind: 'number',
      default: 0,
      description: 'report the N clients with most connection entries (0 = off)',
    }),
    option({
      name: 'collector.ipvs.ipvsadm',
      kind: 'boolean',
      default: true,
      description: 'read per-service stats, rates, thresholds and persistent connections from ipvsadm',
    }),
    option({
      name: 'ipvsadm.path',
      kind: 'string',
      default: 'ipvsadm',
      description: 'ipvsadm binary (PATH lookup unless absolute)',
    }),
    option({
      name: 'ipvsadm.timeout',
      kind: 'number',
      default: 5,
      description: 'seconds to wait for each ipvsadm call',
    }),
  ],

  sources(options: Options): Source[] {
    if (!options.boolean('collector.ipvs')) return [];
    parseBackendLabels(options.list('collector.ipvs.backend-labels'));
    const hz = options.number('collector.ipvs.hz');
    if (!(hz > 0)) throw new Error(`--collector.ipvs.hz must be positive, got ${hz}`);
    const topClients = options.number('collector.ipvs.conn.top-clients');
    if (!Number.isInteger(topClients) || topClients < 0) {
      throw new Error(`--collector.ipvs.conn.top-clients must be a whole number >= 0, got ${topClients}`);
    }
    const procfs = options.string('path.procfs');
    const sources = [ipVsSource(procfs, { hz }), ipVsStatsSource(procfs), ipVsStatsPerCpuSource(procfs)];
    if (options.boolean('collector.ipvs.conn')) sources.push(ipVsConnSource(procfs, { topClients }));
    if (options.boolean('collector.ipvs.ipvsadm')) {
      sources.push(
        ...ipvsadmSources({
          path: options.string('ipvsadm.path'),
          timeoutMs: options.number('ipvsadm.timeout') * 1000,
        }),
      );
    }
    return sources;
  },

  families(snapshot, options): MetricFamily[] {
    if (!options.boolean('collector.ipvs')) return [];
    const { ipvs } = snapshot;
    const families: MetricFamily[] = [];
    // Like node_exporter, no node_ipvs_* at all unless ip_vs_stats was readable.
    if (options.boolean('collector.ipvs.node-compat') && ipvs.stats) {
      families.push(...nodeTotalsFamilies(ipvs.stats));
      if (ipvs.table) {
        const labels = parseBackendLabels(options.list('collector.ipvs.backend-labels'));
        families.push(...nodeBackendFamilies(ipvs.table, labels));
      }
    }
    if (options.boolean('collector.ipvs.native')) {
      families.push(...ipvsFamilies(ipvs));
    }
    return families;
  },
};
