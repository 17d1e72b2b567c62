/**
 * Reading a director's IPVS state, shared by the exporter's sources and the analyzer's live
 * sampling (prometheus/procfs's role: paths, reads and parsers in one place, the programs only
 * decide when to read). Each input is described once: where it is and which parser reads it.
 */
import { join } from 'node:path';
import { openRegularFile, readRegularFile } from '../io/regular-file.js';
import { runProgram } from '../io/run-program.js';
import type { Parsed } from '../parse/issue.js';
import type { IpvsSnapshot } from './model.js';
import { type ConnParsed, ConnTableSummarizer, type ConnSummaryOptions } from './parse-ip-vs-conn.js';
import { type IpVsOptions, parseIpVs } from './parse-ip-vs.js';
import { parseIpVsStats, parseIpVsStatsPerCpu } from './parse-ip-vs-stats.js';
import {
  parseIpvsadmPersistentConns,
  parseIpvsadmRates,
  parseIpvsadmStats,
  parseIpvsadmThresholds,
} from './parse-ipvsadm.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };
export type IpvsDraft = Writable<IpvsSnapshot>;

/** One small /proc file: read whole (its size is bounded by the service table), then parsed. */
export interface ProcFile {
  /** The source name the exporter reports (`lvscope_source_up{source=...}`). */
  readonly name: string;
  /** Below the procfs root. */
  readonly path: string;
  /** undefined value: the file is not what it should be (the source is down). */
  parse(text: string, options: IpVsOptions): Parsed<unknown>;
  store(ipvs: IpvsDraft, value: never): void;
}

function procFile<T>(
  name: string,
  path: string,
  parse: (text: string, options: IpVsOptions) => Parsed<T | undefined>,
  store: (ipvs: IpvsDraft, value: T) => void,
): ProcFile {
  return { name, path, parse, store: store };
}

export const PROC_FILES: readonly ProcFile[] = [
  procFile('ip_vs', 'net/ip_vs', parseIpVs, (ipvs, table) => (ipvs.table = table)),
  procFile('ip_vs_stats', 'net/ip_vs_stats', parseIpVsStats, (ipvs, stats) => (ipvs.stats = stats)),
  procFile(
    'ip_vs_stats_percpu',
    'net/ip_vs_stats_percpu',
    parseIpVsStatsPerCpu,
    (ipvs, perCpu) => (ipvs.perCpu = perCpu),
  ),
];

export const CONN_TABLE_PATH = 'net/ip_vs_conn';

/** ip_vs lists every service and destination: 100k destinations are ~10 MiB, far below this. */
const MAX_PROC_FILE_BYTES = 64 << 20;

/** Non-blocking open and a regular-file check: a FIFO at the path fails at once (regular-file.ts). */
export function readProcText(procfs: string, file: ProcFile, signal?: AbortSignal): Promise<string> {
  return readRegularFile(join(procfs, file.path), {
    maxBytes: MAX_PROC_FILE_BYTES,
    encoding: 'latin1',
    ...(signal && { signal }),
  });
}

/** /proc/net/ip_vs_conn, streamed in 1 MiB chunks through the summariser (a million lines is normal). */
export async function readConnTable(
  procfs: string,
  options: ConnSummaryOptions,
  signal?: AbortSignal,
): Promise<ConnParsed> {
  const summarizer = new ConnTableSummarizer(options);
  const handle = await openRegularFile(join(procfs, CONN_TABLE_PATH));
  // The stream closes the handle at its end or on abort.
  const stream = handle.createReadStream({ highWaterMark: 1 << 20, ...(signal && { signal }) });
  for await (const chunk of stream) summarizer.push(chunk as Buffer);
  return summarizer.finish();
}

/** One `ipvsadm -Ln ...` listing. */
export interface IpvsadmListingSpec {
  readonly name: string;
  readonly args: readonly string[];
  parse(text: string): Parsed<unknown>;
  store(ipvs: IpvsDraft, value: never): void;
}

function listing<T>(
  name: string,
  args: readonly string[],
  parse: (text: string) => Parsed<T>,
  store: (ipvs: IpvsDraft, value: T) => void,
): IpvsadmListingSpec {
  return { name, args, parse, store: store };
}

/** The four listings, each read on its own so one failing command does not hide the others. */
export const IPVSADM_LISTINGS: readonly IpvsadmListingSpec[] = [
  listing(
    'ipvsadm_stats',
    ['-Ln', '--stats', '--exact', '--nosort'],
    parseIpvsadmStats,
    (ipvs, v) => (ipvs.ipvsadmStats = v),
  ),
  listing(
    'ipvsadm_rate',
    ['-Ln', '--rate', '--exact', '--nosort'],
    parseIpvsadmRates,
    (ipvs, v) => (ipvs.ipvsadmRates = v),
  ),
  listing(
    'ipvsadm_thresholds',
    ['-Ln', '--thresholds', '--nosort'],
    parseIpvsadmThresholds,
    (ipvs, v) => (ipvs.ipvsadmThresholds = v),
  ),
  listing(
    'ipvsadm_persistent_conn',
    ['-Ln', '--persistent-conn', '--nosort'],
    parseIpvsadmPersistentConns,
    (ipvs, v) => (ipvs.ipvsadmPersistentConns = v),
  ),
];

export interface IpvsadmOptions {
  readonly path: string;
  readonly timeoutMs: number;
}

/** Listings of 100k destinations stay well below this; beyond it the read fails. */
const MAX_IPVSADM_OUTPUT_BYTES = 64 << 20;

/** Runs ipvsadm without a shell, with its time limit; rejects with `command: why`. */
export function runIpvsadm(
  options: IpvsadmOptions,
  spec: IpvsadmListingSpec,
  signal?: AbortSignal,
): Promise<string> {
  return runProgram(options.path, spec.args, {
    timeoutMs: options.timeoutMs,
    maxOutputBytes: MAX_IPVSADM_OUTPUT_BYTES,
    ...(signal && { signal }),
    notFoundHint: `--ipvsadm.path ${options.path}`,
  });
}
