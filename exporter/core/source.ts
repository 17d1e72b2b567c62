import type { SnapshotDraft } from '../../common/snapshot.js';

/** How one source fared in one collection; rendered as lvscope_source_* self-metrics. */
export interface SourceReport {
  readonly source: string;
  /** false when the input was missing or unusable (module not loaded, binary failed, ...). */
  readonly up: boolean;
  readonly durationSeconds: number;
  /** Lines or records that were skipped because they could not be parsed. */
  readonly parseErrors: number;
  /** Why the source is down, or the first parse error: file, line and field. Never a secret. */
  readonly error?: string;
}

export interface SourceOutcome {
  readonly up: boolean;
  readonly parseErrors: number;
  readonly error?: string;
}

/**
 * One input (a /proc file, an ipvsadm call, a keepalived dump, ...). A source fills its own slot
 * of the draft snapshot and knows nothing about sinks. It must not throw for bad input: it
 * reports parse errors and keeps every sample it could read.
 */
export interface Source {
  readonly name: string;
  collect(draft: SnapshotDraft, signal: AbortSignal): Promise<SourceOutcome>;
}
