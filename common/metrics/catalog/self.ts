/**
 * The exporter about itself: per-source up, duration and parse errors, the collection's
 * duration, and build info.
 */
import type { FamilySpec } from '../family.js';
import { counter, gauge } from './define.js';

const SOURCE = ['source'];

export const LVSCOPE_SOURCE_UP = gauge({
  name: 'lvscope_source_up',
  help: 'Whether the source could be read in the last collection (0: missing input, failing command, timeout).',
  unit: '1',
  labelNames: SOURCE,
  otelName: 'lvscope.source.up',
  influx: ['lvscope_source', 'up'],
});
export const LVSCOPE_SOURCE_DURATION_SECONDS = gauge({
  name: 'lvscope_source_duration_seconds',
  help: 'Time the source took in the last collection.',
  unit: 's',
  labelNames: SOURCE,
  otelName: 'lvscope.source.duration',
  influx: ['lvscope_source', 'duration_seconds'],
});
export const LVSCOPE_SOURCE_PARSE_ERRORS_TOTAL = counter({
  name: 'lvscope_source_parse_errors_total',
  help: 'Lines or records skipped because they could not be parsed, since the exporter started.',
  unit: '{error}',
  labelNames: SOURCE,
  otelName: 'lvscope.source.parse_errors',
  influx: ['lvscope_source', 'parse_errors'],
});
export const LVSCOPE_COLLECTION_DURATION_SECONDS = gauge({
  name: 'lvscope_collection_duration_seconds',
  help: 'Time the last collection took, all sources together.',
  unit: 's',
  labelNames: [],
  otelName: 'lvscope.collection.duration',
  influx: ['lvscope_collection', 'duration_seconds'],
});
export const LVSCOPE_BUILD_INFO = gauge({
  name: 'lvscope_build_info',
  help: 'Version of lvscope and of the Node.js runtime it runs on; always 1.',
  unit: '1',
  labelNames: ['version', 'nodejs_version'],
  otelName: 'lvscope.build.info',
  influx: ['lvscope_build', 'info'],
});

/** In the order the exporter emits them. */
export const SELF_FAMILIES: readonly FamilySpec[] = [
  LVSCOPE_SOURCE_UP,
  LVSCOPE_SOURCE_DURATION_SECONDS,
  LVSCOPE_SOURCE_PARSE_ERRORS_TOTAL,
  LVSCOPE_COLLECTION_DURATION_SECONDS,
  LVSCOPE_BUILD_INFO,
];
