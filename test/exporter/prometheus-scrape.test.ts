/**
 * A real Prometheus (Debian's 2.42) scrapes lvs-exporter serving the bundled MySQL pool capture;
 * PromQL must return the capture's weights, ipvsadm's counters, and lvscope series that join
 * node_exporter's on the shared labels.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIpVs } from '../../common/ipvs/parse-ip-vs.js';
import { addressLabel } from '../../common/ipvs/vocabulary.js';
import { type Running, tempDir, waitFor } from '../support/process.js';
import { type Prometheus, type VectorSample, startPrometheus } from '../support/prometheus.js';
import { PROCFS, REPLAY, startExporter } from './helpers.js';

const MYSQL = join(PROCFS, 'mysql');

let prometheus: Prometheus | undefined;
let exporter: (Running & { url: string }) | undefined;
const dir = tempDir('prometheus');

beforeAll(async () => {
  exporter = await startExporter([`--path.procfs=${MYSQL}`, `--ipvsadm.path=${REPLAY}`], {
    IPVSADM_REPLAY_DIR: join(MYSQL, 'ipvsadm'),
  });
  prometheus = await startPrometheus(
    dir,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: lvscope\n    static_configs:\n      - targets: ['${new URL(exporter.url).host}']\n`,
  );
  // New targets are picked up on a 5 s tick: the first sample shows up ~6 s after start.
  await waitFor('first scrape', 30_000, async () => (await query('up{job="lvscope"} == 1')).length === 1);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function query(expr: string): Promise<VectorSample[]> {
  if (!prometheus) throw new Error('prometheus not started');
  return prometheus.query(expr);
}

describe('Prometheus scraping lvs-exporter', () => {
  const table = parseIpVs(readFileSync(join(MYSQL, 'net/ip_vs'), 'latin1'), { hz: 250 }).value;
  const expectedWeights = table.services
    .flatMap((s) => s.destinations.map((d) => [addressLabel(d.addr), d.weight]))
    .sort();

  it('returns the weights of the capture, under both names', async () => {
    expect(expectedWeights).toEqual([
      ['172.16.1.51', 1],
      ['172.16.1.7', 1],
    ]);
    for (const name of ['ipvs_destination_weight', 'node_ipvs_backend_weight']) {
      const result = await query(`${name}{local_address="172.16.1.18",local_port="3306"}`);
      expect(result.map((r) => [r.metric.remote_address, Number(r.value[1])]).sort()).toEqual(
        expectedWeights,
      );
    }
  });

  it('joins lvscope and node_exporter series on the shared labels', async () => {
    const joined = await query(
      'ipvs_destination_weight - on(proto, local_address, local_port, local_mark, remote_address, remote_port) node_ipvs_backend_weight',
    );
    expect(joined.map((r) => Number(r.value[1]))).toEqual([0, 0]);
  });

  it("returns ipvsadm's per-service counters and the info labels", async () => {
    const conns = await query('ipvs_service_connections_total');
    expect(conns.map((r) => Number(r.value[1]))).toEqual([45]);
    const info = await query('ipvs_service_info');
    expect(info[0]?.metric).toMatchObject({ scheduler: 'wrr', persistence_timeout: '20', proto: 'TCP' });
    const up = await query('min(lvscope_source_up)');
    expect(Number(up[0]?.value[1])).toBe(1);
  });
});
