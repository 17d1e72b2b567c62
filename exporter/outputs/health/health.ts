/**
 * Health of the push sinks (OTLP, InfluxDB), kept by each running sink and rendered as one set of
 * `lvscope_sink_*` families, so the Prometheus endpoint shows whether pushes work even when the
 * push backend itself is the thing that is down.
 */
import type { FamilySpec, MetricFamily } from '../../../common/metrics/family.js';
import {
  LVSCOPE_SINK_BUFFER_CAPACITY_POINTS,
  LVSCOPE_SINK_BUFFER_POINTS,
  LVSCOPE_SINK_DROPPED_POINTS_TOTAL,
  LVSCOPE_SINK_FAILURES_TOTAL,
  LVSCOPE_SINK_LAST_SUCCESS_TIMESTAMP_SECONDS,
  LVSCOPE_SINK_RETRIES_TOTAL,
  LVSCOPE_SINK_SENT_POINTS_TOTAL,
  LVSCOPE_SINK_UP,
} from '../../../common/metrics/catalog/sinks.js';
import { family } from '../../core/family-builder.js';

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
    return HEALTH_FAMILIES.map(([spec, value]) =>
      family(
        spec,
        sinks.flatMap((health) => {
          const sampleValue = value(health.state);
          return sampleValue === undefined ? [] : [{ labels: [health.sink], value: sampleValue }];
        }),
      ),
    );
  }
}

/** Each family's value for one sink; undefined leaves the sink out of that family. */
type HealthValue = (state: SinkHealth['state']) => number | undefined;

const HEALTH_FAMILIES: readonly (readonly [FamilySpec, HealthValue])[] = [
  [LVSCOPE_SINK_UP, ({ up }) => (up === undefined ? undefined : Number(up))],
  [LVSCOPE_SINK_LAST_SUCCESS_TIMESTAMP_SECONDS, ({ lastSuccessMs }) => lastSuccessMs / 1000],
  [LVSCOPE_SINK_SENT_POINTS_TOTAL, ({ sentPoints }) => sentPoints],
  [LVSCOPE_SINK_DROPPED_POINTS_TOTAL, ({ droppedPoints }) => droppedPoints],
  [LVSCOPE_SINK_FAILURES_TOTAL, ({ failures }) => failures],
  [LVSCOPE_SINK_RETRIES_TOTAL, ({ buffer, retries }) => (buffer === undefined ? undefined : retries)],
  [LVSCOPE_SINK_BUFFER_POINTS, ({ buffer }) => buffer?.points],
  [LVSCOPE_SINK_BUFFER_CAPACITY_POINTS, ({ buffer }) => buffer?.capacity],
];

/** The process-wide registry the exporter's sink modules use. */
export const sinkHealthRegistry = new SinkHealthRegistry();
