/** Pure pieces of the sinks: points, buffer, attribute mapping, health families, snapshot age. */
import { describe, expect, test } from 'vitest';
import { PointBuffer } from '../../exporter/outputs/influx/buffer.js';
import { familiesToPoints } from '../../exporter/outputs/influx/points.js';
import { domainOf, labelAttributes, mappingTable } from '../../exporter/outputs/otlp/attributes.js';
import { SinkHealthRegistry } from '../../exporter/outputs/health/health.js';
import { pushSnapshotMaxAgeMs } from '../../exporter/outputs/snapshot-age.js';
import { syntheticFamilies } from './harness.js';

describe('familiesToPoints', () => {
  test('merges the fields of one measurement and tag set, drops empty tags, skips compat aliases', () => {
    const points = familiesToPoints(syntheticFamilies(), 1_700_000_000_123.4, { host: 'h' });
    expect(points).toHaveLength(6);
    expect(points[2]).toEqual({
      measurement: 'ipvs_destination',
      tags: {
        host: 'h',
        proto: 'FWM',
        local_port: '0',
        local_mark: '10001000',
        remote_address: '192.168.50.26',
        remote_port: '3306',
      },
      fields: { weight: 20, active_connections: 64 },
      timestampMs: 1_700_000_000_123,
    });
    expect(points.some((point) => point.measurement.startsWith('node_'))).toBe(false);
  });

  test('non-finite values are left out; a label wins over an extra tag of the same name', () => {
    const points = familiesToPoints(
      [
        {
          name: 'x',
          help: '',
          type: 'gauge',
          unit: '1',
          labelNames: ['host'],
          samples: [
            { labels: ['from-label'], value: Number.NaN },
            { labels: ['from-label'], value: 1 },
            { labels: ['other'], value: Number.POSITIVE_INFINITY },
          ],
          otelName: 'lvscope.x',
          influx: { measurement: 'm', field: 'f' },
        },
      ],
      0,
      { host: 'extra' },
    );
    expect(points).toEqual([
      { measurement: 'm', tags: { host: 'from-label' }, fields: { f: 1 }, timestampMs: 0 },
    ]);
  });
});

describe('PointBuffer', () => {
  test('drops the oldest beyond capacity and reports how many', () => {
    const buffer = new PointBuffer<number>(5);
    expect(buffer.push([1, 2, 3])).toBe(0);
    expect(buffer.push([4, 5, 6, 7])).toBe(2);
    expect(buffer.take(10)).toEqual([3, 4, 5, 6, 7]);
    expect(buffer.size).toBe(0);
  });

  test('a batch put back goes first, and is what overflows first', () => {
    const buffer = new PointBuffer<number>(4);
    buffer.push([1, 2, 3, 4]);
    const batch = buffer.take(2);
    buffer.push([5, 6]);
    expect(buffer.putBack(batch)).toBe(2);
    expect(buffer.take(10)).toEqual([3, 4, 5, 6]);
  });

  test('stays bounded over many cycles', () => {
    const buffer = new PointBuffer<number>(1_000);
    let dropped = 0;
    for (let round = 0; round < 2_000; round++) {
      dropped += buffer.push(Array.from({ length: 7 }, (_, i) => round * 7 + i));
      if (round % 3 === 0) buffer.take(5);
      expect(buffer.size).toBeLessThanOrEqual(1_000);
    }
    expect(dropped).toBeGreaterThan(0);
    const rest = buffer.take(1_000);
    expect(rest.at(-1)).toBe(2_000 * 7 - 1);
    expect(rest.every((value, i) => i === 0 || value === (rest[i - 1] ?? 0) + 1)).toBe(true);
  });
});

