import type { KeepalivedDaemon, TrackedProcess, VrrpInstance, VrrpScript } from './model.js';

/** One daemon's VRRP view, whichever dump format it came from. */
export interface VrrpView {
  /** keepalived-exporter's keepalived_up: fresh, complete and consistent dumps were read. */
  readonly up: boolean;
  readonly instances: readonly VrrpInstance[];
  readonly scripts: readonly VrrpScript[];
  readonly trackedProcesses: readonly TrackedProcess[];
  /** Newest modification time of the dump files, epoch ms (also when not up). */
  readonly mtimeMs?: number;
  readonly error?: string;
}

const newest = (...times: (number | undefined)[]): number | undefined => {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
};

/**
 * Merges what the dump sources read for one daemon. Text mode needs both the data and the stats
 * dump and the same instance names in each (a mismatch means one of them was torn or taken at
 * another moment: reported as down, like keepalived-exporter). undefined without VRRP dumps.
 */
export function vrrpView(daemon: KeepalivedDaemon): VrrpView | undefined {
  if (daemon.vrrpFormat === 'json') {
    const json = daemon.json;
    if (!json?.value)
      return {
        up: false,
        instances: [],
        scripts: [],
        trackedProcesses: [],
        mtimeMs: json?.mtimeMs,
        error: json?.error ?? 'no JSON dump',
      };
    return {
      up: true,
      instances: json.value.instances,
      scripts: [],
      trackedProcesses: json.value.trackedProcesses,
      mtimeMs: json.mtimeMs,
    };
  }
  if (daemon.vrrpFormat !== 'text') return undefined;
  const { data, stats } = daemon;
  const mtimeMs = newest(data?.mtimeMs, stats?.mtimeMs);
  const down = (error: string): VrrpView => ({
    up: false,
    instances: [],
    scripts: [],
    trackedProcesses: [],
    mtimeMs,
    error,
  });
  if (!data?.value) return down(data?.error ?? 'no data dump');
  if (!stats?.value) return down(stats?.error ?? 'no stats dump');
  const names = data.value.instances.map((i) => i.iname);
  const byName = new Map(stats.value.map((s) => [s.iname, s.stats]));
  if (names.length !== stats.value.length || names.some((n) => !byName.has(n))) {
    return down(
      `data dump has ${names.length} instances, stats dump ${stats.value.length}: dumps from different moments`,
    );
  }
  const instances = data.value.instances.map((i) => {
    const s = byName.get(i.iname);
    return s ? { ...i, stats: s } : i;
  });
  return { up: true, instances, scripts: data.value.scripts, trackedProcesses: [], mtimeMs };
}
