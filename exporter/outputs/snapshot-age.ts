/**
 * How old a snapshot a push sink accepts from the shared, single-flight collector. A push that
 * comes shortly after a Prometheus scrape (or after the other sink's push) reuses that collection
 * instead of reading /proc and keepalived again, so all outputs carry the same numbers and the
 * same timestamp. Half the push interval at most, so two consecutive pushes never get the same
 * snapshot; 5 s at most, so a pushed value is never older than a typical scrape interval allows.
 */
const MAX_SNAPSHOT_REUSE_MS = 5_000;

export function pushSnapshotMaxAgeMs(intervalMs: number): number {
  return Math.min(MAX_SNAPSHOT_REUSE_MS, Math.floor(intervalMs / 2));
}
