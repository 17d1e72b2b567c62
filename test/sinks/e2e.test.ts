/**
 * lvs-exporter end to end on a real kernel capture: the Prometheus endpoint, an OTLP receiver
 * (all three protocols) and a real InfluxDB 1.x must carry the same numbers; killing and
 * restarting each backend mid-run leaves the exporter serving and the data flow resumes; a hung,
 * erroring or dead backend never slows a scrape. Needs `npm run build` (npm test builds first).
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { MetricFamily } from '../../common/metrics/family.js';
import { domainOf, labelAttributes } from '../../exporter/outputs/otlp/attributes.js';
import type { OtlpProtocol } from '../../exporter/outputs/otlp/options.js';
import { collectFamilies } from '../../exporter/tools/collect-families.js';
import {
  EXPORTER,
  find,
  parseExposition,
  ROOT,
  startExporter,
  T1,
  type ParsedSample,
} from '../exporter/helpers.js';
import { sleep, waitFor } from '../support/process.js';
import { Influxd, influxdInstalled } from './influxd.js';
import {
  protosInstalled,
  startGrpcReceiver,
  startHttpReceiver,
  type Receiver,
  type ReceivedExport,
  type ReceivedMetric,
} from './otlp-receiver.js';

const KEEPALIVED_JSON = join(ROOT, 'fixtures/keepalived/2.2.7-vrrp/steady-a-master.json');
const FIXTURE_ARGS = [
  '--path.procfs',
  T1,
  '--no-collector.ipvs.ipvsadm',
  '--keepalived.json-file',
  KEEPALIVED_JSON,
];
const ready = influxdInstalled && protosInstalled && existsSync(EXPORTER);
if (!ready) {
  console.warn(
    `skipping end-to-end sink tests: ${[
      influxdInstalled ? '' : 'influxd missing (apt package influxdb)',
      protosInstalled ? '' : 'OTLP protos missing (apt package opentelemetry-proto)',
      existsSync(EXPORTER) ? '' : `${EXPORTER} missing (npm run build)`,
    ]
      .filter(Boolean)
      .join('; ')}`,
  );
}

let influxd: Influxd;
let databases = 0;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (ready) influxd = await Influxd.create();
});
afterAll(async () => {
  await influxd?.destroy();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await influxd?.thaw();
  await influxd?.start();
});

async function receiver(protocol: OtlpProtocol): Promise<Receiver> {
  const started = protocol === 'grpc' ? await startGrpcReceiver() : await startHttpReceiver();
  cleanups.push(() => started.kill());
  return started;
}

async function exporter(args: string[]) {
  const running = await startExporter([...FIXTURE_ARGS, ...args]);
  cleanups.push(() => running.stop());
  return running;
}

async function scrape(url: string): Promise<{ samples: ParsedSample[]; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const ms = performance.now() - started;
  expect(response.status).toBe(200);
  return { samples: parseExposition(text).samples, ms };
}

function sinkValue(samples: readonly ParsedSample[], name: string, sink: string): number | undefined {
  return find(samples, name, { sink })?.value;
}

function metric(received: ReceivedExport, name: string): ReceivedMetric | undefined {
  return received.metrics.find((candidate) => candidate.name === name);
}

function labelsOf(family: MetricFamily, values: readonly string[]): Record<string, string> {
  return Object.fromEntries(family.labelNames.map((name, index) => [name, values[index] ?? '']));
}

interface InfluxRow {
  readonly tags: Record<string, string>;
  readonly fields: Record<string, unknown>;
}

/** The latest point of every series of a measurement. */
/**
 * The newest value of each field, per series. Not the newest row: InfluxDB 1.x keeps each field of
 * a point apart, so a query racing a write can see some fields of the newest point and not the
 * others (a CI run read `weight` as null that way).
 */
async function latestRows(db: string, measurement: string): Promise<InfluxRow[]> {
  const series = await influxd.query(`SELECT last(*) FROM ${measurement} GROUP BY *`, db);
  return series.map((one) => ({
    tags: one.tags ?? {},
    fields: Object.fromEntries(
      one.columns.map((column, index) => [column.replace(/^last_/, ''), one.values[0]?.[index]]),
    ),
  }));
}

