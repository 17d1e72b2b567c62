import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { InfluxConfig } from '../../exporter/outputs/influx/options.js';
import type { InfluxSink } from '../../exporter/outputs/influx/sink.js';
import type { SinkHealth } from '../../exporter/outputs/health/health.js';
import { sleep, waitFor } from '../support/process.js';
import {
  FamilyFeed,
  influxSink,
  numberedFamilies,
  POINTS_PER_COLLECTION,
  syntheticFamilies,
} from './harness.js';
import { Influxd, influxdInstalled } from './influxd.js';

if (!influxdInstalled)
  console.warn('skipping InfluxDB 1.x tests: influxd not installed (apt package influxdb)');

let influxd: Influxd;
let database = 0;
const running: InfluxSink[] = [];

beforeAll(async () => {
  if (influxdInstalled) influxd = await Influxd.create();
});
afterAll(async () => {
  await influxd?.destroy();
});
afterEach(async () => {
  for (const sink of running.splice(0)) await sink.stop();
  await influxd?.thaw();
  await influxd?.start();
});

function nextDatabase(): string {
  database += 1;
  return `lvscope_${database}`;
}

async function startSink(feed: FamilyFeed, overrides: Partial<InfluxConfig> = {}, db = nextDatabase()) {
  const config: InfluxConfig = {
    url: influxd.url,
    target: {
      api: 'v1',
      database: db,
      retentionPolicy: '',
      createDatabase: true,
      username: '',
      password: '',
    },
    tags: { host: 'director-1' },
    intervalMs: 100,
    timeoutMs: 500,
    batchSize: 5_000,
    bufferSize: 100_000,
    maxBackoffMs: 400,
    ...overrides,
  };
  const { sink, health, lines } = await influxSink(config, feed);
  sink.start();
  running.push(sink);
  return { sink, health, lines, db };
}

async function stop(sink: InfluxSink): Promise<void> {
  running.splice(running.indexOf(sink), 1);
  await sink.stop();
}

async function statsSeries(db: string): Promise<{ time: number; value: number }[]> {
  const [series] = await influxd.query('SELECT connections FROM ipvs_stats', db);
  return (series?.values ?? []).map(([time, value]) => ({ time: Number(time), value: Number(value) }));
}

async function pointCount(db: string): Promise<number> {
  let total = 0;
  for (const measurement of ['ipvs_destination', 'ipvs_stats', 'ipvs_service', 'keepalived_vrrp']) {
    const [series] = await influxd.query(`SELECT * FROM ${measurement}`, db);
    total += series?.values.length ?? 0;
  }
  return total;
}

const drained = (health: SinkHealth) => () => health.state.buffer?.points === 0 && health.state.up === true;

