import type { MetricFamily } from '../../common/metrics/family.js';
import type { Logger } from './log.js';
import type { OptionSpec, Options } from './options.js';
import type { Snapshot } from '../../common/snapshot.js';
import type { Source } from './source.js';

/** Gives every consumer the same, possibly shared, collection (single-flight). */
export interface Collector {
  /**
   * Returns a snapshot no older than maxAgeMs (default 0: a fresh one). Concurrent callers share
   * one collection in progress.
   */
  collect(maxAgeMs?: number): Promise<Snapshot>;
  /** Calls `listener` with every snapshot this collector finishes, whoever asked for it. */
  subscribe(listener: (snapshot: Snapshot) => void): () => void;
}

export interface RuntimeContext {
  readonly options: Options;
  readonly collector: Collector;
  /** Every module's families for a snapshot, self-metrics included. */
  readonly families: (snapshot: Snapshot) => MetricFamily[];
  readonly log: Logger;
}

/**
 * A unit of the exporter: a domain (IPVS, keepalived) that declares options, sources and the
 * families it derives from its snapshot slot, or an output (Prometheus endpoint, OTLP, InfluxDB)
 * that declares options, starts, and reports its own health as families.
 */
export interface ExporterModule {
  readonly name: string;
  readonly options: readonly OptionSpec[];
  /** Inputs to read on each collection, for the resolved options (empty when disabled). */
  sources?(options: Options): Source[];
  /** This module's metrics for one snapshot, shaped by the resolved options (label sets, ...). */
  families?(snapshot: Snapshot, options: Options): MetricFamily[];
  /** Starts serving or pushing; resolves to a function that stops it. */
  start?(ctx: RuntimeContext): Promise<() => Promise<void>>;
}
