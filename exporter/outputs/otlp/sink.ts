/**
 * The OTLP push: @opentelemetry/sdk-node with one periodic metric reader whose producer renders
 * the shared collection, and the OTLP exporter of the configured protocol (loaded on demand, so a
 * deployment without OTLP never loads gRPC). Nothing is buffered here: counters are cumulative,
 * so an export that fails loses only that interval's gauge values; the next one carries the
 * counters' totals. The reader runs one export at a time, each bounded by otlp.timeout.
 */
import { hostname } from 'node:os';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { core, NodeSDK } from '@opentelemetry/sdk-node';
import type { MetricFamily } from '../../../common/metrics/family.js';
import type { Logger } from '../../core/log.js';
import type { Collector } from '../../core/module.js';
import type { Snapshot } from '../../../common/snapshot.js';
import type { SinkHealth } from '../health/health.js';
import { VERSION } from '../../../common/package.js';
import { redactUrl } from '../redact-url.js';
import { pushSnapshotMaxAgeMs } from '../snapshot-age.js';
import type { OtlpConfig } from './options.js';
import { FamilyMetricProducer } from './producer.js';

export interface OtlpSinkContext {
  readonly collector: Collector;
  readonly families: (snapshot: Snapshot) => MetricFamily[];
  readonly log: Logger;
  readonly health: SinkHealth;
}

async function createExporter(config: OtlpConfig): Promise<PushMetricExporter> {
  const common = { url: config.url, timeoutMillis: config.timeoutMs };
  switch (config.protocol) {
    case 'http/json': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      return new OTLPMetricExporter({ ...common, headers: { ...config.headers } });
    }
    case 'http/protobuf': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
      return new OTLPMetricExporter({ ...common, headers: { ...config.headers } });
    }
    case 'grpc': {
      const [{ OTLPMetricExporter }, { Metadata }] = await Promise.all([
        import('@opentelemetry/exporter-metrics-otlp-grpc'),
        import('@grpc/grpc-js'),
      ]);
      const metadata = new Metadata();
      for (const [key, value] of Object.entries(config.headers)) metadata.set(key, value);
      return new OTLPMetricExporter({ ...common, metadata });
    }
  }
}

function pointCount(metrics: ResourceMetrics): number {
  let count = 0;
  for (const scope of metrics.scopeMetrics)
    for (const metric of scope.metrics) count += metric.dataPoints.length;
  return count;
}

/** Feeds every export's outcome into the sink's health and logs state changes, not every failure. */
class HealthTrackingExporter implements PushMetricExporter {
  private delivered = false;

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly context: OtlpSinkContext,
    private readonly endpoint: string,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: (result: core.ExportResult) => void): void {
    const points = pointCount(metrics);
    const { health, log } = this.context;
    this.inner.export(metrics, (result) => {
      if (result.code === core.ExportResultCode.SUCCESS) {
        health.sent(points);
        const recovered = health.attempt(true);
        if (recovered || !this.delivered)
          log.info('OTLP export succeeded', { endpoint: this.endpoint, points });
        this.delivered = true;
      } else {
        health.dropped(points);
        if (health.attempt(false))
          log.warn('OTLP export failed', { endpoint: this.endpoint, err: result.error });
      }
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

function otlpResource(config: OtlpConfig) {
  return resourceFromAttributes({
    'host.name': hostname(),
    'service.version': VERSION,
    ...config.resourceAttributes,
    'service.name': config.serviceName,
  });
}

/** Starts pushing; resolves to a stop function that makes a last export and shuts the SDK down. */
export async function startOtlpSink(
  config: OtlpConfig,
  context: OtlpSinkContext,
): Promise<() => Promise<void>> {
  const maxAgeMs = pushSnapshotMaxAgeMs(config.intervalMs);
  const producer = new FamilyMetricProducer(
    async () => {
      const snapshot = await context.collector.collect(maxAgeMs);
      return { takenAtMs: snapshot.takenAtMs, families: context.families(snapshot) };
    },
    { name: 'lvscope', version: VERSION },
  );
  const endpoint = redactUrl(config.url);
  const reader = new PeriodicExportingMetricReader({
    exporter: new HealthTrackingExporter(await createExporter(config), context, endpoint),
    exportIntervalMillis: config.intervalMs,
    exportTimeoutMillis: config.timeoutMs,
    maxExportBatchSize: config.batchSize,
    metricProducers: [producer],
  });
  const sdk = new NodeSDK({
    resource: otlpResource(config),
    autoDetectResources: false,
    metricReaders: [reader],
    // Metrics only: no spans, logs, instrumentations or propagators.
    spanProcessors: [],
    logRecordProcessors: [],
    instrumentations: [],
    textMapPropagator: null,
  });
  sdk.start();
  context.log.info('OTLP sink started', {
    endpoint,
    protocol: config.protocol,
    interval_ms: config.intervalMs,
    snapshot_max_age_ms: maxAgeMs,
  });
  return () => sdk.shutdown();
}
