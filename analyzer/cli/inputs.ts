/**
 * What `workload` and `recommend` read, and the same flags for both: where the history is
 * (a capture, Prometheus or VictoriaMetrics, InfluxDB, live sampling, or the bundled recording),
 * the time range, and which pool. Resolves the pool against the pool sources and the services the
 * history holds, then reads the pool's history, followed across failovers and checked for shape.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { readCapture } from '../../common/capture/reader.js';
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { PACKAGE_ROOT } from '../../common/package.js';
import { formatIssue } from '../../common/parse/issue.js';
import { readCaptureHistory } from '../inputs/history/capture.js';
import { followHistory } from '../inputs/history/follow.js';
import { type InfluxReaderOptions, influxServices, readInfluxHistory } from '../inputs/history/influx.js';
import {
  type PrometheusReaderOptions,
  prometheusServices,
  readPrometheusHistory,
} from '../inputs/history/prometheus.js';
import type { History, HistoryQuery } from '../inputs/history/model.js';
import { shapeNotes } from '../inputs/history/normalize.js';
import { sampleDirector, sampleHistory } from '../inputs/history/procfs.js';
import { loadPools } from '../inputs/pools/load.js';
import type { Pool } from '../inputs/pools/model.js';
import { resolvePool } from '../inputs/pools/resolve.js';
import { parseDuration, parseTime } from './time.js';

/** The real-kernel recording of the seed's MySQL pool, read when no history is named. */
export const BUNDLED_CAPTURE = join(PACKAGE_ROOT, 'fixtures/recordings/mysql/capture');

/** A problem the user can fix (exit 2) rather than a failure while reading (exit 1). */
export class UsageError extends Error {}

