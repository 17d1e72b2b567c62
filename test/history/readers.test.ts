/**
 * The history readers against the real programs. Two lvs-exporters (directors lb1 and lb2 of one
 * keepalived pair) read a MySQL pool that test/history/pool-driver.ts changes every second
 * (counters grow and are zeroed once, a weight changes, a real server comes and goes, keepalived's
 * VI_1 moves from lb1 to lb2); a third exporter serves only node_exporter's families (lb-node). A
 * real Prometheus scrapes all three every second (every 2 s after a reload) and remote_writes to a
 * real VictoriaMetrics; the two directors' InfluxDB sinks push to a real influxd every second.
 * The pool's history read back from the three stores must agree with each other and with what the
 * exporters served at each moment.
 */
import { rmSync } from 'node:fs';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { parseIp } from '../../common/net/ip.js';
import { readInfluxHistory } from '../../analyzer/inputs/history/influx.js';
import type { DestinationObservation, History, ServiceHistory } from '../../analyzer/inputs/history/model.js';
import { readPrometheusHistory } from '../../analyzer/inputs/history/prometheus.js';
import { EXPORTER, REPLAY, startExporter } from '../exporter/helpers.js';
import { Influxd, influxdInstalled } from '../sinks/influxd.js';
import { installed, type Running, sleep, tempDir, waitFor } from '../support/process.js';
import {
  type MatrixSeries,
  type Prometheus,
  promApi,
  remoteWriteConfig,
  startPrometheus,
} from '../support/prometheus.js';
import {
  startVictoriaMetrics,
  type VictoriaMetrics,
  victoriaMetricsInstalled,
} from '../support/victoria-metrics.js';
import {
  APPEAR_STEP,
  DISAPPEAR_STEP,
  PoolDriver,
  PORT,
  RESET_STEP,
  TAKEOVER_STEP,
  VIP,
  WEIGHT_STEP,
  realServers,
  serviceTotals,
  vrrpState,
} from './pool-driver.js';

const missing = !existsSync(EXPORTER)
  ? `${EXPORTER} not built (npm run build)`
  : !installed('prometheus')
    ? 'prometheus not installed (apt package prometheus)'
    : !victoriaMetricsInstalled
      ? 'victoria-metrics not installed (apt package victoria-metrics)'
      : !influxdInstalled
        ? 'influxd not installed (apt package influxdb)'
        : undefined;
if (missing) console.warn(`skipping the history readers against real stores: ${missing}`);

/** Steps of the driver; the scrape interval goes from 1 s to 2 s right after INTERVAL_STEP. */
const LAST_STEP = 17;
const INTERVAL_STEP = 12;
const DATABASE = 'lvscope';

const SERVICE: ServiceKey = { kind: 'addr', proto: 'tcp', addr: parseIp(VIP)!, port: PORT };

/** Made in beforeAll (a skipped run leaves nothing behind). */
let dir = '';
let driver: PoolDriver;
let prometheus: Prometheus | undefined;
let vm: VictoriaMetrics | undefined;
let influxd: Influxd | undefined;
const exporters: Running[] = [];
let startMs = 0;
let endMs = 0;
/** When Prometheus was told to scrape every 2 s. */
let reloadedAt = 0;

