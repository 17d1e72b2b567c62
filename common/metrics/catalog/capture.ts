/** The capture recorder (`--capture.dir`) about itself, in the `lvscope_capture` InfluxDB measurement. */
import type { FamilySpec } from '../family.js';
import { counter, gauge } from './define.js';

const MEASUREMENT = 'lvscope_capture';

export const LVSCOPE_CAPTURE_RECORDS_TOTAL = counter({
  name: 'lvscope_capture_records_total',
  help: 'Collections appended to the capture.',
  unit: '{record}',
  labelNames: [],
  otelName: 'lvscope.capture.records',
  influx: [MEASUREMENT, 'records'],
});
export const LVSCOPE_CAPTURE_BYTES_TOTAL = counter({
  name: 'lvscope_capture_bytes_total',
  help: 'Compressed bytes appended to the capture.',
  unit: 'By',
  labelNames: [],
  otelName: 'lvscope.capture.bytes',
  influx: [MEASUREMENT, 'bytes'],
});
export const LVSCOPE_CAPTURE_RECORD_BYTES_TOTAL = counter({
  name: 'lvscope_capture_record_bytes_total',
  help: 'Uncompressed bytes of the records appended (compare with lvscope_capture_bytes_total).',
  unit: 'By',
  labelNames: [],
  otelName: 'lvscope.capture.record_bytes',
  influx: [MEASUREMENT, 'record_bytes'],
});
export const LVSCOPE_CAPTURE_DROPPED_RECORDS_TOTAL = counter({
  name: 'lvscope_capture_dropped_records_total',
  help: 'Collections not recorded because the disk was slower than the collections.',
  unit: '{record}',
  labelNames: [],
  otelName: 'lvscope.capture.dropped_records',
  influx: [MEASUREMENT, 'dropped_records'],
});
export const LVSCOPE_CAPTURE_WRITE_ERRORS_TOTAL = counter({
  name: 'lvscope_capture_write_errors_total',
  help: 'Failed writes (full disk, unwritable directory); the next record starts a new segment.',
  unit: '{error}',
  labelNames: [],
  otelName: 'lvscope.capture.write_errors',
  influx: [MEASUREMENT, 'write_errors'],
});
export const LVSCOPE_CAPTURE_DELETED_SEGMENTS_TOTAL = counter({
  name: 'lvscope_capture_deleted_segments_total',
  help: 'Segments deleted to keep the capture under --capture.retention.',
  unit: '{segment}',
  labelNames: [],
  otelName: 'lvscope.capture.deleted_segments',
  influx: [MEASUREMENT, 'deleted_segments'],
});
export const LVSCOPE_CAPTURE_DISK_BYTES = gauge({
  name: 'lvscope_capture_disk_bytes',
  help: 'Bytes of the capture directory.',
  unit: 'By',
  labelNames: [],
  otelName: 'lvscope.capture.disk_bytes',
  influx: [MEASUREMENT, 'disk_bytes'],
});
export const LVSCOPE_CAPTURE_WRITING = gauge({
  name: 'lvscope_capture_writing',
  help: '1 when the last record was written, 0 after a failed write until one succeeds.',
  unit: '1',
  labelNames: [],
  otelName: 'lvscope.capture.writing',
  influx: [MEASUREMENT, 'writing'],
});
export const LVSCOPE_CAPTURE_LAST_RECORD_TIMESTAMP_SECONDS = gauge({
  name: 'lvscope_capture_last_record_timestamp_seconds',
  help: 'Unix time the last recorded collection was taken.',
  unit: 's',
  labelNames: [],
  otelName: 'lvscope.capture.last_record_timestamp_seconds',
  influx: [MEASUREMENT, 'last_record_timestamp_seconds'],
});

export const CAPTURE_FAMILIES: readonly FamilySpec[] = [
  LVSCOPE_CAPTURE_RECORDS_TOTAL,
  LVSCOPE_CAPTURE_BYTES_TOTAL,
  LVSCOPE_CAPTURE_RECORD_BYTES_TOTAL,
  LVSCOPE_CAPTURE_DROPPED_RECORDS_TOTAL,
  LVSCOPE_CAPTURE_WRITE_ERRORS_TOTAL,
  LVSCOPE_CAPTURE_DELETED_SEGMENTS_TOTAL,
  LVSCOPE_CAPTURE_DISK_BYTES,
  LVSCOPE_CAPTURE_WRITING,
  LVSCOPE_CAPTURE_LAST_RECORD_TIMESTAMP_SECONDS,
];
