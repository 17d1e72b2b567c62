/**
 * A pool's history sampled live from this director (`--procfs DIR --sample 60s --duration 1h`):
 * every interval, the /proc/net/ip_vs* files and the ipvsadm listings are read through the same
 * code as the exporter's sources (common/ipvs/read.ts) into a snapshot, and kept as the capture
 * reader keeps its records. Bounded in time by the duration and in memory by the pool.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  IPVSADM_LISTINGS,
  type IpvsDraft,
  type IpvsadmOptions,
  PROC_FILES,
  readConnTable,
  readProcText,
  runIpvsadm,
} from '../../../common/ipvs/read.js';
import { formatIssue } from '../../../common/parse/issue.js';
import { SNAPSHOT_VERSION, type Snapshot, type SourceReport } from '../../../common/snapshot.js';
import { SnapshotHistoryBuilder } from './from-snapshots.js';
import type { History, HistoryQuery } from './model.js';

export interface ProcfsSampling {
  readonly procfs: string;
  readonly intervalMs: number;
  readonly durationMs: number;
  readonly hz: number;
  /** undefined: ipvsadm is not run (per-server counters are then unknown). */
  readonly ipvsadm?: IpvsadmOptions;
  /** Called after each sample (progress). */
  readonly onSample?: (taken: number, planned: number) => void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** One collection, as the exporter would make it, without its HTTP side. */
export async function sampleDirector(sampling: ProcfsSampling): Promise<Snapshot> {
  const takenAtMs = Date.now();
  const started = performance.now();
  const ipvs: IpvsDraft = {};
  const sources: SourceReport[] = [];
  const report = (source: string, t0: number, outcome: Omit<SourceReport, 'source' | 'durationSeconds'>) =>
    sources.push({ source, durationSeconds: (performance.now() - t0) / 1000, ...outcome });
  for (const file of PROC_FILES) {
    const t0 = performance.now();
    try {
      const { value, issues } = file.parse(await readProcText(sampling.procfs, file), { hz: sampling.hz });
      if (value !== undefined) file.store(ipvs, value as never);
      const first = issues[0];
      report(file.name, t0, {
        up: value !== undefined,
        parseErrors: issues.length,
        ...(first && { error: formatIssue(first, file.path) }),
      });
    } catch (error) {
      report(file.name, t0, { up: false, parseErrors: 0, error: message(error) });
    }
  }
  const t0 = performance.now();
  try {
    const conn = await readConnTable(sampling.procfs, { topClients: 20 });
    ipvs.conn = conn.value;
    report('ip_vs_conn', t0, { up: true, parseErrors: conn.issueCount });
  } catch (error) {
    report('ip_vs_conn', t0, { up: false, parseErrors: 0, error: message(error) });
  }
  for (const spec of sampling.ipvsadm ? IPVSADM_LISTINGS : []) {
    const t1 = performance.now();
    try {
      const { value, issues } = spec.parse(await runIpvsadm(sampling.ipvsadm!, spec));
      spec.store(ipvs, value as never);
      report(spec.name, t1, { up: true, parseErrors: issues.length });
    } catch (error) {
      report(spec.name, t1, { up: false, parseErrors: 0, error: message(error) });
    }
  }
  return {
    version: SNAPSHOT_VERSION,
    takenAtMs,
    durationSeconds: (performance.now() - started) / 1000,
    sources,
    ipvs,
    keepalived: { daemons: [] },
    vrrpWire: { captures: [] },
  };
}

export async function sampleHistory(sampling: ProcfsSampling, query: HistoryQuery): Promise<History> {
  const director = hostname();
  const builder = new SnapshotHistoryBuilder(
    `procfs ${sampling.procfs} every ${sampling.intervalMs / 1000} s`,
    query.services,
  );
  const planned = Math.max(1, Math.floor(sampling.durationMs / sampling.intervalMs) + 1);
  const downSeen = new Set<string>();
  for (let taken = 0; taken < planned; taken++) {
    const next = Date.now() + sampling.intervalMs;
    const snapshot = await sampleDirector(sampling);
    for (const s of snapshot.sources) {
      if (!s.up && !downSeen.has(s.source)) {
        downSeen.add(s.source);
        builder.note({
          kind: 'missing',
          t: snapshot.takenAtMs,
          message: `${s.source}: ${s.error ?? 'down'}`,
        });
      }
    }
    builder.add(snapshot, director);
    sampling.onSample?.(taken + 1, planned);
    if (taken + 1 < planned) await sleep(Math.max(0, next - Date.now()));
  }
  return builder.build();
}
