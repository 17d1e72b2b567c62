/** /proc/net/ip_vs, ip_vs_stats, ip_vs_stats_percpu and ip_vs_conn, from the real captures. */
import { ConnTableSummarizer } from '../../../common/ipvs/parse-ip-vs-conn.js';
import { parseIpVs } from '../../../common/ipvs/parse-ip-vs.js';
import { parseIpVsStats, parseIpVsStatsPerCpu } from '../../../common/ipvs/parse-ip-vs-stats.js';
import { type FuzzTarget, fixtures } from '../harness.js';

const trees = ['mysql', 'kernel-6.1-t1', 'procfs', 'node_exporter'];
const files = (name: string, in_ = trees) =>
  fixtures(in_.map((tree) => `fixtures/procfs/${tree}/net/${name}`));

export const ipvsProcTargets: FuzzTarget[] = [
  {
    name: 'ip_vs',
    seeds: [
      ...files('ip_vs', [...trees, 'kernel-6.1-keepalived']),
      ...fixtures(['fixtures/procfs/fragments/node_exporter_issue1296_ip_vs_fwm_tail']),
    ],
    run: (input) => parseIpVs(input.toString('latin1'), { hz: 250 }),
  },
  {
    name: 'ip_vs_stats',
    seeds: files('ip_vs_stats'),
    run: (input) => parseIpVsStats(input.toString('latin1')),
  },
  {
    name: 'ip_vs_stats_percpu',
    seeds: files('ip_vs_stats_percpu', ['mysql', 'kernel-6.1-t1']),
    run: (input) => parseIpVsStatsPerCpu(input.toString('latin1')),
  },
  {
    name: 'ip_vs_conn',
    seeds: files('ip_vs_conn', ['mysql', 'kernel-6.1-t1']),
    run: (input) => {
      const summarizer = new ConnTableSummarizer({ topClients: 3, sampleOneIn: 2, sampleLimit: 50 });
      // Two chunks split mid-line, as a stream delivers them.
      const cut = Math.floor(input.length / 2);
      summarizer.push(input.subarray(0, cut));
      summarizer.push(input.subarray(cut));
      return summarizer.finish();
    },
  },
];
