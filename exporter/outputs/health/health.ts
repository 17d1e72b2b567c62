/**
 * Health of the push sinks (OTLP, InfluxDB), kept by each running sink and rendered as one set of
 * `lvscope_sink_*` families, so the Prometheus endpoint shows whether pushes work even when the
 * push backend itself is the thing that is down.
 */
import type { MetricFamily, MetricType } from '../../../common/metrics/family.js';

export class SinkHealth {
  /** undefined until the first write or export attempt has finished. */
  private lastAttemptOk: boolean | undefined;
  private lastSuccessMs = 0;
  private sentPoints = 0;
  private droppedPoints = 0;
  private failures = 0;
  private retries = 0;
  private buffer: { readonly points: number; readonly capacity: number } | undefined;

  constructor(readonly sink: string) {}

  /**
   * Records the outcome of one write or export attempt. Returns true when the state changed
   * (first failure after a success or the start, first success after a failure), so callers log
   * changes rather than every failed attempt.
   */
  attempt(ok: boolean, nowMs = Date.now()): boolean {
    const changed = ok ? this.lastAttemptOk === false : this.lastAttemptOk !== false;
    this.lastAttemptOk = ok;
    if (ok) this.lastSuccessMs = nowMs;
    else this.failures += 1;
    return changed;
  }

  /** Points the backend accepted. */
  sent(points: number): void {
    this.sentPoints += points;
  }

  /** Points given up. */
  dropped(points: number): void {
    this.droppedPoints += points;
  }

  retried(): void {
    this.retries += 1;
  }

  bufferFill(points: number, capacity: number): void {
    this.buffer = { points, capacity };
  }

  get state() {
    return {
      up: this.lastAttemptOk,
      lastSuccessMs: this.lastSuccessMs,
      sentPoints: this.sentPoints,
      droppedPoints: this.droppedPoints,
      failures: this.failures,
      retries: this.retries,
      buffer: this.buffer,
    };
  }
}

/** The running sinks; a sink registers when it starts and leaves when it stops. */
export class SinkHealthRegistry {
  private readonly sinks = new Set<SinkHealth>();

  register(sink: string): SinkHealth {
    const health = new SinkHealth(sink);
    this.sinks.add(health);
    return health;
  }

  unregister(health: SinkHealth): void {
    this.sinks.delete(health);
  }

  families(): MetricFamily[] {
    const sinks = [...this.sinks].sort((a, b) => a.sink.localeCompare(b.sink));
    if (sinks.length === 0) return [];
    return HEALTH_FAMILIES.map(({ value, field, ...family }) => ({
      ...family,
      labelNames: ['sink'],
      samples: sinks.flatMap((health) => {
        const sampleValue = value(health.state);
        return sampleValue === undefined ? [] : [{ labels: [health.sink], value: sampleValue }];
      }),
      influx: { measurement: 'lvscope_sink', field },
    }));
  }
}

interface HealthFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly unit: string;
  readonly otelName: string;
  /** Field of the `lvscope_sink` InfluxDB measurement. */
  readonly field: string;
  readonly help: string;
  /** undefined leaves the sink out of this family. */
  readonly value: (state: SinkHealth['state']) => number | undefined;
}

const HEALTH_FAMILIES: readonly HealthFamily[] = [
  {
    name: 'lvscope_sink_up',
    type: 'gauge',
    unit: '1',
    otelName: 'lvscope.sink.up',
    field: 'up',
    help: '1 when the last write to the sink succeeded, 0 when it failed; absent before the first attempt.',
    value: ({ up }) => (up === undefined ? undefined : Number(up)),
  },
  {
    name: 'lvscope_sink_last_success_timestamp_seconds',
    type: 'gauge',
    unit: 's',
    otelName: 'lvscope.sink.last_success.timestamp',
    field: 'last_success_timestamp_seconds',
    help: 'Unix time of the last successful write to the sink, 0 before the first.',
    value: ({ lastSuccessMs }) => lastSuccessMs / 1000,
  },
  {
    name: 'lvscope_sink_sent_points_total',
    type: 'counter',
    unit: '{point}',
    otelName: 'lvscope.sink.points.sent',
    field: 'sent_points',
    help: 'Points (InfluxDB lines, OTLP data points) the backend accepted.',
    value: ({ sentPoints }) => sentPoints,
  },
  {
    name: 'lvscope_sink_dropped_points_total',
    type: 'counter',
    unit: '{point}',
    otelName: 'lvscope.sink.points.dropped',
    field: 'dropped_points',
    help: 'Points given up: evicted from a full buffer, rejected by the backend, or part of a failed OTLP export.',
    value: ({ droppedPoints }) => droppedPoints,
  },
  {
    name: 'lvscope_sink_failures_total',
    type: 'counter',
    unit: '{failure}',
    otelName: 'lvscope.sink.failures',
    field: 'failures',
    help: 'Write or export attempts that failed (timeout, connection error, error status).',
    value: ({ failures }) => failures,
  },
  {
    name: 'lvscope_sink_retries_total',
    type: 'counter',
    unit: '{retry}',
    otelName: 'lvscope.sink.retries',
    field: 'retries',
    help: 'Writes that resent buffered points after a failed attempt; only sinks that buffer report it.',
    value: ({ buffer, retries }) => (buffer === undefined ? undefined : retries),
  },
  {
    name: 'lvscope_sink_buffer_points',
    type: 'gauge',
    unit: '{point}',
    otelName: 'lvscope.sink.buffer.size',
    field: 'buffer_points',
    help: 'Points waiting in the sink buffer; only sinks that buffer report it.',
    value: ({ buffer }) => buffer?.points,
  },
  {
    name: 'lvscope_sink_buffer_capacity_points',
    type: 'gauge',
    unit: '{point}',
    otelName: 'lvscope.sink.buffer.capacity',
    field: 'buffer_capacity_points',
    help: 'Points the sink buffer holds before it drops the oldest; only sinks that buffer report it.',
    value: ({ buffer }) => buffer?.capacity,
  },
];

/** The process-wide registry the exporter's sink modules use. */
export const sinkHealthRegistry = new SinkHealthRegistry();
