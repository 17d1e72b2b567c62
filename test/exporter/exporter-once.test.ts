/**
 * lvs-exporter --once end to end: the built binary on the real captures, with the real ipvsadm
 * (which fails on this kernel) or a replay of recorded ipvsadm output, and promtool's linter.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDirector } from '../../bench/scrape/generate.js';
import { parseIpvsadmStats } from '../../common/ipvs/parse-ipvsadm.js';
import { addressLabel, serviceLabels } from '../../common/ipvs/vocabulary.js';
import { run, runWithOutput, tempDir } from '../support/process.js';
import { checkMetrics } from '../support/promtool.js';
import {
  EXPORTER,
  IPVSADM_FIXTURES,
  PROCFS,
  REPLAY,
  ROOT,
  T1,
  byName,
  find,
  parseExposition,
} from './helpers.js';

const MYSQL = join(PROCFS, 'mysql');
const t1Replay = { IPVSADM_REPLAY_DIR: join(IPVSADM_FIXTURES, 'kernel-6.1-t1') };
const mysqlReplay = { IPVSADM_REPLAY_DIR: join(MYSQL, 'ipvsadm') };
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const once = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [EXPORTER, '--once', ...args], { env });

const up = (text: string): Record<string, number> =>
  Object.fromEntries(
    byName(parseExposition(text).samples, 'lvscope_source_up').map((s): [string, number] => [
      s.labels.source ?? '',
      s.value,
    ]),
  );

describe('lvs-exporter --once', () => {
  it('prints every family for the 6.1 capture with replayed ipvsadm, and promtool finds nothing to lint', async () => {
    const { code, stdout } = await once(
      [
        `--path.procfs=${T1}`,
        `--ipvsadm.path=${REPLAY}`,
        '--collector.ipvs.conn',
        '--collector.ipvs.conn.top-clients=3',
      ],
      t1Replay,
    );
    expect(code).toBe(0);
    expect(up(stdout)).toEqual({
      ip_vs: 1,
      ip_vs_stats: 1,
      ip_vs_stats_percpu: 1,
      ip_vs_conn: 1,
      ipvsadm_stats: 1,
      ipvsadm_rate: 1,
      ipvsadm_thresholds: 1,
      ipvsadm_persistent_conn: 1,
    });
    const names = new Set(parseExposition(stdout).samples.map((s) => s.name));
    for (const name of [
      'node_ipvs_connections_total',
      'node_ipvs_backend_weight',
      'ipvs_service_info',
      'ipvs_destination_info',
      'ipvs_destination_weight',
      'ipvs_destination_connections_active',
      'ipvs_destination_connections_inactive',
      'ipvs_destination_connections_persistent',
      'ipvs_destination_upper_threshold',
      'ipvs_destination_lower_threshold',
      'ipvs_service_connections_total',
      'ipvs_destination_incoming_bytes_total',
      'ipvs_service_connections_per_second',
      'ipvs_destination_outgoing_bytes_per_second',
      'ipvs_connections_per_second',
      'ipvs_cpu_connections_total',
      'ipvs_service_persistence_timeout_seconds',
      'ipvs_connection_table_entries',
      'ipvs_connection_table_templates',
      'ipvs_connection_table_size',
      'ipvs_connection_table_top_client_entries',
      'ipvs_connection_table_top_client_overcount',
      'lvscope_source_duration_seconds',
      'lvscope_source_parse_errors_total',
      'lvscope_collection_duration_seconds',
      'lvscope_build_info',
    ]) {
      expect(names, name).toContain(name);
    }
    const lint = await checkMetrics(stdout);
    expect(lint).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it("carries ipvsadm's per-service and per-destination numbers, joined with /proc's labels", async () => {
    const { stdout } = await once([`--path.procfs=${T1}`, `--ipvsadm.path=${REPLAY}`], t1Replay);
    const { samples } = parseExposition(stdout);
    const listing = parseIpvsadmStats(
      readFileSync(join(IPVSADM_FIXTURES, 'kernel-6.1-t1/ipvsadm-Ln--stats--exact.txt'), 'latin1'),
    );
    let checked = 0;
    for (const service of listing.value.services) {
      const [proto, localAddress, localPort, localMark] = serviceLabels(service);
      const labels = {
        proto,
        local_address: localAddress,
        local_port: localPort,
        local_mark: localMark,
      };
      expect(find(samples, 'ipvs_service_incoming_bytes_total', labels)?.value).toBe(service.values.inBytes);
      expect(find(samples, 'ipvs_service_info', labels), JSON.stringify(labels)).toBeDefined();
      for (const destination of service.destinations) {
        const destinationLabels = {
          ...labels,
          remote_address: addressLabel(destination.addr),
          remote_port: String(destination.port),
        };
        expect(find(samples, 'ipvs_destination_connections_total', destinationLabels)?.value).toBe(
          destination.values.conns,
        );
        expect(
          find(samples, 'ipvs_destination_weight', destinationLabels),
          JSON.stringify(destinationLabels),
        ).toBeDefined();
        checked++;
      }
    }
    expect(checked).toBe(94);
    const rs3 = { local_address: '192.0.2.10', local_port: '80', remote_address: '198.18.3.2' };
    expect(find(samples, 'ipvs_destination_upper_threshold', rs3)?.value).toBe(100);
    expect(find(samples, 'ipvs_destination_lower_threshold', rs3)?.value).toBe(10);
    expect(find(samples, 'ipvs_service_info', { local_address: '192.0.2.60' })?.labels).toMatchObject({
      scheduler: 'sh',
      flags: 'sh-fallback,sh-port',
    });
    expect(find(samples, 'ipvs_service_info', { local_address: '192.0.2.11' })?.labels).toMatchObject({
      persistence_timeout: '300',
      persistence_netmask: '255.255.255.255',
    });
  });

  it('bundled MySQL pool: weights, persistence and the connection table match the capture', async () => {
    const { code, stdout } = await once(
      [
        `--path.procfs=${MYSQL}`,
        `--ipvsadm.path=${REPLAY}`,
        '--collector.ipvs.conn',
        '--collector.ipvs.conn.top-clients=2',
      ],
      mysqlReplay,
    );
    expect(code).toBe(0);
    const { samples } = parseExposition(stdout);
    const pool = { proto: 'TCP', local_address: '172.16.1.18', local_port: '3306', local_mark: '' };
    expect(
      byName(samples, 'ipvs_destination_weight')
        .map((s) => [s.labels.remote_address, s.value])
        .sort(),
    ).toEqual([
      ['172.16.1.51', 1],
      ['172.16.1.7', 1],
    ]);
    expect(find(samples, 'ipvs_service_info', pool)?.labels).toMatchObject({
      scheduler: 'wrr',
      persistence_timeout: '20',
    });
    expect(find(samples, 'ipvs_destination_info', { remote_address: '172.16.1.7' })?.labels.forward).toBe(
      'Route',
    );
    expect(find(samples, 'ipvs_service_connections_total', pool)?.value).toBe(45);
    // Templates counted in ip_vs_conn equal ipvsadm's PersistConn, per real server.
    for (const remote of ['172.16.1.7', '172.16.1.51']) {
      expect(find(samples, 'ipvs_connection_table_templates', { remote_address: remote })?.value).toBe(4);
      expect(
        find(samples, 'ipvs_destination_connections_persistent', { remote_address: remote })?.value,
      ).toBe(4);
    }
    const states = byName(samples, 'ipvs_connection_table_entries').reduce<Record<string, number>>(
      (acc, s) => {
        acc[s.labels.state!] = (acc[s.labels.state!] ?? 0) + s.value;
        return acc;
      },
      {},
    );
    expect(states).toEqual({ ESTABLISHED: 12, FIN_WAIT: 32, CLOSE: 1 });
    expect(byName(samples, 'ipvs_connection_table_top_client_entries')).toHaveLength(2);
  });

  it('real ipvsadm on a kernel without IPVS: those sources down, the rest of the scrape intact', async () => {
    const { code, stdout, stderr } = await once([`--path.procfs=${T1}`]);
    expect(code).toBe(0);
    expect(up(stdout)).toMatchObject({ ip_vs: 1, ip_vs_stats: 1, ipvsadm_stats: 0, ipvsadm_rate: 0 });
    expect(stderr).toMatch(
      /source down.*ipvsadm -Ln --stats --exact --nosort: exit 2: Can't initialize ipvs: Protocol not available/,
    );
    expect(byName(parseExposition(stdout).samples, 'node_ipvs_backend_weight')).toHaveLength(94);
  });

  it('missing and hanging ipvsadm are reported, within the timeout', async () => {
    const missing = await once([`--path.procfs=${T1}`, '--ipvsadm.path=/nonexistent/ipvsadm']);
    expect(up(missing.stdout).ipvsadm_stats).toBe(0);
    expect(missing.stderr).toContain('not found (--ipvsadm.path /nonexistent/ipvsadm)');

    const started = Date.now();
    const slow = await once([`--path.procfs=${T1}`, `--ipvsadm.path=${REPLAY}`, '--ipvsadm.timeout=0.5'], {
      ...t1Replay,
      IPVSADM_REPLAY_DELAY: '5',
    });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(up(slow.stdout)).toMatchObject({ ip_vs: 1, ipvsadm_stats: 0, ipvsadm_thresholds: 0 });
    expect(slow.stderr).toContain('no answer within 500 ms');
  });

  it('ip_vs not loaded: every IPVS source down, no node_ipvs_* (as node_exporter), exit 0', async () => {
    const empty = tempDir('noipvs');
    dirs.push(empty);
    mkdirSync(join(empty, 'net'));
    const { code, stdout } = await once([`--path.procfs=${empty}`, '--no-collector.ipvs.ipvsadm']);
    expect(code).toBe(0);
    expect(up(stdout)).toEqual({ ip_vs: 0, ip_vs_stats: 0, ip_vs_stats_percpu: 0 });
    expect(
      parseExposition(stdout).samples.filter(
        (s) => s.name.startsWith('node_ipvs_') || s.name.startsWith('ipvs_'),
      ),
    ).toEqual([]);
  });

  it('--no-collector.ipvs.native leaves only the node_exporter drop-in and self-metrics', async () => {
    const { stdout } = await once([
      `--path.procfs=${T1}`,
      '--no-collector.ipvs.ipvsadm',
      '--no-collector.ipvs.native',
    ]);
    const prefixes = new Set(parseExposition(stdout).samples.map((s) => s.name.split('_')[0]));
    expect([...prefixes].sort()).toEqual(['lvscope', 'node']);
  });

  it('rejects bad settings with a clear message', async () => {
    const hz = await once([`--path.procfs=${T1}`, '--collector.ipvs.hz=0']);
    expect(hz.code).toBe(2);
    expect(hz.stderr).toContain('--collector.ipvs.hz must be positive, got 0');
    const unknown = await once(['--no-such-flag']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown option '--no-such-flag'");
    const address = await run(process.execPath, [EXPORTER, '--web.listen-address=nonsense']);
    expect(address.code).toBe(2);
    expect(address.stderr).toContain('--web.listen-address wants HOST:PORT');
  });

  it('exits 0 when the reader stops early (`| head`) on a big exposition', async () => {
    const dir = tempDir('head');
    dirs.push(dir);
    await writeDirector(dir, { services: 3000, destinationsPerService: 4 }, 10);
    const { code, stderr } = await runWithOutput(
      process.execPath,
      [EXPORTER, '--once', `--path.procfs=${dir}`, '--no-collector.ipvs.ipvsadm'],
      'closes after the first chunk',
    );
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('fails (exit 1, logged) when the exposition cannot be written, e.g. to a full disk', async () => {
    const full = openSync('/dev/full', 'w');
    const { code, stderr } = await runWithOutput(
      process.execPath,
      [EXPORTER, '--once', `--path.procfs=${T1}`, '--no-collector.ipvs.ipvsadm'],
      { fd: full },
    ).finally(() => closeSync(full));
    expect(code).toBe(1);
    expect(stderr).toMatch(/msg="cannot write the exposition" error="ENOSPC/);
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await run(process.execPath, [EXPORTER, '--version']);
    expect(code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(stdout.trim()).toBe(pkg.version);
  });
});
