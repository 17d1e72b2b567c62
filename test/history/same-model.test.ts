/**
 * One exporter run, four stores, one model: lvs-exporter serves a changing MySQL pool (the pool
 * driver) while it writes a capture and pushes to a real InfluxDB, a real Prometheus scrapes it
 * and remote-writes to a real VictoriaMetrics. `lvs-analyze workload --format json` over the
 * same time range must give the same model from each (within the rounding that sampling at
 * different instants allows).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recommendation } from '../../analyzer/recommend/types.js';
import type { WorkloadModel } from '../../analyzer/workload/model.js';
import { EXPORTER, REPLAY, ROOT, startExporter } from '../exporter/helpers.js';
import { Influxd, influxdInstalled } from '../sinks/influxd.js';
import { installed, run, type Running, sleep, tempDir, waitFor } from '../support/process.js';
import { type Prometheus, remoteWriteConfig, startPrometheus } from '../support/prometheus.js';
import {
  type VictoriaMetrics,
  startVictoriaMetrics,
  victoriaMetricsInstalled,
} from '../support/victoria-metrics.js';
import { PoolDriver } from './pool-driver.js';

const ANALYZER = join(ROOT, 'dist/analyzer/main.js');
const missing = !existsSync(EXPORTER)
  ? `${EXPORTER} not built`
  : !installed('prometheus')
    ? 'prometheus not installed'
    : !victoriaMetricsInstalled
      ? 'victoria-metrics not installed'
      : !influxdInstalled
        ? 'influxd not installed'
        : undefined;
if (missing) console.warn(`skipping the same-model test: ${missing}`);

/** Every step stays 2 s, so every store (sampling each second) sees every step at least once. */
const STEP_MS = 2000;
const STEPS = 13;
const DATABASE = 'lvscope';

let dir = '';
let prometheus: Prometheus | undefined;
let vm: VictoriaMetrics | undefined;
let influxd: Influxd | undefined;
let exporter: Running | undefined;
let range: string[] = [];

beforeAll(async () => {
  if (missing) return;
  dir = tempDir('same-model');
  const driver = new PoolDriver(dir);
  [vm, influxd] = await Promise.all([startVictoriaMetrics(join(dir, 'vm')), Influxd.create()]);
  const started = await startExporter(
    [
      `--path.procfs=${driver.procfs}`,
      `--ipvsadm.path=${REPLAY}`,
      '--collector.ipvs.conn',
      '--collector.ipvs.conn.top-clients=5',
      `--capture.dir=${join(dir, 'capture')}`,
      '--capture.interval=1',
      `--influx.url=${influxd.url}`,
      `--influx.database=${DATABASE}`,
      '--influx.interval=1000',
      '--influx.tags=host=lb1',
    ],
    { IPVSADM_REPLAY_DIR: driver.ipvsadm },
  );
  exporter = started;
  prometheus = await startPrometheus(
    join(dir, 'prometheus'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: lb1',
      '    static_configs:',
      `      - targets: ['${started.url.replace('http://', '')}']`,
      '    relabel_configs:',
      '      - target_label: instance',
      '        replacement: lb1',
      '',
    ].join('\n') + remoteWriteConfig(vm.writeUrl),
  );
  await waitFor(
    'the first scrape',
    20_000,
    async () => ((await prometheus?.query('up == 1').catch(() => []))?.length ?? 0) === 1,
    200,
  );
  // Step 0 was written at construction; the history starts once every store has seen it.
  await sleep(STEP_MS);
  const start = Date.now();
  for (let n = 1; n <= STEPS; n++) {
    driver.write(n);
    await sleep(STEP_MS);
  }
  const end = Date.now();
  // The last step stays in place while the stores settle; the range ends before that.
  await sleep(2500);
  await vm.flush();
  range = [`--start=${(start / 1000).toFixed(3)}`, `--end=${(end / 1000).toFixed(3)}`];
}, 120_000);

