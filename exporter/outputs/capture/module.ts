/**
 * The capture recorder (`--capture.dir`): every snapshot the collector finishes, whoever asked
 * for it, is appended as one record; with no scrape or push for `--capture.interval`, it asks for
 * a collection itself. Reports itself as lvscope_capture_* families.
 */
import { hostname } from 'node:os';
import type { MetricFamily } from '../../../common/metrics/family.js';
import { type FamilySpec, family } from '../../core/family-builder.js';
import type { ExporterModule } from '../../core/module.js';
import { VERSION } from '../../self/version.js';
import { CONN_SAMPLE } from '../../ipvs/module.js';
import { captureConfig, captureOptions } from './options.js';
import { type CaptureStats, CaptureWriter } from './writer.js';

/** Records the disk may lag behind before new ones are dropped. */
const MAX_QUEUE = 8;

const spec = (
  name: string,
  type: FamilySpec['type'],
  help: string,
  unit: string,
  field: string,
): FamilySpec => ({
  name: `lvscope_capture_${name}`,
  help,
  type,
  unit,
  labelNames: [],
  otelName: `lvscope.capture.${field}`,
  influx: { measurement: 'lvscope_capture', field },
});

const STATS: readonly (readonly [FamilySpec, (s: CaptureStats) => number])[] = [
  [
    spec('records_total', 'counter', 'Collections appended to the capture.', '{record}', 'records'),
    (s) => s.records,
  ],
  [
    spec('bytes_total', 'counter', 'Compressed bytes appended to the capture.', 'By', 'bytes'),
    (s) => s.bytes,
  ],
  [
    spec(
      'record_bytes_total',
      'counter',
      'Uncompressed bytes of the records appended (compare with bytes_total).',
      'By',
      'record_bytes',
    ),
    (s) => s.rawBytes,
  ],
  [
    spec(
      'dropped_records_total',
      'counter',
      'Collections not recorded because the disk was slower than the collections.',
      '{record}',
      'dropped_records',
    ),
    (s) => s.droppedRecords,
  ],
  [
    spec(
      'write_errors_total',
      'counter',
      'Failed writes (full disk, unwritable directory); the next record starts a new segment.',
      '{error}',
      'write_errors',
    ),
    (s) => s.writeErrors,
  ],
  [
    spec(
      'deleted_segments_total',
      'counter',
      'Segments deleted to keep the capture under --capture.retention.',
      '{segment}',
      'deleted_segments',
    ),
    (s) => s.deletedSegments,
  ],
  [spec('disk_bytes', 'gauge', 'Bytes of the capture directory.', 'By', 'disk_bytes'), (s) => s.diskBytes],
  [
    spec(
      'writing',
      'gauge',
      'Whether the last record was written (0 after a failed write until one succeeds).',
      '1',
      'writing',
    ),
    (s) => (s.writing ? 1 : 0),
  ],
  [
    spec(
      'last_record_timestamp_seconds',
      'gauge',
      'When the last recorded collection was taken (epoch seconds).',
      's',
      'last_record_timestamp_seconds',
    ),
    (s) => s.lastRecordMs / 1000,
  ],
];

function createCaptureModule(): ExporterModule {
  let writer: CaptureWriter | undefined;
  return {
    name: 'capture',
    options: captureOptions,
    families(): MetricFamily[] {
      const stats = writer?.stats;
      return stats ? STATS.map(([s, value]) => family(s, [{ labels: [], value: value(stats) }])) : [];
    },
    start(ctx) {
      const config = captureConfig(ctx.options);
      if (config === undefined) return Promise.resolve(() => Promise.resolve());
      const active = new CaptureWriter({
        ...config,
        maxQueue: MAX_QUEUE,
        host: hostname(),
        exporterVersion: VERSION,
        connSampleOneIn: ctx.options.get(CONN_SAMPLE),
        log: ctx.log,
      });
      writer = active;
      const unsubscribe = ctx.collector.subscribe((snapshot) => active.append(snapshot));
      // A collection at most `interval` old: one a scrape just made is reused, not repeated.
      const tick = () => {
        ctx.collector
          .collect(config.intervalMs)
          .catch((error: unknown) => ctx.log.error('capture collection failed', { error }));
      };
      const timer = config.intervalMs > 0 ? setInterval(tick, config.intervalMs) : undefined;
      tick();
      ctx.log.info('capture started', { dir: config.dir, interval_s: config.intervalMs / 1000 });
      return Promise.resolve(async () => {
        clearInterval(timer);
        unsubscribe();
        await active.close();
      });
    },
  };
}

export const captureModule = createCaptureModule();