describe('label → attribute mapping', () => {
  const destination = ['proto', 'local_address', 'local_port', 'local_mark', 'remote_address', 'remote_port'];

  test('semantic conventions for services and real servers, IPv6 network type', () => {
    expect(labelAttributes('ipvs', destination, ['UDP', 'fd00::1', '53', '', 'fd00::7', '5353'])).toEqual({
      'network.transport': 'udp',
      'server.address': 'fd00::1',
      'server.port': 53,
      'network.peer.address': 'fd00::7',
      'network.peer.port': 5353,
      'network.type': 'ipv6',
    });
  });

  test('FWM: mark as a decimal integer, no port or transport; a port-0 TCP service keeps port 0', () => {
    expect(labelAttributes('ipvs', destination, ['FWM', '', '0', '0000000A', '10.0.0.7', '80'])).toEqual({
      'ipvs.service.fwmark': 10,
      'network.peer.address': '10.0.0.7',
      'network.peer.port': 80,
      'network.type': 'ipv4',
    });
    expect(labelAttributes('ipvs', destination.slice(0, 4), ['TCP', '10.0.0.1', '0', ''])).toMatchObject({
      'server.port': 0,
    });
  });

  test('labels missing from the table keep a namespaced name instead of vanishing', () => {
    expect(labelAttributes('keepalived', ['iname', 'mystery'], ['VI_1', 'x'])).toEqual({
      'keepalived.vrrp.instance': 'VI_1',
      'keepalived.mystery': 'x',
    });
    expect(labelAttributes('lvscope', ['sink'], ['otlp'])).toEqual({ 'lvscope.sink': 'otlp' });
  });

  test('domains come from the OTel name', () => {
    expect([
      domainOf('ipvs.service.in.total'),
      domainOf('keepalived.vrrp.state'),
      domainOf('lvscope.sink.up'),
    ]).toEqual(['ipvs', 'keepalived', 'lvscope']);
  });

  test('the table documents every rule once per domain', () => {
    const keys = mappingTable().map((row) => `${row.domains}/${row.label}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(mappingTable().every((row) => row.rule.attribute !== '' && row.rule.description !== '')).toBe(
      true,
    );
  });
});

describe('sink health families', () => {
  test('nothing without running sinks; per-sink samples; buffer families only for buffering sinks', () => {
    const registry = new SinkHealthRegistry();
    expect(registry.families()).toEqual([]);
    const otlp = registry.register('otlp');
    const influx = registry.register('influx');
    influx.bufferFill(3, 10);
    otlp.sent(5);
    otlp.attempt(true, 2_000);
    influx.attempt(false);
    influx.dropped(2);
    const byName = Object.fromEntries(registry.families().map((family) => [family.name, family.samples]));
    expect(byName).toEqual({
      lvscope_sink_up: [
        { labels: ['influx'], value: 0 },
        { labels: ['otlp'], value: 1 },
      ],
      lvscope_sink_last_success_timestamp_seconds: [
        { labels: ['influx'], value: 0 },
        { labels: ['otlp'], value: 2 },
      ],
      lvscope_sink_sent_points_total: [
        { labels: ['influx'], value: 0 },
        { labels: ['otlp'], value: 5 },
      ],
      lvscope_sink_dropped_points_total: [
        { labels: ['influx'], value: 2 },
        { labels: ['otlp'], value: 0 },
      ],
      lvscope_sink_failures_total: [
        { labels: ['influx'], value: 1 },
        { labels: ['otlp'], value: 0 },
      ],
      lvscope_sink_retries_total: [{ labels: ['influx'], value: 0 }],
      lvscope_sink_buffer_points: [{ labels: ['influx'], value: 3 }],
      lvscope_sink_buffer_capacity_points: [{ labels: ['influx'], value: 10 }],
    });
    expect(registry.families().every((family) => family.otelName?.startsWith('lvscope.sink.'))).toBe(true);
  });

  test('attempt() reports state changes only', () => {
    const health = new SinkHealthRegistry().register('x');
    expect([
      health.attempt(false),
      health.attempt(false),
      health.attempt(true),
      health.attempt(true),
    ]).toEqual([true, false, true, false]);
  });
});

test('push sinks reuse a snapshot at most half an interval and at most 5 s old', () => {
  expect([pushSnapshotMaxAgeMs(60_000), pushSnapshotMaxAgeMs(4_000), pushSnapshotMaxAgeMs(300)]).toEqual([
    5_000, 2_000, 150,
  ]);
});
