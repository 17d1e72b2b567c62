/**
 * The monitoring stack the dashboard tests query: lvs-exporter on the real captures, Debian's
 * node_exporter on the same kernel capture (node_ipvs_*, plus the recommendation textfile through
 * its textfile collector), and a real Prometheus scraping them every second with every rule file
 * of dashboards/ loaded. All on 127.0.0.1, stopped by PID.
 *
 * Targets (the `instance` label):
 * - t1: fixtures/procfs/kernel-6.1-t1 (real 6.1 kernel, every scheduler, thresholds, persistence,
 *   436 connection entries) with the ipvsadm listings recorded on it (replayed).
 * - mysql: the bundled MySQL pool (wrr, persistence, templates) with its ipvsadm listings.
 * - keepalived-lb: fixtures/procfs/kernel-6.1-keepalived (a table keepalived 2.2.7 wrote; no
 *   ip_vs_stats, so that source is down) and keepalived's checker dump captured on the same
 *   kernel (TCP 192.0.2.10:80 with one dead server, FWM 7 without quorum).
 * - lb1, lb2: keepalived 2.2.7 JSON dumps of the two directors of a VRRP pair
 *   (steady-a-master, steady-b-backup), the VIPs of its keepalived.conf checked on this host's
 *   interfaces (absent here), and the notify FIFO lines keepalived wrote during that run.
 * - node-t1: node_exporter 1.5 on kernel-6.1-t1.
 * - client-skew: one real sample of the client-skew recording's director (recommendation-textfile.ts)
 *   with its ipvsadm listings, and node-client-skew: node_exporter on the same sample serving the
 *   real `lvs-analyze recommend --textfile` output for that recording (the capacity dashboard).
 */
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { installed, type Running, start, waitFor } from '../support/process.js';
import { type Prometheus, startPrometheus } from '../support/prometheus.js';
import { IPVSADM_FIXTURES, PROCFS, REPLAY, ROOT, startExporter } from '../exporter/helpers.js';
import { FLAGGED, sampleDir, writeRecommendationTextfile } from './recommendation-textfile.js';

const KEEPALIVED = join(ROOT, 'fixtures/keepalived');
export const RULE_FILES = [
  join(ROOT, 'dashboards/alerts/lvscope.rules.yml'),
  join(ROOT, 'dashboards/alerts/lvscope-ipvs.rules.yml'),
  join(ROOT, 'dashboards/rules/lvscope-ipvs.recording.yml'),
];

export function stackPrerequisites(): string | undefined {
  for (const bin of ['prometheus', 'prometheus-node-exporter'])
    if (!installed(bin)) return `${bin} is not installed`;
  return undefined;
}

export interface Target {
  readonly instance: string;
  readonly job: string;
  readonly address: string;
}

export interface Stack {
  readonly prometheus: Prometheus;
  readonly targets: readonly Target[];
  /** Unix ms when Prometheus started (charts start there). */
  readonly startedAt: number;
  /** The recommender's textfile node-client-skew serves. */
  readonly recommendation: string;
  stop(): Promise<void>;
}

/**
 * `count` distinct free ports on 127.0.0.1, held (bound) until `release()`: Prometheus picks its
 * own port meanwhile, so it cannot pick one of these.
 */