function prometheusConfig(targets: Record<string, string>, interval: '1s' | '2s'): string {
  return [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval === '1s' ? '900ms' : '1500ms'}`,
    'scrape_configs:',
    ...Object.entries(targets).flatMap(([name, address]) => [
      `  - job_name: ${name}`,
      '    static_configs:',
      `      - targets: ['${address}']`,
      // The director's name as the history shows it (InfluxDB: the sink's host tag).
      '    relabel_configs:',
      '      - target_label: instance',
      `        replacement: ${name}`,
    ]),
    '',
  ].join('\n');
}

/**
 * When Prometheus shows the 2 s configuration (polled while the driver goes on): on a busy machine
 * a SIGHUP reload takes effect a second or more later, and until then the 1 s scrapes go on.
 */
async function reloadApplied(url: string): Promise<number> {
  await waitFor(
    'Prometheus to apply the 2 s scrape interval',
    10_000,
    async () => {
      const answer = await promApi<{ yaml: string }>(url, '/api/v1/status/config').catch(() => null);
      return answer?.data?.yaml.includes('scrape_interval: 2s') ?? false;
    },
    50,
  );
  return Date.now();
}

/** Samples of the weight families in (startMs, endMs] per store, NaN dropped: equal once VM has caught up. */
async function weightSamples(url: string): Promise<number> {
  const seconds = Math.ceil((endMs - startMs) / 1000);
  const answer = await promApi<{ result: MatrixSeries[] }>(url, '/api/v1/query', {
    query: `{__name__=~"ipvs_destination_weight|node_ipvs_backend_weight|lvscope_keepalived_vrrp_state"}[${seconds}s]`,
    time: (endMs / 1000).toFixed(3),
  });
  return (answer.data?.result ?? []).reduce(
    (total, series) =>
      total +
      series.values.filter(
        ([t, v]) => Math.round(t * 1000) > startMs && Math.round(t * 1000) <= endMs && v !== 'NaN',
      ).length,
    0,
  );
}

beforeAll(async () => {
  if (missing) return;
  dir = tempDir('history-readers');
  driver = new PoolDriver(dir);
  startMs = Math.floor(Date.now() / 1000) * 1000 - 1000;
  [vm, influxd] = await Promise.all([startVictoriaMetrics(join(dir, 'vm')), Influxd.create()]);
  const influxUrl = influxd.url;
  const env = { IPVSADM_REPLAY_DIR: driver.ipvsadm };
  const common = [
    `--path.procfs=${driver.procfs}`,
    '--collector.ipvs.conn',
    '--collector.ipvs.conn.top-clients=2',
  ];
  const started = await Promise.all([
    ...(['lb1', 'lb2'] as const).map((name) =>
      startExporter(
        [
          ...common,
          `--ipvsadm.path=${REPLAY}`,
          `--keepalived.json-file=${driver.keepalivedFile(name)}`,
          `--influx.url=${influxUrl}`,
          `--influx.database=${DATABASE}`,
          '--influx.interval=1000',
          `--influx.tags=host=${name}`,
        ],
        env,
      ),
    ),
    startExporter([...common, '--no-collector.ipvs.native', '--no-collector.ipvs.ipvsadm'], env),
  ]);
  exporters.push(...started);
  const [lb1, lb2, node] = started.map((e) => e.url.replace('http://', ''));
  const targets = { lb1: lb1!, lb2: lb2!, 'lb-node': node! };
  prometheus = await startPrometheus(
    join(dir, 'prometheus'),
    prometheusConfig(targets, '1s') + remoteWriteConfig(vm.writeUrl),
  );
  const promUrl = prometheus.url;
  // Prometheus picks up new targets on a 5 s tick: the first scrape comes ~6 s after it starts.
  await waitFor(
    'the first scrapes of lb1 and lb2',
    20_000,
    async () => {
      const up = await prometheus?.query('up{instance=~"lb1|lb2"} == 1').catch(() => []);
      return (up?.length ?? 0) === 2;
    },
    200,
  );
  let reloaded: Promise<number> = Promise.resolve(0);
  for (let n = 1; n <= LAST_STEP; n++) {
    await sleep(1000 - ((Date.now() - (driver.steps[n - 1] ?? 0)) % 1000));
    driver.write(n);
    if (n === INTERVAL_STEP) {
      writeFileSync(
        join(dir, 'prometheus/prometheus.yml'),
        prometheusConfig(targets, '2s') + remoteWriteConfig(vm.writeUrl),
      );
      prometheus.process.child.kill('SIGHUP');
      reloaded = reloadApplied(promUrl);
    }
  }
  reloadedAt = await reloaded;
  // At least two scrapes of the last step (and several at 2 s after the reload took effect), then
  // everything up to `endMs` is stored.
  await sleep(8500);
  endMs = Math.floor((Date.now() - 1500) / 1000) * 1000;
  const vmUrl = vm.url;
  const expected = await weightSamples(promUrl);
  await waitFor(
    'VictoriaMetrics to hold what Prometheus holds',
    10_000,
    async () => {
      await vm?.flush();
      return (await weightSamples(vmUrl)) === expected;
    },
    200,
  );
  await waitFor(
    'both sinks to have pushed past the end',
    10_000,
    async () => {
      const series = await influxd
        ?.query(`SELECT last(weight) FROM ipvs_destination WHERE time > ${endMs}ms GROUP BY host`, DATABASE)
        .catch(() => []);
      return (series?.length ?? 0) === 2;
    },
    200,
  );
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  for (const exporter of exporters) await exporter.stop();
  await vm?.stop();
  await influxd?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const query = () => ({ services: [SERVICE], start: startMs, end: endMs });

/** The history without what says where it came from (source, source notes). */
function comparable(history: History) {
  return {
    ...history,
    source: undefined,
    notes: history.notes.filter((note) => note.kind !== 'source'),
  };
}

function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1);
  return list[0]!;
}

/** Real server `addr` of the history's only service. */
function server(history: History, addr: string) {
  return only(history.services).destinations.find((d) => d.addr.text === addr);
}

const ofDirector = <T extends { director: string }>(list: readonly T[], director: string): T[] =>
  list.filter((obs) => obs.director === director);

/** Values in order with repeats collapsed. */
function distinct(values: readonly (number | undefined)[]): (number | undefined)[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

function medianGap(times: readonly number[]): number {
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1] ?? NaN;
}

/**
 * Every observed value must be what the exporter served at that moment: the value of a step whose
 * files were in place while the collection stamped `t` read them. Returns the disagreements.
 */
function disagreements(history: History, store: string): string[] {
  const problems: string[] = [];
  const check = (
    what: string,
    t: number,
    value: number | undefined,
    expected: (n: number) => number | string,
  ) => {
    if (value === undefined) return;
    const candidates = driver.stepsAt(t).map(expected);
    if (!candidates.includes(value))
      problems.push(
        `${store} ${what} at ${new Date(t).toISOString()}: ${value}, expected one of ${candidates.join(' ')}`,
      );
  };
  const service: ServiceHistory = only(history.services);
  for (const obs of service.observations) {
    const at = `${obs.director} service`;
    check(`${at} conns`, obs.t, obs.counters?.conns, (n) => serviceTotals(n).conns);
    check(`${at} inBytes`, obs.t, obs.counters?.inBytes, (n) => serviceTotals(n).inBytes);
    check(`${at} outBytes`, obs.t, obs.counters?.outBytes, () => 0);
    check(`${at} cps`, obs.t, obs.rates?.cps, (n) => serviceTotals(n).cps);
    check(`${at} persistence`, obs.t, obs.persistenceSeconds, () => 20);
    check(`${at} netmask`, obs.t, obs.persistenceNetmask, () => 0xffffffff);
    if (obs.scheduler !== undefined && obs.scheduler !== 'wrr')
      problems.push(`${store} scheduler ${obs.scheduler}`);
  }
  for (const destination of service.destinations) {
    const rs = (n: number) => realServers(n).find((r) => r.addr === destination.addr.text);
    for (const obs of destination.observations) {
      const at = `${obs.director} ${destination.addr.text}`;
      const field = (
        name: string,
        value: number | undefined,
        get: (r: NonNullable<ReturnType<typeof rs>>) => number,
      ) =>
        check(`${at} ${name}`, obs.t, value, (n) => {
          const r = rs(n);
          return r ? get(r) : 'absent';
        });
      field('weight', obs.weight, (r) => r.weight);
      field('active', obs.activeConns, (r) => r.active);
      field('inactive', obs.inactiveConns, (r) => r.inactive);
      field('persistent', obs.persistentConns, (r) => r.persistent);
      field('upper', obs.upperThreshold, (r) => r.upper);
      field('conns', obs.counters?.conns, (r) => r.conns);
      field('inPackets', obs.counters?.inPackets, (r) => r.inPackets);
      field('cps', obs.rates?.cps, (r) => r.cps);
      field('inBps', obs.rates?.inBps, (r) => r.inBps);
      if (obs.forward !== undefined && obs.forward !== 'route')
        problems.push(`${store} forward ${obs.forward}`);
    }
  }
  for (const obs of history.vrrp) {
    const director = obs.director as 'lb1' | 'lb2';
    check(`${director} VI_1 state`, obs.t, obs.state, (n) => vrrpState(director, n));
  }
  return problems;
}

describe.skipIf(missing !== undefined)('history readers: Prometheus, VictoriaMetrics, InfluxDB', () => {
  const read = {
    prometheus: (options: object = {}) =>
      readPrometheusHistory({ ...query(), ...options }, { url: prometheus!.url, follow: false }),
    vm: (options: object = {}) =>
      readPrometheusHistory({ ...query(), ...options }, { url: vm!.url, follow: false }),
    influx: (options: object = {}) =>
      readInfluxHistory({ ...query(), ...options }, { url: influxd!.url, database: DATABASE, follow: false }),
  };

  it('Prometheus and VictoriaMetrics give the same history, raw samples for raw samples', async () => {
    const [fromPrometheus, fromVm] = await Promise.all([read.prometheus(), read.vm()]);
    expect([...fromPrometheus.directors].sort()).toEqual(['lb1', 'lb2']);
    expect(comparable(fromVm)).toEqual(comparable(fromPrometheus));
    expect(fromPrometheus.source).toBe(`prometheus ${prometheus!.url}`);
    // lb1 scraped every second for most of the run: a sample per scrape, every family merged.
    const service = only(fromPrometheus.services);
    expect(ofDirector(service.observations, 'lb1').length).toBeGreaterThanOrEqual(LAST_STEP);
    expect(
      service.observations.every((o) => o.counters?.conns !== undefined && o.rates?.cps !== undefined),
    ).toBe(true);
    expect(fromPrometheus.clientMix.length).toBeGreaterThan(0);
    expect(fromPrometheus.clientMix[0]?.topClients).toHaveLength(2);
  });

  it('every observation in each store is what the exporter served at that moment', async () => {
    const histories = await Promise.all([read.prometheus(), read.vm(), read.influx()]);
    expect(histories.flatMap((h, i) => disagreements(h, ['prometheus', 'vm', 'influx'][i]!))).toEqual([]);
    // The connection-table summary (static capture) arrives the same way in all three.
    const first = (h: History) => server(h, '172.16.1.51')?.observations[0];
    for (const history of histories) {
      expect(first(history)?.states).toEqual({ ESTABLISHED: 6, FIN_WAIT: 17 });
      expect(first(history)?.templates).toBe(4);
      expect(history.clientMix.find((m) => m.director === 'lb1')?.entries).toBe(53);
    }
  });

  it('all three stores show the same services, real servers and changes', async () => {
    const histories = {
      prometheus: await read.prometheus(),
      vm: await read.vm(),
      influx: await read.influx(),
    };
    const inStep = (t: number, step: number) => driver.stepsAt(t).includes(step);
    for (const [store, history] of Object.entries(histories)) {
      const service = only(history.services);
      expect(service.key, store).toEqual(SERVICE);
      expect(service.destinations.map((d) => `${d.addr.text}:${d.port}`).sort(), store).toEqual([
        '172.16.1.51:3306',
        '172.16.1.7:3306',
        '172.16.1.99:3306',
      ]);
      expect([...history.directors].sort(), store).toEqual(['lb1', 'lb2']);
      for (const director of ['lb1', 'lb2']) {
        const list = (addr: string): DestinationObservation[] =>
          ofDirector(server(history, addr)?.observations ?? [], director);
        // The weight change: 1, then 3 from WEIGHT_STEP on.
        const weights = list('172.16.1.7');
        expect(distinct(weights.map((o) => o.weight)), `${store} ${director}`).toEqual([1, 3]);
        expect(inStep(weights.find((o) => o.weight === 3)!.t, WEIGHT_STEP), store).toBe(true);
        // 172.16.1.99 appears at APPEAR_STEP and is gone from DISAPPEAR_STEP.
        const extra = list('172.16.1.99');
        expect(extra.length, `${store} ${director}`).toBeGreaterThanOrEqual(3);
        expect(inStep(extra[0]!.t, APPEAR_STEP), store).toBe(true);
        expect(inStep(extra.at(-1)!.t, DISAPPEAR_STEP - 1), store).toBe(true);
        // The counter reset: one drop, to what the zeroed counter had at RESET_STEP or just after.
        const conns = list('172.16.1.51');
        const drops = conns.filter(
          (o, i) => i > 0 && (o.counters?.conns ?? 0) < (conns[i - 1]!.counters?.conns ?? 0),
        );
        expect(drops.length, `${store} ${director}`).toBe(1);
        expect(
          driver.stepsAt(drops[0]!.t).some((n) => n >= RESET_STEP && n <= RESET_STEP + 1),
          store,
        ).toBe(true);
      }
    }
    // Where a push reused a scrape's collection (the sink takes a snapshot up to 500 ms old), the
    // InfluxDB point is stamped with that collection's start, within a few ms of Prometheus's
    // scrape time, and carries exactly the same figures.
    let shared = 0;
    const fromPrometheus = only(histories.prometheus.services);
    const fromInflux = only(histories.influx.services);
    type Stamped = { readonly t: number; readonly director: string };
    const sameCollection = <T extends Stamped>(a: readonly T[], b: readonly T[]) =>
      a.flatMap((x) => {
        const y = b.find((o) => o.director === x.director && Math.abs(o.t - x.t) <= 5);
        return y ? [[x, y] as const] : [];
      });
    for (const [x, y] of sameCollection(fromInflux.observations, fromPrometheus.observations)) {
      shared++;
      expect({ ...x, t: 0 }).toEqual({ ...y, t: 0 });
    }
    for (const destination of fromInflux.destinations) {
      const other = fromPrometheus.destinations.find((d) => d.addr.text === destination.addr.text);
      for (const [x, y] of sameCollection(destination.observations, other?.observations ?? []))
        expect({ ...x, t: 0 }).toEqual({ ...y, t: 0 });
    }
    console.info(`history readers: ${shared} InfluxDB points share a collection with a Prometheus scrape`);
    // The same sequence of distinct weights of 172.16.1.7 everywhere.
    const sequences = Object.values(histories).map((h) =>
      distinct(
        (server(h, '172.16.1.7')?.observations ?? [])
          .filter((o) => o.director === 'lb1')
          .map((o) => o.weight),
      ),
    );
    expect(new Set(sequences.map((s) => JSON.stringify(s))).size).toBe(1);
  });

  it('the scrape interval change shows in Prometheus and VictoriaMetrics, not in the InfluxDB pushes', async () => {
    const [fromPrometheus, fromVm, fromInflux] = await Promise.all([
      read.prometheus(),
      read.vm(),
      read.influx(),
    ]);
    // After the reload, one scrape every 2 s: counted, not timed by the median gap of a few
    // samples, which one late scrape on a busy machine moves (in CI: 757 ms off 2 s) where the
    // count moves by one at most.
    const seconds = (endMs - (reloadedAt + 2500)) / 1000;
    for (const history of [fromPrometheus, fromVm]) {
      const times = ofDirector(only(history.services).observations, 'lb1').map((o) => o.t);
      expect(Math.abs(medianGap(times.filter((t) => t < reloadedAt)) - 1000)).toBeLessThan(100);
      const after = times.filter((t) => t > reloadedAt + 2500);
      expect(after.length).toBeGreaterThanOrEqual(Math.floor(seconds / 2) - 1);
      expect(after.length).toBeLessThanOrEqual(Math.ceil(seconds / 2) + 1);
    }
    // The sink still pushes every second. A push reuses a collection up to half its interval old
    // (a scrape's: pushSnapshotMaxAgeMs), so against 2 s scrapes its timestamps alternate between
    // the scrape's and its own: the gaps wobble around 1 s, while their count stays one a second.
    const pushes = ofDirector(only(fromInflux.services).observations, 'lb1').map((o) => o.t);
    const after = pushes.filter((t) => t > reloadedAt + 2500);
    expect(new Set(after).size).toBe(after.length);
    expect(after.length).toBeGreaterThanOrEqual(Math.floor(seconds) - 1);
    expect(after.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(Math.abs(medianGap(pushes.filter((t) => t < reloadedAt)) - 1000)).toBeLessThan(150);
  });

  it('following the VIP keeps lb1 until keepalived moved VI_1, then lb2, in all three stores', async () => {
    const follow = [
      readPrometheusHistory(query(), { url: prometheus!.url }),
      readPrometheusHistory(query(), { url: vm!.url }),
      readInfluxHistory(query(), { url: influxd!.url, database: DATABASE }),
    ];
    const [fromPrometheus, fromVm, fromInflux] = await Promise.all(follow);
    expect(comparable(fromVm!)).toEqual(comparable(fromPrometheus!));
    for (const history of [fromPrometheus!, fromInflux!]) {
      const failover = only(history.notes.filter((n) => n.kind === 'failover'));
      expect(failover.message).toMatch(/^failover: VIP 172\.16\.1\.18 \(VI_1\) moved from lb1 to lb2 at /);
      expect(driver.stepsAt(failover.t!)).toContain(TAKEOVER_STEP);
      const observations = only(history.services).observations;
      expect(ofDirector(observations, 'lb1').every((o) => o.t < failover.t!)).toBe(true);
      expect(ofDirector(observations, 'lb2').every((o) => o.t >= failover.t!)).toBe(true);
      expect(ofDirector(observations, 'lb2').length).toBeGreaterThan(4);
      expect([...history.directors].sort()).toEqual(['lb1', 'lb2']);
      // One director asked for: no following, no error.
      const lb1Only = await (history === fromInflux
        ? readInfluxHistory({ ...query(), directors: ['lb1'] }, { url: influxd!.url, database: DATABASE })
        : readPrometheusHistory({ ...query(), directors: ['lb1'] }, { url: prometheus!.url }));
      expect(lb1Only.directors).toEqual(['lb1']);
      expect(ofDirector(only(lb1Only.services).observations, 'lb1').at(-1)!.t).toBeGreaterThan(
        failover.t! + 5000,
      );
    }
  });

  it('reads in many small windows give the same history as one read', async () => {
    const small = { maxWindowSeconds: 3, maxSamplesPerRequest: 50 };
    for (const url of [prometheus!.url, vm!.url]) {
      const whole = await readPrometheusHistory(query(), { url, follow: false });
      const pieces = await readPrometheusHistory(query(), { url, follow: false, ...small });
      expect(comparable(pieces)).toEqual(comparable(whole));
      const requests = (h: History) => Number(/(\d+) requests/.exec(h.notes.at(-1)?.message ?? '')?.[1]);
      // 200 more services: the selector no longer fits a URL and goes in a POST body.
      const crowd = Array.from({ length: 200 }, (_, i): ServiceKey => ({
        kind: 'addr',
        proto: 'tcp',
        addr: parseIp(`198.18.0.${i}`)!,
        port: 80,
      }));
      const crowded = await readPrometheusHistory(
        { ...query(), services: [SERVICE, ...crowd] },
        { url, follow: false },
      );
      expect(crowded.services[0]).toEqual(whole.services[0]);
      expect(crowded.services.slice(1).every((s) => s.observations.length === 0)).toBe(true);
      expect(requests(pieces)).toBeGreaterThan(3 * Math.ceil((endMs - startMs) / 3000));
    }
    const whole = await read.influx();
    const pieces = await readInfluxHistory(query(), {
      url: influxd!.url,
      database: DATABASE,
      follow: false,
      maxWindowSeconds: 3,
      maxRowsPerRequest: 20,
      chunkSize: 3,
    });
    expect(comparable(pieces)).toEqual(comparable(whole));
  });

  it('falls back to node_exporter’s families, saying what they lack', async () => {
    const [fromPrometheus, fromVm] = await Promise.all([
      read.prometheus({ directors: ['lb-node'] }),
      read.vm({ directors: ['lb-node'] }),
    ]);
    expect(comparable(fromVm)).toEqual(comparable(fromPrometheus));
    const fallback = only(fromPrometheus.notes.filter((n) => n.kind === 'fallback'));
    expect(fallback.message).toContain("has none of lvscope's ipvs_* families for 172.16.1.18:3306");
    expect(fallback.message).toContain(
      'missing: per-server new-connection counts, packets, bytes and their rates, the scheduler, persistence',
    );
    const service = only(fromPrometheus.services);
    expect(service.observations).toEqual([]);
    expect(service.destinations).toHaveLength(3);
    for (const destination of service.destinations)
      for (const obs of destination.observations)
        expect(Object.keys(obs).sort()).toEqual(['activeConns', 'director', 'inactiveConns', 't', 'weight']);
    expect(disagreements(fromPrometheus, 'node fallback')).toEqual([]);
    expect(fromPrometheus.directors).toEqual(['lb-node']);
  });

  it('says which URL and query failed, without credentials', async () => {
    const secret = 'hunter2-secret';
    const refused = `http://reader:${secret}@127.0.0.1:1`;
    const error = await readPrometheusHistory(query(), { url: refused }).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(
      /^cannot read Prometheus API http:\/\/127\.0\.0\.1:1\/api\/v1\/label\/__name__\/values: metric names: connect ECONNREFUSED 127\.0\.0\.1:1$/,
    );
    expect(error.message).not.toContain(secret);
    const influxError = await readInfluxHistory(query(), {
      url: influxd!.url,
      database: 'nope',
      password: secret,
      username: 'reader',
    }).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(influxError.message).toContain(`InfluxDB ${influxd!.url} database nope: query SELECT`);
    expect(influxError.message).toContain('database not found: nope');
    expect(influxError.message).not.toContain(secret);
    // A URL that is not a Prometheus API (InfluxDB answers 404 there).
    const wrong = await readPrometheusHistory(query(), { url: influxd!.url }).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(wrong.message).toMatch(/HTTP 404/);
  });
});
