/**
 * What the sources fill during one collection, before it becomes a Snapshot. Each source works on
 * its own draft (so one that misses the deadline can never write into a snapshot already handed
 * out) and writes only the fields it read: a source that is down leaves its fields undefined, no
 * zeros that would look like data. The collector merges the drafts of the sources that answered.
 */
import type { IpvsSnapshot } from '../../common/ipvs/model.js';
import type { KeepalivedDaemon } from '../../common/keepalived/model.js';
import { SNAPSHOT_VERSION, type Snapshot, type SourceReport } from '../../common/snapshot.js';
import type { WireCapture } from '../../common/vrrp/model.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** One daemon's fields as the keepalived sources fill them. */
export type DaemonDraft = Writable<Omit<KeepalivedDaemon, 'name'>>;

export interface SnapshotDraft {
  readonly ipvs: Writable<IpvsSnapshot>;
  /** By daemon name. */
  readonly keepalived: Map<string, DaemonDraft>;
  readonly vrrpWire: WireCapture[];
}

export function emptyDraft(): SnapshotDraft {
  return { ipvs: {}, keepalived: new Map(), vrrpWire: [] };
}

/** The fields of one daemon in a draft, created on first use. */
export function daemonDraft(draft: SnapshotDraft, daemon: string): DaemonDraft {
  let fields = draft.keepalived.get(daemon);
  if (!fields) draft.keepalived.set(daemon, (fields = {}));
  return fields;
}

export function mergeDraft(into: SnapshotDraft, from: SnapshotDraft): void {
  Object.assign(into.ipvs, from.ipvs);
  for (const [daemon, fields] of from.keepalived) Object.assign(daemonDraft(into, daemon), fields);
  into.vrrpWire.push(...from.vrrpWire);
}

export function finishSnapshot(
  draft: SnapshotDraft,
  takenAtMs: number,
  durationSeconds: number,
  sources: readonly SourceReport[],
): Snapshot {
  const daemons = [...draft.keepalived]
    .map(([name, fields]): KeepalivedDaemon => ({ name, ...fields }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const captures = [...draft.vrrpWire].sort((a, b) => a.intf.localeCompare(b.intf));
  return {
    version: SNAPSHOT_VERSION,
    takenAtMs,
    durationSeconds,
    sources,
    ipvs: draft.ipvs,
    keepalived: { daemons },
    vrrpWire: { captures },
  };
}