afterAll(async () => {
  await exporter?.stop();
  await prometheus?.stop();
  await vm?.stop();
  await influxd?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function model(...source: string[]): Promise<WorkloadModel> {
  const { code, stdout, stderr } = await run(
    process.execPath,
    [ANALYZER, 'workload', '--pool', 'mysql', '--format', 'json', ...range, ...source],
    {
      timeoutMs: 60_000,
    },
  );
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as WorkloadModel;
}

async function recommendation(...source: string[]): Promise<Recommendation> {
  const { code, stdout, stderr } = await run(
    process.execPath,
    [ANALYZER, 'recommend', '--pool', 'mysql', '--format', 'json', ...range, ...source],
    { timeoutMs: 120_000 },
  );
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Recommendation;
}

/** What the four stores must agree on, with each figure rounded to what sampling instants allow. */
function comparable(m: WorkloadModel) {
  return m.services.map((s) => ({
    service: s.service,
    scheduler: s.scheduler,
    persistenceSeconds: s.persistenceSeconds,
    connections: s.arrivals.connections,
    servers: s.servers.map((d) => ({
      server: d.server,
      weight: d.weight,
      weights: d.weights,
      connections: d.arrivals.connections,
    })),
  }));
}

describe.skipIf(missing !== undefined)('the same workload model from every store', () => {
  it('capture, Prometheus, VictoriaMetrics and InfluxDB give the same model', async () => {
    const [fromCapture, fromPrometheus, fromVm, fromInflux] = await Promise.all([
      model(`--capture=${join(dir, 'capture')}`),
      model(`--prometheus=${prometheus!.url}`),
      model(`--prometheus=${vm!.url}`),
      model(`--influx=${influxd!.url}`, `--influx.database=${DATABASE}`),
    ]);
    const reference = comparable(fromCapture);
    expect(reference[0]?.servers.length).toBe(3);
    expect(reference[0]!.connections).toBeGreaterThan(100);
    for (const other of [fromPrometheus, fromVm, fromInflux]) expect(comparable(other)).toEqual(reference);
    // Means and rates are taken over each store's own sampling instants: equal within 10 %.
    for (const other of [fromPrometheus, fromVm, fromInflux]) {
      for (const [i, s] of other.services.entries()) {
        const ref = fromCapture.services[i]!;
        expect(s.arrivals.meanPerSecond).toBeCloseTo(ref.arrivals.meanPerSecond, 0);
        for (const [j, d] of s.servers.entries()) {
          const r = ref.servers[j]!;
          expect(Math.abs(d.concurrency.meanActive - r.concurrency.meanActive)).toBeLessThanOrEqual(
            0.1 * r.concurrency.meanActive + 0.2,
          );
        }
      }
    }
    // Prometheus and VictoriaMetrics hold the same raw samples: their models are identical.
    expect({ ...fromVm, source: '' }).toEqual({ ...fromPrometheus, source: '', evidence: fromVm.evidence });
  });

  it('lvs-analyze recommend runs on each store and sees the same pool', async () => {
    const recs = await Promise.all([
      recommendation(`--capture=${join(dir, 'capture')}`),
      recommendation(`--prometheus=${prometheus!.url}`),
      recommendation(`--prometheus=${vm!.url}`),
      recommendation(`--influx=${influxd!.url}`, `--influx.database=${DATABASE}`),
    ]);
    const seen = (r: Recommendation) =>
      r.services.map((s) => ({
        service: s.service,
        baseline: { ...s.baseline.config, servers: s.baseline.config.servers.map((d) => d.server) },
        // The schedulers replayed; how many weight-search results join them depends on where the
        // search lands on each store's own sampling instants (22 on one, 21 on another, in CI).
        replayed: s.candidates
          .filter((c) => c.weights !== 'searched')
          .map((c) => [c.config.scheduler, ...c.config.flags].join(' '))
          .sort(),
      }));
    const reference = seen(recs[0]);
    expect(reference[0]?.replayed.length).toBeGreaterThanOrEqual(14);
    for (const other of recs.slice(1)) expect(seen(other)).toEqual(reference);
    // Prometheus and VictoriaMetrics hold the same raw samples: the same verdict and pick.
    expect(recs[2].services.map((s) => [s.verdict, s.recommended.name])).toEqual(
      recs[1].services.map((s) => [s.verdict, s.recommended.name]),
    );
  }, 240_000);
});