export interface HistoryFlags {
  readonly capture?: string[];
  readonly prometheus?: string;
  readonly 'prometheus.bearer-token-file'?: string;
  readonly 'prometheus.basic-auth-file'?: string;
  readonly 'prometheus.ca-file'?: string;
  readonly 'prometheus.director-label'?: string;
  readonly influx?: string;
  readonly 'influx.database'?: string;
  readonly 'influx.username'?: string;
  readonly 'influx.password-file'?: string;
  readonly 'influx.ca-file'?: string;
  readonly procfs?: string;
  readonly sample?: string;
  readonly duration?: string;
  readonly ipvsadm?: string;
  readonly hz?: string;
  readonly start?: string;
  readonly end?: string;
  readonly range?: string;
  readonly step?: string;
  readonly director?: string[];
  readonly pool?: string;
  readonly pools?: string;
  readonly 'keepalived.config'?: string;
  readonly ipvsadmSave?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the input flags to a command (`workload`, `recommend`). */
export function addHistoryOptions<C extends Command>(command: C): C {
  const options = [
    new Option(
      '--capture <dir>',
      'capture directory written by lvs-exporter --capture.dir (repeat for each director of a pair)',
    ).argParser(collect),
    new Option('--prometheus <url>', 'Prometheus or VictoriaMetrics HTTP API to read the history from'),
    new Option('--prometheus.bearer-token-file <file>', 'file holding a bearer token for --prometheus'),
    new Option('--prometheus.basic-auth-file <file>', 'file holding USER:PASSWORD for --prometheus'),
    new Option(
      '--prometheus.ca-file <file>',
      'PEM CA certificates that sign the --prometheus server (https)',
    ),
    new Option('--prometheus.director-label <label>', 'label naming the director').default('instance'),
    new Option('--influx <url>', "InfluxDB 1.x HTTP API that lvs-exporter's sink wrote to"),
    new Option('--influx.database <db>', 'database of --influx').default('lvscope'),
    new Option('--influx.username <user>', 'user for --influx'),
    new Option('--influx.password-file <file>', 'file holding the password for --influx'),
    new Option('--influx.ca-file <file>', 'PEM CA certificates that sign the --influx server (https)'),
    new Option('--procfs <dir>', 'sample this director live: its procfs root (e.g. /proc)'),
    new Option('--sample <interval>', 'with --procfs: time between samples (e.g. 60s)').default('60s'),
    new Option('--duration <duration>', 'with --procfs: how long to sample (e.g. 1h)').default('10m'),
    new Option(
      '--ipvsadm <path>',
      'with --procfs: ipvsadm binary for per-server counters ("" to skip)',
    ).default('ipvsadm'),
    new Option(
      '--hz <hz>',
      "with --procfs: the kernel's CONFIG_HZ (persistence timeouts in /proc are in ticks)",
    ).default('250'),
    new Option('--start <time>', 'history from this time (RFC 3339 or Unix seconds)'),
    new Option(
      '--end <time>',
      'history up to this time (RFC 3339 or Unix seconds; default: the end of what is stored)',
    ),
    new Option('--range <duration>', 'history of this long before --end (e.g. 6h)'),
    new Option('--step <duration>', 'resolution to read stores at (Prometheus, InfluxDB)'),
    new Option(
      '--director <name>',
      'only this director (capture host, Prometheus instance, InfluxDB host); repeatable',
    ).argParser(collect),
    new Option(
      '--pool <name>',
      'the pool: a name from the pool sources, a service (tcp:ADDR:PORT, fwm:N), or a well-known name (mysql = port 3306)',
    ).default('mysql'),
    new Option('--pools <file>', 'YAML pools file (schema: analyzer/pools.schema.json)'),
    new Option(
      '--keepalived.config <file>',
      'keepalived.conf: a pool per virtual_server (includes followed)',
    ),
    new Option('--ipvsadm-save <file>', '`ipvsadm -S -n` output: a pool per virtual service ("-" = stdin)'),
  ];
  for (const option of options) command.addOption(option);
  return command;
}

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--${flag}: "${text}" is not a duration (e.g. 90s, 15m, 6h, 1d)`);
  return ms;
}

function time(flag: string, text: string): number {
  const ms = parseTime(text);
  if (ms === undefined) throw new UsageError(`--${flag}: "${text}" is not an RFC 3339 time or Unix seconds`);
  return ms;
}

/** The time range the flags ask for (epoch ms), as Prometheus's API takes start/end/range. */
export function timeRange(flags: HistoryFlags): { start?: number; end?: number; stepMs?: number } {
  const end = flags.end === undefined ? undefined : time('end', flags.end);
  let start = flags.start === undefined ? undefined : time('start', flags.start);
  if (flags.range !== undefined) {
    if (start !== undefined) throw new UsageError('give --start or --range, not both');
    const span = duration('range', flags.range);
    start = (end ?? Date.now()) - span;
  }
  if (start !== undefined && end !== undefined && end <= start)
    throw new UsageError('--end is not after --start');
  return {
    ...(start !== undefined && { start }),
    ...(end !== undefined && { end }),
    ...(flags.step !== undefined && { stepMs: duration('step', flags.step) }),
  };
}

/** Where the history is, as the flags say; exactly one kind. */
type HistoryInput =
  | { readonly kind: 'capture'; readonly dirs: readonly string[]; readonly bundled: boolean }
  | { readonly kind: 'procfs'; readonly dir: string }
  | { readonly kind: 'prometheus'; readonly options: PrometheusReaderOptions }
  | { readonly kind: 'influx'; readonly options: InfluxReaderOptions };

/** A secret from a file (never from the command line, where `ps` shows it): its first line. */
function secretFile(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n')[0]!.trim();
  } catch (error) {
    throw new UsageError(
      `--${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

function prometheusOptions(flags: HistoryFlags, url: string): PrometheusReaderOptions {
  const auth = flags['prometheus.basic-auth-file'];
  const pair = auth === undefined ? undefined : secretFile('prometheus.basic-auth-file', auth);
  const colon = pair?.indexOf(':') ?? -1;
  if (pair !== undefined && colon < 0)
    throw new UsageError('--prometheus.basic-auth-file: want USER:PASSWORD');
  const token = flags['prometheus.bearer-token-file'];
  return {
    url,
    ...(token !== undefined && { bearerToken: secretFile('prometheus.bearer-token-file', token) }),
    ...(pair !== undefined && {
      basicAuth: { username: pair.slice(0, colon), password: pair.slice(colon + 1) },
    }),
    ...(flags['prometheus.ca-file'] !== undefined && { caFile: flags['prometheus.ca-file'] }),
    ...(flags['prometheus.director-label'] !== undefined && {
      directorLabel: flags['prometheus.director-label'],
    }),
  };
}

function influxOptions(flags: HistoryFlags, url: string): InfluxReaderOptions {
  const password = flags['influx.password-file'];
  return {
    url,
    database: flags['influx.database'] ?? 'lvscope',
    ...(flags['influx.username'] !== undefined && { username: flags['influx.username'] }),
    ...(password !== undefined && { password: secretFile('influx.password-file', password) }),
    ...(flags['influx.ca-file'] !== undefined && { caFile: flags['influx.ca-file'] }),
  };
}

function historyInput(flags: HistoryFlags): HistoryInput {
  const given = [
    flags.capture?.length ? '--capture' : '',
    flags.procfs ? '--procfs' : '',
    flags.prometheus ? '--prometheus' : '',
    flags.influx ? '--influx' : '',
  ].filter(Boolean);
  if (given.length > 1) throw new UsageError(`read one history at a time: ${given.join(' and ')} given`);
  if (flags.procfs) return { kind: 'procfs', dir: flags.procfs };
  if (flags.prometheus) return { kind: 'prometheus', options: prometheusOptions(flags, flags.prometheus) };
  if (flags.influx) return { kind: 'influx', options: influxOptions(flags, flags.influx) };
  if (flags.capture?.length) return { kind: 'capture', dirs: flags.capture, bundled: false };
  if (!existsSync(BUNDLED_CAPTURE))
    throw new UsageError(
      `no history given (--capture, --procfs) and no bundled recording at ${BUNDLED_CAPTURE}`,
    );
  return { kind: 'capture', dirs: [BUNDLED_CAPTURE], bundled: true };
}

/** The services a history holds, to resolve `--pool mysql` by port: each capture's first record. */
async function servicesSeen(input: HistoryInput, flags: HistoryFlags): Promise<ServiceKey[]> {
  const range = timeRange(flags);
  if (input.kind === 'prometheus') return prometheusServices(range, input.options);
  if (input.kind === 'influx') return influxServices(range, input.options);
  if (input.kind === 'procfs') {
    const snapshot = await sampleDirector({ ...procfsSampling(input.dir, flags), durationMs: 0 });
    return [...(snapshot.ipvs.table?.services ?? [])];
  }
  const seen: ServiceKey[] = [];
  for (const dir of input.dirs) {
    for await (const { snapshot } of readCapture(dir)) {
      seen.push(...(snapshot.ipvs.table?.services ?? []));
      break;
    }
  }
  return seen;
}

function procfsSampling(dir: string, flags: HistoryFlags) {
  const hz = Number(flags.hz ?? '250');
  if (!(hz > 0)) throw new UsageError(`--hz: "${flags.hz}" is not a positive number`);
  return {
    procfs: dir,
    intervalMs: duration('sample', flags.sample ?? '60s'),
    durationMs: duration('duration', flags.duration ?? '10m'),
    hz,
    ...(flags.ipvsadm ? { ipvsadm: { path: flags.ipvsadm, timeoutMs: 5_000 } } : {}),
  };
}

export interface PoolHistory {
  readonly pool: Pool;
  /** How `--pool` was resolved, for the evidence. */
  readonly resolvedHow: string;
  readonly history: History;
  readonly warnings: readonly string[];
}

/** Resolves the pool, reads its history, follows the VIP across directors, notes its shape. */
export async function loadPoolHistory(
  flags: HistoryFlags,
  onProgress?: (done: number, total: number) => void,
): Promise<PoolHistory> {
  const input = historyInput(flags);
  const range = timeRange(flags);
  const pools = loadPools({
    ...(flags.pools !== undefined && { poolsFile: flags.pools }),
    ...(flags['keepalived.config'] !== undefined && { keepalivedConfig: flags['keepalived.config'] }),
    ...(flags.ipvsadmSave !== undefined && { ipvsadmSave: flags.ipvsadmSave }),
    ...(flags.pool && /^(tcp|udp|sctp|fwm6?):/.test(flags.pool) && { poolSpecs: [flags.pool] }),
  });
  if (pools.issues.length > 0) throw new UsageError(pools.issues.map((i) => formatIssue(i)).join('\n'));
  const name = flags.pool ?? 'mysql';
  const resolved = resolvePool(name, pools.value, await servicesSeen(input, flags));
  if (!resolved.ok) throw new UsageError(resolved.message);
  const query: HistoryQuery = {
    services: resolved.pool.services,
    ...range,
    ...(flags.director?.length && { directors: flags.director }),
  };
  let history: History;
  if (input.kind === 'procfs') {
    history = await sampleHistory(
      { ...procfsSampling(input.dir, flags), ...(onProgress && { onSample: onProgress }) },
      query,
    );
  } else if (input.kind === 'prometheus') {
    history = await readPrometheusHistory(query, input.options);
  } else if (input.kind === 'influx') {
    history = await readInfluxHistory(query, input.options);
  } else {
    history = await readCaptureHistory(input.dirs, query);
    if (history.directors.length > 1) history = followHistory(history);
  }
  const warnings: string[] = [];
  if (input.kind === 'capture' && input.bundled) {
    warnings.push(`no history given: reading the bundled real-kernel recording ${BUNDLED_CAPTURE}`);
  }
  return {
    pool: resolved.pool,
    resolvedHow: resolved.how,
    history: { ...history, notes: [...history.notes, ...shapeNotes(history)] },
    warnings,
  };
}