describe.skipIf(!influxdInstalled)('InfluxDB 1.x sink against a real influxd', () => {
  test('writes each collection as line protocol and reads back tags, fields and timestamps', async () => {
    const feed = new FamilyFeed(syntheticFamilies());
    const { sink, health, db } = await startSink(feed);
    await waitFor(
      'two collections written',
      10_000,
      () => health.state.sentPoints >= 2 * POINTS_PER_COLLECTION,
    );
    await stop(sink);

    const series = await influxd.query(
      'SELECT weight, active_connections FROM ipvs_destination GROUP BY * ORDER BY time DESC LIMIT 1',
      db,
    );
    const rows = series.map((row) => ({ tags: row.tags, values: row.values[0]?.slice(1) }));
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          tags: {
            host: 'director-1',
            proto: 'TCP',
            local_address: '192.168.0.22',
            local_port: '3306',
            local_mark: '',
            remote_address: '192.168.82.22',
            remote_port: '3306',
          },
          values: [100, 248],
        },
        {
          tags: {
            host: 'director-1',
            proto: 'FWM',
            local_address: '',
            local_port: '0',
            local_mark: '10001000',
            remote_address: '192.168.50.26',
            remote_port: '3306',
          },
          values: [20, 64],
        },
      ]),
    );
    expect(rows).toHaveLength(3);

    const stats = await statsSeries(db);
    expect(stats.map((row) => row.value)).toEqual(stats.map(() => 23765872));
    // Every point carries its collection's start time, in milliseconds.
    expect(stats.map((row) => row.time)).toEqual(feed.takenAt.slice(0, stats.length));

    const measurements = (await influxd.query('SHOW MEASUREMENTS', db))[0]?.values.flat();
    expect(measurements).toEqual(['ipvs_destination', 'ipvs_service', 'ipvs_stats', 'keepalived_vrrp']);
    const fieldTypes = (await influxd.query('SHOW FIELD KEYS', db)).flatMap((s) => s.values.map((v) => v[1]));
    expect(new Set(fieldTypes)).toEqual(new Set(['float']));
    const [service] = await influxd.query('SELECT * FROM ipvs_service LIMIT 1', db);
    expect(service?.columns).toEqual([
      'time',
      'flags',
      'host',
      'info',
      'local_address',
      'local_port',
      'proto',
      'scheduler',
    ]);
  });

  test('influxd killed and restarted mid-run: collections go on, nothing is lost, the flow resumes by itself', async () => {
    const feed = new FamilyFeed([], numberedFamilies);
    const { sink, health, lines, db } = await startSink(feed);
    await waitFor(
      'three collections written',
      10_000,
      () => health.state.sentPoints >= 3 * POINTS_PER_COLLECTION,
    );

    await influxd.kill();
    const atKill = feed.collections;
    await waitFor('a failed write', 5_000, () => health.state.up === false);
    await sleep(1_500);
    expect(feed.collections - atKill).toBeGreaterThanOrEqual(10);
    expect(health.state.buffer?.points).toBeGreaterThan(0);

    await influxd.start();
    await waitFor('the buffer drained after the restart', 15_000, drained(health));
    await stop(sink);

    const stats = await statsSeries(db);
    expect(stats.map((row) => row.value)).toEqual(Array.from({ length: feed.collections }, (_, i) => i + 1));
    expect(stats.map((row) => row.time)).toEqual(feed.takenAt);
    expect(health.state.droppedPoints).toBe(0);
    expect(health.state.sentPoints).toBe(feed.collections * POINTS_PER_COLLECTION);
    expect(health.state.failures).toBeGreaterThanOrEqual(1);
    expect(health.state.retries).toBeGreaterThanOrEqual(1);
    expect(lines.filter((line) => line.includes('InfluxDB write failed'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('InfluxDB writes recovered'))).toHaveLength(1);
  });

  test('a full buffer drops the oldest points and counts them: written + dropped = collected', async () => {
    const feed = new FamilyFeed([], numberedFamilies);
    const { sink, health, db } = await startSink(feed, { bufferSize: 10, batchSize: 4 });
    await waitFor('first points written', 10_000, () => health.state.sentPoints > 0);

    await influxd.kill();
    let peak = 0;
    const outageEnds = Date.now() + 1_500;
    while (Date.now() < outageEnds) {
      peak = Math.max(peak, health.state.buffer?.points ?? 0);
      await sleep(20);
    }
    await influxd.start();
    await waitFor('the buffer drained after the restart', 15_000, drained(health));
    await stop(sink);

    const generated = feed.collections * POINTS_PER_COLLECTION;
    const stored = await pointCount(db);
    expect(peak).toBeLessThanOrEqual(10);
    expect(health.state.droppedPoints).toBeGreaterThan(0);
    expect(stored).toBe(health.state.sentPoints);
    expect(stored + health.state.droppedPoints).toBe(generated);
    // What survives the outage is the newest data: the last collections are all there.
    const values = (await statsSeries(db)).map((row) => row.value);
    expect(values.at(-1)).toBe(feed.collections);
  });

  test('a hung influxd (SIGSTOP) times writes out without blocking collections; nothing lost after SIGCONT', async () => {
    const feed = new FamilyFeed([], numberedFamilies);
    const { sink, health, db } = await startSink(feed, { timeoutMs: 300 });
    await waitFor('first points written', 10_000, () => health.state.sentPoints > 0);

    await influxd.freeze();
    const atFreeze = feed.collections;
    await waitFor('a timed-out write', 5_000, () => health.state.up === false);
    await sleep(1_200);
    expect(feed.collections - atFreeze).toBeGreaterThanOrEqual(8);
    await influxd.thaw();
    await waitFor('the buffer drained after SIGCONT', 15_000, drained(health));
    await stop(sink);

    const stats = await statsSeries(db);
    expect(stats.map((row) => row.value)).toEqual(Array.from({ length: feed.collections }, (_, i) => i + 1));
    expect(health.state.droppedPoints).toBe(0);
  });

  test('a database dropped mid-run is created again and writing goes on', async () => {
    const feed = new FamilyFeed([], numberedFamilies);
    const { sink, health, db } = await startSink(feed);
    await waitFor('first points written', 10_000, () => health.state.sentPoints > 0);
    await influxd.query(`DROP DATABASE ${db}`);
    const dropped = feed.collections;
    await waitFor(
      'points after the drop',
      10_000,
      () => feed.collections > dropped + 3 && health.state.up === true,
    );
    await stop(sink);
    const values = (await statsSeries(db)).map((row) => row.value);
    expect(values.length).toBeGreaterThan(0);
    expect(values.at(-1)).toBe(feed.collections);
    expect(health.state.droppedPoints).toBe(0);
  });

  test('points InfluxDB refuses (field type conflict) are dropped and counted, the rest of the batch is stored', async () => {
    const feed = new FamilyFeed(syntheticFamilies());
    const db = nextDatabase();
    await influxd.query(`CREATE DATABASE ${db}`);
    const conflict = await fetch(`${influxd.url}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body: `ipvs_destination weight="not a number" ${Date.now()}`,
    });
    expect(conflict.status).toBe(204);
    const { sink, health, lines } = await startSink(feed, {}, db);
    await waitFor('two refused batches', 10_000, () => health.state.failures >= 2);
    await stop(sink);

    expect(health.state.droppedPoints).toBe(3 * health.state.failures);
    // The one conflicting point written before the sink started, plus what the sink had accepted.
    expect(await pointCount(db)).toBe(health.state.sentPoints + 1);
    expect(
      lines.some((line) => line.includes('InfluxDB refused points') && line.includes('field type conflict')),
    ).toBe(true);
  });
});
