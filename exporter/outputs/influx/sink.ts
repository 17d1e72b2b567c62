/**
 * The InfluxDB push: every influx.interval, take the shared collection, turn it into points, queue
 * them in the bounded buffer, and let one writer drain the buffer batch by batch. Collection and
 * writing are decoupled, so a slow or dead InfluxDB only fills the buffer (oldest points dropped
 * and counted) and never delays a collection or the Prometheus endpoint. After a failure the
 * writer waits 1 s, doubling up to influx.max-backoff, then resends the same batch first.
 */
import type { MetricFamily } from '../../../common/metrics/family.js';
import type { Logger } from '../../core/log.js';
import type { Collector } from '../../core/module.js';
import type { Snapshot } from '../../../common/snapshot.js';
import type { SinkHealth } from '../health/health.js';
import { redactUrl } from '../redact-url.js';
import { pushSnapshotMaxAgeMs } from '../snapshot-age.js';
import { PointBuffer } from './buffer.js';
import type { InfluxConfig } from './options.js';
import { familiesToPoints, type InfluxPoint } from './points.js';
import { createV1Writer } from './write-v1.js';
import { createV2Writer } from './write-v2.js';
import { InfluxWriteError, type InfluxWriter } from './writer.js';

export interface InfluxSinkContext {
  readonly collector: Collector;
  readonly families: (snapshot: Snapshot) => MetricFamily[];
  readonly log: Logger;
  readonly health: SinkHealth;
}

const FIRST_BACKOFF_MS = 1_000;

export function createWriter(config: InfluxConfig): Promise<InfluxWriter> {
  return config.target.api === 'v2'
    ? createV2Writer(config.url, config.target, config.timeoutMs, config.batchSize)
    : Promise.resolve(createV1Writer(config.url, config.target, config.timeoutMs));
}

export class InfluxSink {
  private readonly buffer: PointBuffer<InfluxPoint>;
  private readonly maxAgeMs: number;
  private collectTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private collecting = false;
  private flushing: Promise<void> | undefined;
  private backoffMs = 0;
  private retrying = false;
  private prepared = false;
  private stopped = false;

  constructor(
    private readonly config: InfluxConfig,
    private readonly writer: InfluxWriter,
    private readonly context: InfluxSinkContext,
  ) {
    this.buffer = new PointBuffer(config.bufferSize);
    this.maxAgeMs = pushSnapshotMaxAgeMs(config.intervalMs);
    this.reportBuffer();
  }

  start(): void {
    const tick = (): void => {
      this.collectTimer = setTimeout(tick, this.config.intervalMs);
      void this.collectOnce();
    };
    this.collectTimer = setTimeout(tick, this.config.intervalMs);
  }

  /** Takes one collection into the buffer and starts draining it. Never throws. */
  async collectOnce(): Promise<void> {
    if (this.collecting || this.stopped) return;
    this.collecting = true;
    try {
      const snapshot = await this.context.collector.collect(this.maxAgeMs);
      const points = familiesToPoints(this.context.families(snapshot), snapshot.takenAtMs, this.config.tags);
      this.drop(this.buffer.push(points));
      this.reportBuffer();
    } catch (error) {
      this.context.log.warn('InfluxDB sink: collection failed', { err: error });
    } finally {
      this.collecting = false;
    }
    void this.flush();
  }

  /** Starts draining unless a write is running or a retry is scheduled. */
  flush(): Promise<void> {
    if (!this.flushing && this.retryTimer === undefined) {
      this.flushing = this.drain().finally(() => {
        this.flushing = undefined;
      });
    }
    return this.flushing ?? Promise.resolve();
  }

  /** Writes batches until the buffer is empty or a write fails; `final` schedules no retry. */
  private async drain(final = false): Promise<void> {
    while (this.buffer.size > 0 && !this.stopped) {
      const batch = this.buffer.take(this.config.batchSize);
      this.reportBuffer();
      if (await this.writeBatch(batch)) continue;
      this.drop(this.buffer.putBack(batch));
      this.reportBuffer();
      if (!final) this.scheduleRetry();
      return;
    }
  }

  /** false when the batch must be retried; a batch InfluxDB refuses is dropped, not retried. */
  private async writeBatch(batch: InfluxPoint[]): Promise<boolean> {
    const { health, log } = this.context;
    if (this.retrying) health.retried();
    try {
      await this.ensurePrepared();
      await this.writer.write(batch);
    } catch (error) {
      const failure = error instanceof InfluxWriteError ? error.failure : 'retry';
      if (failure === 'missing-database') this.prepared = false;
      const changed = health.attempt(false);
      if (failure === 'reject') {
        // InfluxDB 1.x reports partial writes as "... dropped=N": the rest of the batch is stored.
        const refused = Math.min(
          batch.length,
          Number(/dropped=(\d+)/.exec(String(error))?.[1] ?? batch.length),
        );
        health.sent(batch.length - refused);
        this.drop(refused);
        log.warn('InfluxDB refused points; they are dropped', { points: refused, err: error });
        return true;
      }
      if (changed)
        log.warn('InfluxDB write failed; buffering and retrying', {
          url: redactUrl(this.config.url),
          err: error,
        });
      this.retrying = true;
      return false;
    }
    health.sent(batch.length);
    if (health.attempt(true)) log.info('InfluxDB writes recovered', { url: redactUrl(this.config.url) });
    this.retrying = false;
    this.backoffMs = 0;
    return true;
  }

  /** CREATE DATABASE once (and again after "database not found"); a refusal is logged, not fatal. */
  private async ensurePrepared(): Promise<void> {
    if (this.prepared) return;
    try {
      await this.writer.prepare();
    } catch (error) {
      if (!(error instanceof InfluxWriteError) || error.status === undefined) throw error;
      this.context.log.warn('InfluxDB: could not create the database; writing anyway', { err: error });
    }
    this.prepared = true;
  }

  private scheduleRetry(): void {
    this.backoffMs = Math.min(
      this.config.maxBackoffMs,
      this.backoffMs === 0 ? FIRST_BACKOFF_MS : this.backoffMs * 2,
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, this.backoffMs);
  }

  private drop(points: number): void {
    if (points > 0) this.context.health.dropped(points);
  }

  private reportBuffer(): void {
    this.context.health.bufferFill(this.buffer.size, this.buffer.capacity);
  }

  /**
   * Stops collecting, lets a write in flight finish, writes what is buffered if InfluxDB is
   * answering (a failing backend would only hold the shutdown for another timeout), then closes
   * the writer. Points still buffered are counted as dropped.
   */
  async stop(): Promise<void> {
    clearTimeout(this.collectTimer);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.flushing;
    if (this.context.health.state.up !== false) await this.drain(true);
    this.stopped = true;
    const unwritten = this.buffer.take(this.buffer.size).length;
    this.drop(unwritten);
    this.reportBuffer();
    if (unwritten > 0)
      this.context.log.warn('InfluxDB sink stopped with unwritten points', { points: unwritten });
    await this.writer.close();
  }
}
