/**
 * Health of the push sinks (OTLP, InfluxDB), one series per running sink, all in the
 * `lvscope_sink` InfluxDB measurement.
 */
import type { FamilySpec } from '../family.js';
import { counter, gauge } from './define.js';

const SINK = ['sink'];
const MEASUREMENT = 'lvscope_sink';

export const LVSCOPE_SINK_UP = gauge({
  name: 'lvscope_sink_up',
  help: '1 when the last write to the sink succeeded, 0 when it failed; absent before the first attempt.',
  unit: '1',
  labelNames: SINK,
  otelName: 'lvscope.sink.up',
  influx: [MEASUREMENT, 'up'],
});
export const LVSCOPE_SINK_LAST_SUCCESS_TIMESTAMP_SECONDS = gauge({
  name: 'lvscope_sink_last_success_timestamp_seconds',
  help: 'Unix time of the last successful write to the sink, 0 before the first.',
  unit: 's',
  labelNames: SINK,
  otelName: 'lvscope.sink.last_success.timestamp',
  influx: [MEASUREMENT, 'last_success_timestamp_seconds'],
});
export const LVSCOPE_SINK_SENT_POINTS_TOTAL = counter({
  name: 'lvscope_sink_sent_points_total',
  help: 'Points (InfluxDB lines, OTLP data points) the backend accepted.',
  unit: '{point}',
  labelNames: SINK,
  otelName: 'lvscope.sink.points.sent',
  influx: [MEASUREMENT, 'sent_points'],
});
export const LVSCOPE_SINK_DROPPED_POINTS_TOTAL = counter({
  name: 'lvscope_sink_dropped_points_total',
  help: 'Points given up: evicted from a full buffer, rejected by the backend, or part of a failed OTLP export.',
  unit: '{point}',
  labelNames: SINK,
  otelName: 'lvscope.sink.points.dropped',
  influx: [MEASUREMENT, 'dropped_points'],
});
export const LVSCOPE_SINK_FAILURES_TOTAL = counter({
  name: 'lvscope_sink_failures_total',
  help: 'Write or export attempts that failed (timeout, connection error, error status).',
  unit: '{failure}',
  labelNames: SINK,
  otelName: 'lvscope.sink.failures',
  influx: [MEASUREMENT, 'failures'],
});
export const LVSCOPE_SINK_RETRIES_TOTAL = counter({
  name: 'lvscope_sink_retries_total',
  help: 'Writes that resent buffered points after a failed attempt; only sinks that buffer report it.',
  unit: '{retry}',
  labelNames: SINK,
  otelName: 'lvscope.sink.retries',
  influx: [MEASUREMENT, 'retries'],
});
export const LVSCOPE_SINK_BUFFER_POINTS = gauge({
  name: 'lvscope_sink_buffer_points',
  help: 'Points waiting in the sink buffer; only sinks that buffer report it.',
  unit: '{point}',
  labelNames: SINK,
  otelName: 'lvscope.sink.buffer.size',
  influx: [MEASUREMENT, 'buffer_points'],
});
export const LVSCOPE_SINK_BUFFER_CAPACITY_POINTS = gauge({
  name: 'lvscope_sink_buffer_capacity_points',
  help: 'Points the sink buffer holds before it drops the oldest; only sinks that buffer report it.',
  unit: '{point}',
  labelNames: SINK,
  otelName: 'lvscope.sink.buffer.capacity',
  influx: [MEASUREMENT, 'buffer_capacity_points'],
});

/** In the order the exporter emits them. */
export const SINK_FAMILIES: readonly FamilySpec[] = [
  LVSCOPE_SINK_UP,
  LVSCOPE_SINK_LAST_SUCCESS_TIMESTAMP_SECONDS,
  LVSCOPE_SINK_SENT_POINTS_TOTAL,
  LVSCOPE_SINK_DROPPED_POINTS_TOTAL,
  LVSCOPE_SINK_FAILURES_TOTAL,
  LVSCOPE_SINK_RETRIES_TOTAL,
  LVSCOPE_SINK_BUFFER_POINTS,
  LVSCOPE_SINK_BUFFER_CAPACITY_POINTS,
];
