/**
 * The exporter about itself: process-wide settings (log level, collection deadline) and the
 * self-metrics rendered from each snapshot's source reports: per-source up, duration and parse
 * errors (cumulative over the process), the collection's duration, and build info.
 */
import type { MetricFamily, Sample } from '../../common/metrics/family.js';
import {
  LVSCOPE_BUILD_INFO,
  LVSCOPE_COLLECTION_DURATION_SECONDS,
  LVSCOPE_SOURCE_DURATION_SECONDS,
  LVSCOPE_SOURCE_PARSE_ERRORS_TOTAL,
  LVSCOPE_SOURCE_UP,
} from '../../common/metrics/catalog/self.js';
import { family } from '../core/family-builder.js';
import type { ExporterModule } from '../core/module.js';
import { option, MAX_TIMER_SECONDS } from '../core/options.js';
import { PROCFS } from '../core/paths.js';
import type { Snapshot } from '../../common/snapshot.js';
import { VERSION } from '../../common/package.js';

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
  max: MAX_TIMER_SECONDS,
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
        LVSCOPE_SOURCE_UP,
        bySource((report) => (report.up ? 1 : 0)),
      ),
      family(
        LVSCOPE_SOURCE_DURATION_SECONDS,
        bySource((report) => report.durationSeconds),
      ),
      family(
        LVSCOPE_SOURCE_PARSE_ERRORS_TOTAL,
        bySource((report) => totals.get(report.source) ?? 0),
      ),
      family(LVSCOPE_COLLECTION_DURATION_SECONDS, [{ labels: [], value: snapshot.durationSeconds }]),
      family(LVSCOPE_BUILD_INFO, [{ labels: [VERSION, process.versions.node], value: 1 }]),
    ];
  },
};
