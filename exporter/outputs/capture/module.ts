/**
 * The capture recorder (`--capture.dir`): every snapshot the collector finishes, whoever asked
 * for it, is appended as one record; with no scrape or push for `--capture.interval`, it asks for
 * a collection itself. Reports itself as lvscope_capture_* families.
 */
import { hostname } from 'node:os';
import type { MetricFamily } from '../../../common/metrics/family.js';
import type { FamilySpec } from '../../../common/metrics/family.js';
import {
  LVSCOPE_CAPTURE_RECORDS_TOTAL,
  LVSCOPE_CAPTURE_BYTES_TOTAL,
  LVSCOPE_CAPTURE_RECORD_BYTES_TOTAL,
  LVSCOPE_CAPTURE_DROPPED_RECORDS_TOTAL,
  LVSCOPE_CAPTURE_WRITE_ERRORS_TOTAL,
  LVSCOPE_CAPTURE_DELETED_SEGMENTS_TOTAL,
  LVSCOPE_CAPTURE_DISK_BYTES,
  LVSCOPE_CAPTURE_WRITING,
  LVSCOPE_CAPTURE_LAST_RECORD_TIMESTAMP_SECONDS,
} from '../../../common/metrics/catalog/capture.js';
import { family } from '../../core/family-builder.js';
import type { ExporterModule } from '../../core/module.js';
import { VERSION } from '../../../common/package.js';
import { CONN_SAMPLE } from '../../ipvs/module.js';
import { captureConfig, captureOptions } from './options.js';
import { type CaptureStats, CaptureWriter } from './writer.js';

/** Records the disk may lag behind before new ones are dropped. */
const MAX_QUEUE = 8;

const STATS: readonly (readonly [FamilySpec, (s: CaptureStats) => number])[] = [
  [LVSCOPE_CAPTURE_RECORDS_TOTAL, (s) => s.records],
  [LVSCOPE_CAPTURE_BYTES_TOTAL, (s) => s.bytes],
  [LVSCOPE_CAPTURE_RECORD_BYTES_TOTAL, (s) => s.rawBytes],
  [LVSCOPE_CAPTURE_DROPPED_RECORDS_TOTAL, (s) => s.droppedRecords],
  [LVSCOPE_CAPTURE_WRITE_ERRORS_TOTAL, (s) => s.writeErrors],
  [LVSCOPE_CAPTURE_DELETED_SEGMENTS_TOTAL, (s) => s.deletedSegments],
  [LVSCOPE_CAPTURE_DISK_BYTES, (s) => s.diskBytes],
  [LVSCOPE_CAPTURE_WRITING, (s) => (s.writing ? 1 : 0)],
  [LVSCOPE_CAPTURE_LAST_RECORD_TIMESTAMP_SECONDS, (s) => s.lastRecordMs / 1000],
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
