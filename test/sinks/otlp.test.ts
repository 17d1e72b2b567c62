import { hostname } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import { Options, type OptionValue } from '../../exporter/core/options.js';
import { otlpConfig, type OtlpConfig, type OtlpProtocol } from '../../exporter/outputs/otlp/options.js';
import { startOtlpSink } from '../../exporter/outputs/otlp/sink.js';
import { SinkHealthRegistry } from '../../exporter/outputs/health/health.js';
import { VERSION } from '../../common/package.js';
import { waitFor } from '../support/process.js';
import { FamilyFeed, memoryLogger, syntheticFamilies } from './harness.js';
import {
  protosInstalled,
  startGrpcReceiver,
  startHttpReceiver,
  type Receiver,
  type ReceivedExport,
  type ReceivedMetric,
} from './otlp-receiver.js';

if (!protosInstalled)
  console.warn(
    'skipping OTLP tests: /usr/include/opentelemetry/proto missing (apt package opentelemetry-proto)',
  );

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function config(protocol: OtlpProtocol, receiver: Receiver, intervalMs = 300): OtlpConfig {
  return {
    url: protocol === 'grpc' ? receiver.url : `${receiver.url}/v1/metrics`,
    protocol,
    headers: { 'x-test-token': 'secret-1' },
    intervalMs,
    timeoutMs: Math.min(250, intervalMs),
    batchSize: 5_000,
    serviceName: 'lvs-exporter-test',
    resourceAttributes: { 'deployment.environment': 'test' },
  };
}

async function start(
  protocol: OtlpProtocol,
  feed = new FamilyFeed(syntheticFamilies()),
  intervalMs = 300,
  overrides: Partial<OtlpConfig> = {},
) {
  const receiver = protocol === 'grpc' ? await startGrpcReceiver() : await startHttpReceiver();
  cleanups.push(() => receiver.kill());
  const registry = new SinkHealthRegistry();
  const health = registry.register('otlp');
  const { log, lines } = memoryLogger();
  const stop = await startOtlpSink(
    { ...config(protocol, receiver, intervalMs), ...overrides },
    {
      collector: feed.collector,
      families: feed.familiesOf,
      log,
      health,
    },
  );
  cleanups.push(stop);
  return { receiver, feed, health, registry, lines };
}

function metric(received: ReceivedExport, name: string): ReceivedMetric {
  const found = received.metrics.find((candidate) => candidate.name === name);
  if (!found)
    throw new Error(`metric ${name} not exported; got ${received.metrics.map((m) => m.name).join(', ')}`);
  return found;
}

