/**
 * The exporter about itself: process-wide settings (log level, collection deadline) and the
 * self-metrics rendered from each snapshot's source reports: per-source up, duration and parse
 * errors (cumulative over the process), the collection's duration, and build info.
 */
import type { MetricFamily, Sample } from '../../common/metrics/family.js';
import { family } from '../core/family-builder.js';
import type { ExporterModule } from '../core/module.js';
import { option } from '../core/options.js';
import { PROCFS } from '../core/paths.js';
import type { Snapshot } from '../../common/snapshot.js';
import { VERSION } from './version.js';

/**
 * Parse errors per source since the process started. Each snapshot is counted once however many
 * sinks render it (a scrape and a push may share one collection).
 */
class ParseErrorTotals {
  private readonly totals = new Map<string, number>();
  private readonly counted = new WeakSet<Snapshot>();

  add(snapshot: Snapshot): ReadonlyMap<string, number> {
    if (!this.counted.has(snapshot)) {
      this.counted.add(snapshot);
      for (const report of snapshot.sources) {
        this.totals.set(report.source, (this.totals.get(report.source) ?? 0) + report.parseErrors);
      }
    }
    return this.totals;
  }
}

const parseErrorTotals = new ParseErrorTotals();

export const LOG_LEVEL = option({
  name: 'log.level',
  kind: 'string',
  default: 'info',
  choices: ['debug', 'info', 'warn', 'error'],
  description: 'least severe log level written to stderr',
});

export const COLLECTOR_TIMEOUT = option({
  name: 'collector.timeout',
  kind: 'number',
  default: 10,
  description: 'seconds one collection may take; sources still running then are reported down',
});

export const selfModule: ExporterModule = {
  name: 'self',
  options: [PROCFS, LOG_LEVEL, COLLECTOR_TIMEOUT],

  families(snapshot): MetricFamily[] {
    const bySource = (value: (report: Snapshot['sources'][number]) => number): Sample[] =>
      snapshot.sources.map((report) => ({ labels: [report.source], value: value(report) }));
    const totals = parseErrorTotals.add(snapshot);
    return [
      family(
        {
          name: 'lvscope_source_up',
          help: 'Whether the source could be read in the last collection (0: missing input, failing command, timeout).',
          type: 'gauge',
          unit: '1',
          labelNames: ['source'],
          otelName: 'lvscope.source.up',
          influx: { measurement: 'lvscope_source', field: 'up' },
        },
        bySource((report) => (report.up ? 1 : 0)),
      ),
      family(
        {
          name: 'lvscope_source_duration_seconds',
          help: 'Time the source took in the last collection.',
          type: 'gauge',
          unit: 's',
          labelNames: ['source'],
          otelName: 'lvscope.source.duration',
          influx: { measurement: 'lvscope_source', field: 'duration_seconds' },
        },
        bySource((report) => report.durationSeconds),
      ),
      family(
        {
          name: 'lvscope_source_parse_errors_total',
          help: 'Lines or records skipped because they could not be parsed, since the exporter started.',
          type: 'counter',
          unit: '{error}',
          labelNames: ['source'],
          otelName: 'lvscope.source.parse_errors',
          influx: { measurement: 'lvscope_source', field: 'parse_errors' },
        },
        bySource((report) => totals.get(report.source) ?? 0),
      ),
      family(
        {
          name: 'lvscope_collection_duration_seconds',
          help: 'Time the last collection took, all sources together.',
          type: 'gauge',
          unit: 's',
          labelNames: [],
          otelName: 'lvscope.collection.duration',
          influx: { measurement: 'lvscope_collection', field: 'duration_seconds' },
        },
        [{ labels: [], value: snapshot.durationSeconds }],
      ),
      family(
        {
          name: 'lvscope_build_info',
          help: 'Version of lvscope and of the Node.js runtime it runs on; always 1.',
          type: 'gauge',
          unit: '1',
          labelNames: ['version', 'nodejs_version'],
          otelName: 'lvscope.build.info',
          influx: { measurement: 'lvscope_build', field: 'info' },
        },
        [{ labels: [VERSION, process.versions.node], value: 1 }],
      ),
    ];
  },
};
