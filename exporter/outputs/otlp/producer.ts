/**
 * Turns one collection's MetricFamily list into OTLP metric data for the SDK's periodic reader.
 *
 * Why a MetricProducer and not observable instruments: the SDK (sdk-metrics 2.12) keeps exporting
 * every attribute set an observable callback ever reported, with its last value, under cumulative
 * temporality. A real server removed with `ipvsadm -d` would stay in OTLP forever with its last
 * connection count, against the SDK specification ("SHOULD NOT produce aggregated metric data for
 * a previously-observed attribute set which is not observed during a successful callback"). A
 * producer reports exactly the series of the current snapshot, stamped with the snapshot's time.
 */
import { ValueType, type HrTime } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricCollectOptions,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { MetricFamily } from '../../../common/metrics/family.js';
import { domainOf, labelAttributes } from './attributes.js';

export interface FamilyBatch {
  /** Wall-clock time of the collection, epoch milliseconds. */
  readonly takenAtMs: number;
  readonly families: readonly MetricFamily[];
}

function hrTime(epochMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000);
  return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)];
}

interface CounterSeries {
  startMs: number;
  lastMs: number;
  lastValue: number;
}

/**
 * Start times of the cumulative series: the first collection that saw a series, or, after the
 * value went down (service re-created, counters reset), the collection before the drop.
 * Series absent from a collection are forgotten, so memory follows the live series count.
 */
export class CounterStarts {
  private series = new Map<string, CounterSeries>();
  private next = new Map<string, CounterSeries>();

  startOf(key: string, value: number, nowMs: number): number {
    const previous = this.series.get(key);
    const startMs =
      previous === undefined ? nowMs : value < previous.lastValue ? previous.lastMs : previous.startMs;
    this.next.set(key, { startMs, lastMs: nowMs, lastValue: value });
    return startMs;
  }

  endRound(): void {
    this.series = this.next;
    this.next = new Map();
  }
}

function toMetricData(batch: FamilyBatch, starts: CounterStarts): MetricData[] {
  const endTime = hrTime(batch.takenAtMs);
  const metrics: MetricData[] = [];
  for (const family of batch.families) {
    if (family.otelName === null) continue;
    const domain = domainOf(family.otelName);
    const descriptor = {
      name: family.otelName,
      description: family.help,
      unit: family.unit,
      valueType: ValueType.DOUBLE,
    };
    const points = family.samples.map((sample) => {
      const attributes = labelAttributes(domain, family.labelNames, sample.labels);
      const startMs =
        family.type === 'counter'
          ? starts.startOf(
              `${family.name}\u0000${sample.labels.join('\u0000')}`,
              sample.value,
              batch.takenAtMs,
            )
          : batch.takenAtMs;
      return { attributes, startTime: hrTime(startMs), endTime, value: sample.value };
    });
    if (family.type === 'counter') {
      metrics.push({
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: points,
      });
    } else {
      metrics.push({
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: points,
      });
    }
  }
  starts.endRound();
  return metrics;
}

export class FamilyMetricProducer implements MetricProducer {
  private readonly starts = new CounterStarts();

  constructor(
    /** Reads the families of a (possibly shared) collection. */
    private readonly read: () => Promise<FamilyBatch>,
    private readonly scope: { readonly name: string; readonly version: string },
  ) {}

  async collect(options?: MetricCollectOptions): Promise<CollectionResult> {
    const resourceMetrics = {
      resource: emptyResource(),
      scopeMetrics: [] as CollectionResult['resourceMetrics']['scopeMetrics'],
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        if (options?.timeoutMillis === undefined) return;
        timer = setTimeout(
          () => reject(new Error(`collection took over ${options.timeoutMillis} ms`)),
          options.timeoutMillis,
        );
      });
      const batch = await Promise.race([this.read(), timeout]);
      resourceMetrics.scopeMetrics.push({ scope: this.scope, metrics: toMetricData(batch, this.starts) });
      return { resourceMetrics, errors: [] };
    } catch (error) {
      return { resourceMetrics, errors: [error] };
    } finally {
      clearTimeout(timer);
    }
  }
}