async function statsTimes(db: string): Promise<number[]> {
  const [series] = await influxd.query('SELECT connections FROM ipvs_stats', db);
  return (series?.values ?? []).map(([time]) => Number(time));
}

async function storedPoints(db: string): Promise<number> {
  const measurements = (await influxd.query('SHOW MEASUREMENTS', db))[0]?.values.flat() ?? [];
  let total = 0;
  for (const measurement of measurements) {
    const [series] = await influxd.query(`SELECT * FROM "${String(measurement)}"`, db);
    total += series?.values.length ?? 0;
  }
  return total;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function scrapeLatencies(url: string, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) latencies.push((await scrape(url)).ms);
  return latencies;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? NaN) / 1024;
}

describe.skipIf(!ready)(
  'lvs-exporter → Prometheus endpoint, OTLP receiver and InfluxDB, same numbers',
  () => {
    describe.each(['http/protobuf', 'http/json', 'grpc'] as const)('OTLP %s', (protocol) => {
      test('every pushed family carries the scraped values; spot checks against the fixture', async () => {
        const otlp = await receiver(protocol);
        databases += 1;
        const db = `e2e_same_${databases}`;
        const running = await exporter([
          `--otlp.endpoint=${otlp.url}`,
          `--otlp.protocol=${protocol}`,
          '--otlp.interval=500',
          `--influx.url=${influxd.url}`,
          `--influx.database=${db}`,
          '--influx.interval=500',
        ]);
        const received = await waitFor('an OTLP export', 20_000, () => otlp.exports[0]);
        await waitFor('InfluxDB points', 20_000, async () =>
          (await statsTimes(db)).length > 0 ? true : undefined,
        );

        // Families whose values move between collections (dump age) cannot be compared across outputs.
        const first = (await scrape(running.url)).samples;
        await sleep(600);
        const second = (await scrape(running.url)).samples;
        const moving = new Set(
          first
            .filter((sample) => find(second, sample.name, sample.labels)?.value !== sample.value)
            .map((sample) => sample.name),
        );
        const expectedToMove = /^lvscope_(source|collection|sink)_|^lvscope_keepalived_dump_age_seconds$/;
        expect([...moving].filter((name) => !expectedToMove.test(name))).toEqual([]);

        const families = (await collectFamilies(FIXTURE_ARGS)).filter(
          (family) =>
            family.otelName !== null && domainOf(family.otelName) !== 'lvscope' && !moving.has(family.name),
        );
        expect(families.length).toBeGreaterThan(20);
        const rows = new Map<string, InfluxRow[]>();
        let compared = 0;
        for (const family of families) {
          const otel = metric(received, family.otelName ?? '');
          expect(otel, family.otelName ?? '').toBeDefined();
          expect(otel).toMatchObject({
            unit: family.unit,
            description: family.help,
            kind: family.type === 'counter' ? 'sum' : 'gauge',
            ...(family.type === 'counter'
              ? { monotonic: true, temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE' }
              : {}),
          });
          expect(otel?.points).toHaveLength(family.samples.length);
          const measurement = family.influx?.measurement ?? '';
          if (!rows.has(measurement)) rows.set(measurement, await latestRows(db, measurement));
          for (const sample of family.samples) {
            const labels = labelsOf(family, sample.labels);
            const scraped = find(first, family.name, labels);
            expect(scraped, `${family.name} ${JSON.stringify(labels)}`).toBeDefined();
            const attributes = labelAttributes(
              domainOf(family.otelName ?? ''),
              family.labelNames,
              sample.labels,
            );
            const point = otel?.points.find(
              (candidate) => JSON.stringify(candidate.attributes) === JSON.stringify(attributes),
            );
            expect(point?.value, `${family.otelName} ${JSON.stringify(attributes)}`).toBe(scraped?.value);
            const row = rows
              .get(measurement)
              ?.find((candidate) =>
                Object.entries(candidate.tags).every(
                  ([tag, value]) => value === (tag === 'host' ? hostname() : (labels[tag] ?? '')),
                ),
              );
            expect(row?.fields[family.influx?.field ?? ''], `${measurement} ${JSON.stringify(labels)}`).toBe(
              scraped?.value,
            );
            compared += 1;
          }
        }
        expect(compared).toBeGreaterThan(200);

        // Ground truth from fixtures/procfs/kernel-6.1-t1/net/ip_vs{,_stats} and the keepalived dump.
        const truth: [
          string,
          Record<string, string>,
          string,
          Record<string, string | number>,
          string,
          number,
        ][] = [
          ['ipvs_connections_total', {}, 'ipvs.connection.total', {}, 'ipvs_stats.connections', 0x1b3],
          ['ipvs_incoming_bytes_total', {}, 'ipvs.in.total', {}, 'ipvs_stats.in_bytes', 0x25128],
          ['ipvs_outgoing_packets_per_second', {}, 'ipvs.packet.out.rate', {}, 'ipvs_stats.out_pps', 0xc],
          [
            'ipvs_destination_weight',
            { local_address: '192.0.2.102', remote_address: '198.18.1.2' },
            'ipvs.destination.connection.weight',
            {
              'server.address': '192.0.2.102',
              'server.port': 80,
              'network.peer.address': '198.18.1.2',
              'network.transport': 'tcp',
            },
            'ipvs_destination.weight',
            5,
          ],
          [
            'ipvs_destination_connections_inactive',
            { local_address: '192.0.2.102', remote_address: '198.18.1.2' },
            'ipvs.destination.connection.inactive.count',
            {
              'server.address': '192.0.2.102',
              'network.peer.address': '198.18.1.2',
              'network.peer.port': 80,
            },
            'ipvs_destination.inactive_connections',
            10,
          ],
          [
            'lvscope_keepalived_vrrp_state',
            { iname: 'VI_1' },
            'keepalived.vrrp.state',
            {
              'keepalived.vrrp.instance': 'VI_1',
              'keepalived.vrrp.vrid': 61,
              'network.interface.name': 'eth0',
            },
            'keepalived_vrrp.state',
            2,
          ],
        ];
        for (const [name, labels, otelName, attributes, field, value] of truth) {
          expect(find(first, name, labels)?.value, name).toBe(value);
          const point = metric(received, otelName)?.points.find((candidate) =>
            Object.entries(attributes).every(([key, expected]) => candidate.attributes[key] === expected),
          );
          expect(point?.value, otelName).toBe(value);
          const [measurement, fieldName] = field.split('.') as [string, string];
          const tagsOk = (row: InfluxRow) =>
            Object.entries(labels).every(([tag, expected]) => row.tags[tag] === expected);
          // The truth names only some tags: of the series that match them, the one with this field.
          const row = (await latestRows(db, measurement)).find(
            (candidate) => tagsOk(candidate) && candidate.fields[fieldName] != null,
          );
          expect(row?.fields[fieldName], field).toBe(value);
        }
        expect(received.resource).toMatchObject({ 'service.name': 'lvs-exporter', 'host.name': hostname() });
      });
    });

    test('OTLP configured by the standard OTEL_* variables alone (grpc, headers, resource, interval)', async () => {
      const otlp = await receiver('grpc');
      const running = await startExporter([...FIXTURE_ARGS], {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20e2e-sekrit,x-tenant=lb',
        OTEL_METRIC_EXPORT_INTERVAL: '400',
        OTEL_SERVICE_NAME: 'director-a',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging,site=dc%201',
      });
      cleanups.push(() => running.stop());
      const received = await waitFor('two exports', 20_000, () => otlp.exports[1]);
      expect(received.headers).toMatchObject({ authorization: 'Bearer e2e-sekrit', 'x-tenant': 'lb' });
      expect(received.resource).toMatchObject({
        'service.name': 'director-a',
        'deployment.environment': 'staging',
        site: 'dc 1',
        'host.name': hostname(),
      });
      expect(metric(received, 'ipvs.connection.total')?.points[0]?.value).toBe(0x1b3);
      const landing = await (await fetch(running.url)).text();
      expect(`${running.stderr()}${landing}`).not.toContain('sekrit');
    });

    test('both sinks share the collections they push with each other (same timestamps in OTLP and InfluxDB)', async () => {
      const otlp = await receiver('http/protobuf');
      databases += 1;
      const db = `e2e_shared_${databases}`;
      await exporter([
        `--otlp.endpoint=${otlp.url}`,
        '--otlp.interval=1000',
        `--influx.url=${influxd.url}`,
        `--influx.database=${db}`,
        '--influx.interval=1000',
      ]);
      await waitFor('three OTLP exports', 20_000, () => otlp.exports.length >= 3);
      const influxTimes = new Set(await statsTimes(db));
      const otlpTimes = otlp.exports.map((received) =>
        Number(
          BigInt(metric(received, 'ipvs.connection.total')?.points[0]?.timeUnixNano ?? '0') / 1_000_000n,
        ),
      );
      expect(otlpTimes.filter((time) => influxTimes.has(time)).length).toBeGreaterThanOrEqual(2);
    });

    test('InfluxDB and the OTLP receiver killed and restarted mid-run: scrapes go on, both flows resume, nothing lost', async () => {
      const otlp = await receiver('http/protobuf');
      databases += 1;
      const db = `e2e_restart_${databases}`;
      const running = await exporter([
        `--otlp.endpoint=${otlp.url}`,
        '--otlp.interval=300',
        '--otlp.timeout=300',
        `--influx.url=${influxd.url}`,
        `--influx.database=${db}`,
        '--influx.interval=300',
        '--influx.timeout=500',
        '--influx.max-backoff=500',
      ]);
      await waitFor('first exports and writes', 20_000, async () =>
        otlp.exports.length > 0 && (await statsTimes(db)).length > 1 ? true : undefined,
      );

      await Promise.all([influxd.kill(), otlp.kill()]);
      const outage: number[] = [];
      let sawDown = false;
      const outageEnds = Date.now() + 2_000;
      while (Date.now() < outageEnds) {
        const { samples, ms } = await scrape(running.url);
        outage.push(ms);
        sawDown ||=
          sinkValue(samples, 'lvscope_sink_up', 'influx') === 0 &&
          sinkValue(samples, 'lvscope_sink_up', 'otlp') === 0;
        await sleep(100);
      }
      expect(sawDown).toBe(true);
      expect(find((await scrape(running.url)).samples, 'ipvs_connections_total', {})?.value).toBe(0x1b3);

      const exportsBefore = otlp.exports.length;
      await Promise.all([influxd.start(), otlp.restart()]);
      const recovered = await waitFor('both sinks up again with an empty buffer', 20_000, async () => {
        const { samples } = await scrape(running.url);
        const up =
          sinkValue(samples, 'lvscope_sink_up', 'influx') === 1 &&
          sinkValue(samples, 'lvscope_sink_up', 'otlp') === 1 &&
          sinkValue(samples, 'lvscope_sink_buffer_points', 'influx') === 0 &&
          otlp.exports.length > exportsBefore;
        return up ? samples : undefined;
      });
      expect(sinkValue(recovered, 'lvscope_sink_dropped_points_total', 'influx')).toBe(0);
      expect(sinkValue(recovered, 'lvscope_sink_failures_total', 'influx')).toBeGreaterThan(0);
      expect(sinkValue(recovered, 'lvscope_sink_retries_total', 'influx')).toBeGreaterThan(0);
      expect(sinkValue(recovered, 'lvscope_sink_failures_total', 'otlp')).toBeGreaterThan(0);
      expect(sinkValue(recovered, 'lvscope_sink_last_success_timestamp_seconds', 'otlp')).toBeGreaterThan(
        Date.now() / 1000 - 10,
      );

      // The collections made during the 2 s outage reached InfluxDB: the 300 ms rhythm has no hole
      // anywhere near the outage length (timers may slip a few hundred ms on a busy machine).
      const times = await statsTimes(db);
      const gaps = times.slice(1).map((time, index) => time - (times[index] ?? time));
      expect(times.length).toBeGreaterThan(8);
      expect(Math.max(...gaps)).toBeLessThan(1_500);
      // Every point InfluxDB acknowledged is stored (a SIGKILL lost none of them).
      expect(await storedPoints(db)).toBeGreaterThanOrEqual(
        sinkValue(recovered, 'lvscope_sink_sent_points_total', 'influx') ?? Infinity,
      );
      expect(await running.stop()).toBe(0);
      expect(running.stderr()).toMatch(/msg="InfluxDB write failed; buffering and retrying"/);
      expect(running.stderr()).toMatch(/msg="InfluxDB writes recovered"/);
      expect(running.stderr()).toMatch(/msg="OTLP export failed"/);
    });

    test('a hung, erroring or dead backend never slows the Prometheus endpoint; memory stays bounded', async () => {
      const otlp = await receiver('http/protobuf');
      databases += 1;
      const running = await exporter([
        `--otlp.endpoint=${otlp.url}`,
        '--otlp.interval=200',
        '--otlp.timeout=200',
        `--influx.url=${influxd.url}`,
        `--influx.database=e2e_pressure_${databases}`,
        '--influx.interval=100',
        '--influx.timeout=1000',
        '--influx.buffer-size=500',
      ]);
      await waitFor('first exports', 20_000, () => otlp.exports.length > 0);
      const healthy = await scrapeLatencies(running.url, 40);

      otlp.mode = 'hang';
      await influxd.freeze();
      await sleep(1_000);
      const rssBefore = rssMb(running.child.pid ?? 0);
      const hung = await scrapeLatencies(running.url, 40);
      await sleep(2_000);
      const { samples: stuck } = await scrape(running.url);
      const rssAfter = rssMb(running.child.pid ?? 0);
      expect(sinkValue(stuck, 'lvscope_sink_up', 'influx')).toBe(0);
      expect(sinkValue(stuck, 'lvscope_sink_buffer_points', 'influx')).toBeLessThanOrEqual(500);
      expect(sinkValue(stuck, 'lvscope_sink_dropped_points_total', 'influx')).toBeGreaterThan(0);
      expect(sinkValue(stuck, 'lvscope_sink_up', 'otlp')).toBe(0);

      otlp.mode = 'unavailable';
      await influxd.thaw();
      await influxd.kill();
      const erroring = await scrapeLatencies(running.url, 40);

      const row = (name: string, values: number[]) =>
        `${name.padEnd(28)} p50 ${percentile(values, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(values, 95).toFixed(1).padStart(6)} ms   max ${Math.max(
          ...values,
        )
          .toFixed(1)
          .padStart(6)} ms`;
      console.log(
        [
          'scrape latency of lvs-exporter (kernel-6.1-t1 fixture, 40 sequential scrapes each):',
          row('backends healthy', healthy),
          row('OTLP hung, influxd SIGSTOP', hung),
          row('OTLP 503, influxd killed', erroring),
          `RSS ${rssBefore.toFixed(1)} MB → ${rssAfter.toFixed(1)} MB over 2 s of hung backends (InfluxDB buffer 500 points)`,
        ].join('\n'),
      );
      const medianBound = Math.max(3 * percentile(healthy, 50), percentile(healthy, 50) + 50);
      expect(percentile(hung, 50)).toBeLessThan(medianBound);
      expect(percentile(erroring, 50)).toBeLessThan(medianBound);
      expect(percentile(hung, 95)).toBeLessThan(Math.max(250, 3 * percentile(healthy, 95)));
      // The deterministic bound is the buffer gauge above; RSS only has to stay in a sane range (it
      // swings by ±20 MB with garbage collection: 60 s of a hung backend plateaued at 120-140 MB).
      expect(rssAfter).toBeLessThan(250);
    });
  },
);