export async function reservePorts(
  count: number,
): Promise<{ ports: number[]; release: () => Promise<void> }> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  return {
    ports,
    release: async () => {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

/** Writes every line of a recorded notify FIFO into the FIFO an exporter reads (created by it). */
async function feedFifo(path: string, lines: string): Promise<void> {
  const fd = await waitFor(
    `a reader on ${path}`,
    10_000,
    () => {
      try {
        return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch {
        return undefined; // ENOENT until the exporter creates it, ENXIO until it opens it
      }
    },
    50,
  );
  try {
    writeSync(fd, lines);
  } finally {
    closeSync(fd);
  }
}

/** The Prometheus config for `targets`, every second, with `ruleFiles`, alerting to `alertmanager`. */
export function prometheusConfig(
  targets: readonly Target[],
  ruleFiles: readonly string[],
  alertmanager?: string,
): string {
  const jobs = [...new Set(targets.map((t) => t.job))].map((job) =>
    [
      `  - job_name: ${job}`,
      '    static_configs:',
      ...targets
        .filter((t) => t.job === job)
        .map((t) => `      - targets: ['${t.address}']\n        labels: { instance: ${t.instance} }`),
    ].join('\n'),
  );
  return [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'rule_files:',
    ...ruleFiles.map((file) => `  - ${file}`),
    ...(alertmanager
      ? ['alerting:', '  alertmanagers:', '    - static_configs:', `        - targets: ['${alertmanager}']`]
      : []),
    'scrape_configs:',
    ...jobs,
    '',
  ].join('\n');
}

/** Waits until every target has been scraped twice (rate() has two samples) and the rules ran. */
export async function waitForData(
  prometheus: Prometheus,
  targets: number,
  also: string[] = [],
): Promise<void> {
  await waitFor(
    `${targets} targets scraped twice and ${also.join(', ')}`,
    30_000,
    async () => {
      const scraped = await prometheus.query('count(count_over_time(up[1m]) >= 2)');
      if (Number(scraped[0]?.value[1] ?? 0) < targets) return false;
      for (const expr of also) if ((await prometheus.query(expr)).length === 0) return false;
      return true;
    },
    250,
  );
}

export async function startStack(dir: string): Promise<Stack> {
  const running: Running[] = [];
  const stopAll = async () => {
    await Promise.all(running.map((r) => r.stop()));
  };
  try {
    const ipvsadm = (fixture: string) => ({ IPVSADM_REPLAY_DIR: fixture });
    const conn = ['--collector.ipvs.conn', '--collector.ipvs.conn.top-clients=5'];
    const exporters: { instance: string; args: string[]; env?: NodeJS.ProcessEnv; fifo?: string }[] = [
      {
        instance: 't1',
        args: [`--path.procfs=${join(PROCFS, 'kernel-6.1-t1')}`, `--ipvsadm.path=${REPLAY}`, ...conn],
        env: ipvsadm(join(IPVSADM_FIXTURES, 'kernel-6.1-t1')),
      },
      {
        instance: 'mysql',
        args: [`--path.procfs=${join(PROCFS, 'mysql')}`, `--ipvsadm.path=${REPLAY}`, ...conn],
        env: ipvsadm(join(PROCFS, 'mysql/ipvsadm')),
      },
      {
        instance: FLAGGED.recording,
        args: [`--path.procfs=${sampleDir(FLAGGED)}`, `--ipvsadm.path=${REPLAY}`],
        env: ipvsadm(join(sampleDir(FLAGGED), 'ipvsadm')),
      },
      {
        instance: 'keepalived-lb',
        args: [
          `--path.procfs=${join(PROCFS, 'kernel-6.1-keepalived')}`,
          '--no-collector.ipvs.ipvsadm',
          `--keepalived.check-data-file=${join(KEEPALIVED, '2.2.7-checker/keepalived_check.data')}`,
        ],
      },
      ...(['a-master', 'b-backup'] as const).map((dump, i) => ({
        instance: `lb${i + 1}`,
        fifo: join(KEEPALIVED, `2.2.7-vrrp/fifo-${dump[0]}.txt`),
        args: [
          '--no-collector.ipvs',
          `--keepalived.json-file=${join(KEEPALIVED, `2.2.7-vrrp/steady-${dump}.json`)}`,
          `--keepalived.config=${join(KEEPALIVED, '2.2.7-vrrp/keepalived-a.conf')}`,
          `--keepalived.notify-fifo=${join(dir, `lb${i + 1}.fifo`)}`,
        ],
      })),
    ];
    // The exporters pick their own ports (the listen address startExporter gives them) while the
    // recommender runs (seconds of CPU); Prometheus starts once every target is known.
    const [recommendation, ...started] = await Promise.all([
      writeRecommendationTextfile(FLAGGED, join(dir, 'textfile')),
      ...exporters.map(async ({ instance, args, env, fifo }) => {
        const exporter = await startExporter(args, env);
        running.push(exporter);
        if (fifo) await feedFifo(join(dir, `${instance}.fifo`), readFileSync(fifo, 'utf8'));
        return exporter;
      }),
    ]);
    const nodes = [
      { instance: 'node-t1', procfs: join(PROCFS, 'kernel-6.1-t1'), textfiles: undefined },
      { instance: `node-${FLAGGED.recording}`, procfs: sampleDir(FLAGGED), textfiles: recommendation.dir },
    ];
    const { ports: nodePorts, release } = await reservePorts(nodes.length);
    const targets: Target[] = [
      ...exporters.map(({ instance }, i) => ({
        instance,
        job: 'lvscope',
        address: new URL(started[i]?.url ?? '').host,
      })),
      ...nodes.map(({ instance }, i) => ({ instance, job: 'node', address: `127.0.0.1:${nodePorts[i]}` })),
    ].sort((a, b) => a.instance.localeCompare(b.instance));
    const startedAt = Date.now();
    const prometheus = await startPrometheus(join(dir, 'prometheus'), prometheusConfig(targets, RULE_FILES));
    running.push(prometheus.process);
    await release();

    await Promise.all(
      nodes.map((node, i) => {
        const exporter = start('prometheus-node-exporter', [
          `--web.listen-address=127.0.0.1:${nodePorts[i]}`,
          `--path.procfs=${node.procfs}`,
          '--collector.disable-defaults',
          '--collector.ipvs',
          ...(node.textfiles
            ? ['--collector.textfile', `--collector.textfile.directory=${node.textfiles}`]
            : []),
        ]);
        running.push(exporter);
        return waitFor('node_exporter to answer', 10_000, async () => {
          if (exporter.child.exitCode !== null) throw new Error(`node_exporter exited: ${exporter.stderr()}`);
          return (await fetch(`http://127.0.0.1:${nodePorts[i]}/metrics`).catch(() => undefined))?.ok;
        });
      }),
    );
    await waitForData(prometheus, targets.length, [
      'ipvs_destination:weight_normalised_load:ratio',
      'lvscope_keepalived_fifo_transitions_total',
      'lvscope_recommendation_service_mismatch',
    ]);
    return { prometheus, targets, startedAt, recommendation: recommendation.file, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
