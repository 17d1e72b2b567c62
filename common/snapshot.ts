import type { IpvsSnapshot } from './ipvs/model.js';
import type { KeepalivedSnapshot } from './keepalived/model.js';
import type { VrrpWireSnapshot } from './vrrp/model.js';
import type { SourceReport } from '../exporter/core/source.js';

/**
 * What the sources fill during one collection. Each domain owns one slot and each source writes
 * only the fields it read, so a source that is down leaves its fields undefined (no zeros that
 * would look like data).
 */
export interface SnapshotDraft {
  ipvs: Partial<IpvsSnapshot>;
  keepalived: Partial<KeepalivedSnapshot>;
  vrrpWire: Partial<VrrpWireSnapshot>;
}

/** One finished collection: the single data model every sink reads. */
export interface Snapshot extends Readonly<SnapshotDraft> {
  /** Wall-clock time the collection started, epoch milliseconds. */
  readonly takenAtMs: number;
  readonly durationSeconds: number;
  readonly sources: readonly SourceReport[];
}

export function emptyDraft(): SnapshotDraft {
  return { ipvs: {}, keepalived: {}, vrrpWire: {} };
}
