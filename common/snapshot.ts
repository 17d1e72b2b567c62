/**
 * The snapshot: one collection of a director, the single data model every sink renders, the
 * capture recorder writes and the analyzer reads back. It is plain, JSON-serialisable data (no
 * Maps, no classes; addresses are IpAddr records), versioned because it is also a file format:
 * SNAPSHOT_VERSION changes when a field changes meaning or is removed; adding an optional field
 * does not change it, and readers ignore fields they do not know.
 */
import type { IpvsSnapshot } from './ipvs/model.js';
import type { KeepalivedDaemon } from './keepalived/model.js';
import type { WireCapture } from './vrrp/model.js';

export const SNAPSHOT_VERSION = 1;

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

export interface KeepalivedSnapshot {
  /** Every daemon any source read, ordered by name. */
  readonly daemons: readonly KeepalivedDaemon[];
}

export interface VrrpWireSnapshot {
  /** One per listened interface, ordered by interface. */
  readonly captures: readonly WireCapture[];
}

export interface Snapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  /** Wall-clock time the collection started, epoch milliseconds. */
  readonly takenAtMs: number;
  readonly durationSeconds: number;
  readonly sources: readonly SourceReport[];
  readonly ipvs: IpvsSnapshot;
  readonly keepalived: KeepalivedSnapshot;
  readonly vrrpWire: VrrpWireSnapshot;
}