describe.skipIf(!protosInstalled)('OTLP sink against an in-test receiver', () => {
  describe.each(['http/protobuf', 'http/json', 'grpc'] as const)('%s', (protocol) => {
    test('exports names, units, kinds, attributes, values and the resource', async () => {
      const { receiver } = await start(protocol);
      const received = await waitFor('an export', 10_000, () => receiver.exports[0]);

      expect(received.resource).toMatchObject({
        'service.name': 'lvs-exporter-test',
        'service.version': VERSION,
        'host.name': hostname(),
        'deployment.environment': 'test',
      });
      expect(received.headers['x-test-token']).toBe('secret-1');
      expect(received.scopes).toContain('lvscope');
      expect(received.metrics.map((m) => m.name).sort()).toEqual([
        'ipvs.connection.total',
        'ipvs.destination.connection.active.count',
        'ipvs.destination.connection.weight',
        'ipvs.service.info',
        'keepalived.vrrp.state',
      ]);

      const weight = metric(received, 'ipvs.destination.connection.weight');
      expect(weight).toMatchObject({ kind: 'gauge', unit: '1', description: 'Weight of the real server.' });
      expect(weight.points.map((point) => [point.attributes, point.value])).toEqual([
        [
          {
            'network.transport': 'tcp',
            'server.address': '192.168.0.22',
            'server.port': 3306,
            'network.peer.address': '192.168.82.22',
            'network.peer.port': 3306,
            'network.type': 'ipv4',
          },
          100,
        ],
        [
          {
            'network.transport': 'tcp',
            'server.address': '192.168.0.22',
            'server.port': 3306,
            'network.peer.address': '192.168.83.24',
            'network.peer.port': 3306,
            'network.type': 'ipv4',
          },
          100,
        ],
        [
          {
            'ipvs.service.fwmark': 0x10001000,
            'network.peer.address': '192.168.50.26',
            'network.peer.port': 3306,
            'network.type': 'ipv4',
          },
          20,
        ],
      ]);
      expect(metric(received, 'ipvs.destination.connection.active.count')).toMatchObject({
        unit: '{connection}',
      });
      expect(metric(received, 'ipvs.destination.connection.active.count').points.map((p) => p.value)).toEqual(
        [248, 248, 64],
      );

      const total = metric(received, 'ipvs.connection.total');
      expect(total).toMatchObject({
        kind: 'sum',
        monotonic: true,
        temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
        unit: '{connection}',
      });
      expect(total.points).toMatchObject([{ attributes: {}, value: 23765872 }]);

      expect(metric(received, 'ipvs.service.info').points[0]?.attributes).toEqual({
        'network.transport': 'tcp',
        'server.address': '2620:0:0:0:0:0:0:1',
        'server.port': 80,
        'ipvs.service.scheduler': 'sh',
        'ipvs.service.flags': 'persistent',
        'network.type': 'ipv6',
      });
      expect(metric(received, 'keepalived.vrrp.state').points).toMatchObject([
        {
          attributes: {
            'keepalived.vrrp.instance': 'VI_1',
            'network.interface.name': 'eth0',
            'keepalived.vrrp.vrid': 52,
          },
          value: 2,
        },
      ]);
    });

    test('a killed receiver is retried every interval and the flow resumes after its restart', async () => {
      const { receiver, health, lines } = await start(protocol);
      await waitFor('first export', 10_000, () => receiver.exports.length > 0);
      await receiver.kill();
      await waitFor('failed exports', 10_000, () => health.state.failures >= 2);
      expect(health.state.up).toBe(false);
      expect(health.state.droppedPoints).toBeGreaterThan(0);
      const before = receiver.exports.length;
      await receiver.restart();
      await waitFor('exports after restart', 10_000, () => receiver.exports.length > before + 1);
      expect(health.state.up).toBe(true);
      expect(lines.filter((line) => line.includes('OTLP export failed'))).toHaveLength(1);
      expect(lines.some((line) => line.includes('secret-1'))).toBe(false);
    });
  });

  test('a series that leaves the collection leaves the export; counter start times follow resets', async () => {
    const feed = new FamilyFeed(syntheticFamilies());
    const { receiver } = await start('http/protobuf', feed);
    const first = await waitFor('first export', 10_000, () => receiver.exports[0]);

    // Remove one real server and reset the global counter, as `ipvsadm -d` and a module reload would.
    feed.families = syntheticFamilies().map((family) =>
      family.name === 'lvs_destination_weight'
        ? { ...family, samples: family.samples.filter((sample) => sample.labels[4] !== '192.168.83.24') }
        : family.name === 'lvs_connections_total'
          ? { ...family, samples: [{ labels: [], value: 5 }] }
          : family,
    );
    const total = (received: ReceivedExport) => metric(received, 'ipvs.connection.total').points[0];
    const changed = await waitFor('an export after the change', 10_000, () => {
      const index = receiver.exports.findIndex((received) => total(received)?.value === 5);
      return index > 0 ? index : undefined;
    });
    const previous = receiver.exports[changed - 1] as ReceivedExport;
    const after = receiver.exports[changed] as ReceivedExport;
    const peers = metric(after, 'ipvs.destination.connection.weight').points.map(
      (p) => p.attributes['network.peer.address'],
    );
    expect(peers).toEqual(['192.168.82.22', '192.168.50.26']);
    expect(metric(previous, 'ipvs.destination.connection.weight').points).toHaveLength(3);
    // Before the drop the series keeps its first start time; the reset starts a new one at the
    // last observation before it.
    expect(total(previous)?.startTimeUnixNano).toBe(total(first)?.startTimeUnixNano);
    expect(total(after)?.startTimeUnixNano).toBe(total(previous)?.timeUnixNano);

    const steady = await waitFor('another export', 10_000, () => receiver.exports[changed + 1]);
    expect(total(steady)?.startTimeUnixNano).toBe(total(after)?.startTimeUnixNano);
  });

  test('a big collection goes out as several requests of at most otlp.batch-size data points', async () => {
    const { receiver, health } = await start('grpc', undefined, 300, { batchSize: 4 });
    await waitFor('a full round of requests', 10_000, () => health.state.sentPoints >= 9);
    const sizes = receiver.exports.map((received) =>
      received.metrics.reduce((n, m) => n + m.points.length, 0),
    );
    // 9 data points per collection (3 weights, 3 active counts, 3 single ones): requests of 4, 4 and 1.
    expect(sizes.slice(0, 3)).toEqual([4, 4, 1]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
  });

  test('a hung receiver costs one bounded export per interval, never a pile of requests', async () => {
    const { receiver, health } = await start('http/protobuf', undefined, 200);
    await waitFor('first export', 10_000, () => receiver.exports.length > 0);
    receiver.mode = 'hang';
    await waitFor('timed-out exports', 10_000, () => health.state.failures >= 3);
    expect(health.state.up).toBe(false);
    receiver.mode = 'ok';
    const before = receiver.exports.length;
    await waitFor('exports after the hang', 10_000, () => receiver.exports.length > before);
    await waitFor('sink up again', 5_000, () => health.state.up === true);
  });
});

describe('otlp options', () => {
  const options = (values: Record<string, OptionValue>) => new Options(new Map(Object.entries(values)));

  test('no endpoint: the sink stays off', () => {
    expect(otlpConfig(options({}))).toBeUndefined();
  });

  test('the base endpoint gets /v1/metrics for http, not for grpc; the metrics endpoint is used as is', () => {
    expect(otlpConfig(options({ 'otlp.endpoint': 'http://c:4318/' }))?.url).toBe('http://c:4318/v1/metrics');
    expect(otlpConfig(options({ 'otlp.endpoint': 'http://c:4317', 'otlp.protocol': 'grpc' }))?.url).toBe(
      'http://c:4317',
    );
    expect(
      otlpConfig(options({ 'otlp.endpoint': 'http://c:4318', 'otlp.metrics-endpoint': 'http://m:9/x' }))?.url,
    ).toBe('http://m:9/x');
    expect(
      otlpConfig(options({ 'otlp.endpoint': 'http://c:4317', 'otlp.metrics-protocol': 'grpc' }))?.protocol,
    ).toBe('grpc');
  });

  test('headers and resource attributes: percent-decoding, metrics headers win, errors never echo values', () => {
    const resolved = otlpConfig(
      options({
        'otlp.endpoint': 'http://c:4318',
        'otlp.headers': ['authorization=Basic%20abc', 'x-a=1'],
        'otlp.metrics-headers': ['x-a=2'],
        'otlp.resource-attributes': ['service.name=from-attrs', 'k8s.pod.name=p%2C1'],
      }),
    );
    expect(resolved?.headers).toEqual({ authorization: 'Basic abc', 'x-a': '2' });
    expect(resolved?.serviceName).toBe('from-attrs');
    expect(resolved?.resourceAttributes['k8s.pod.name']).toBe('p,1');
    expect(() =>
      otlpConfig(options({ 'otlp.endpoint': 'http://c:4318', 'otlp.headers': ['Bearer-topsecret'] })),
    ).toThrow(/^otlp.headers: item 1 is not key=value$/);
  });

  test('the timeout is clamped to the interval; bad numbers are refused', () => {
    expect(
      otlpConfig(options({ 'otlp.endpoint': 'http://c', 'otlp.interval': 500, 'otlp.timeout': 900 }))
        ?.timeoutMs,
    ).toBe(500);
    expect(() => otlpConfig(options({ 'otlp.endpoint': 'http://c', 'otlp.interval': 0 }))).toThrow(
      /otlp.interval/,
    );
  });
});
