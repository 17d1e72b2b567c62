/**
 * A pool's history from what lvscope's InfluxDB sink wrote to InfluxDB 1.x (`--influx URL
 * --influx.database DB`): measurements ipvs_service, ipvs_service_info, ipvs_destination,
 * ipvs_destination_info, ipvs_conn (service tags), ipvs_stats and ipvs_conn_top_client (the
 * director's connection table), keepalived_vrrp and keepalived_vip (who holds a VIP); tags are the
 * Prometheus label names (an empty label is a missing tag, read as ""), plus `host`, the director.
 * Times are the collection's start in ms; every field is a float (README "Name mapping").
 *
 * Queries follow /tmp/history-backends.md: one measurement per statement, `GROUP BY *` (without it
 * rows of different series interleave in no stable order), both time bounds as (start, end],
 * `epoch=ms`, and always `chunked=true` (the non-chunked answer can silently drop series at
 * `max-row-limit`), read line by line; the range is cut into windows sized by the rows measured,
 * since `max-select-point` is not a dependable guard.
 */
import { HistoryBuilder, iso } from './assemble.js';
import { type FollowOptions, followHistory } from './follow.js';
import {
  HistoryReadError,
  type HttpClientOptions,
  HttpError,
  baseUrl,
  displayUrl,
  endpoint,
  request,
  requestLines,
} from './http.js';
import type { ServiceKey } from '../../../common/ipvs/vocabulary.js';
import {
  distinctServices,
  influxAnyOf,
  influxIdent,
  influxServiceCondition,
  serviceKeyOfLabels,
} from './labels.js';
import type { History, HistoryQuery } from './model.js';
import { INFLUX_MEASUREMENTS, type InfluxMeasurement } from './schema.js';
import { type WindowStats, WindowTooLargeError, forEachWindow } from './windows.js';

export interface InfluxReaderOptions extends HttpClientOptions {
  /** Base URL (`--influx URL`), e.g. `http://127.0.0.1:8086`. */
  readonly url: string;
  /** `--influx.database`. */
  readonly database: string;
  /** Retention policy to read (default: the database's default one). */
  readonly retentionPolicy?: string;
  /** InfluxDB 1.x user and password (sent as basic auth, never in the URL). */
  readonly username?: string;
  readonly password?: string;
  /** The tag naming the director (default `host`, which the sink always writes). */
  readonly directorTag?: string;
  /** Rows one answer should hold at most, about (default 500,000). */
  readonly maxRowsPerRequest?: number;
  /** Rows per chunk of the streamed answer (default 10,000, InfluxDB's own default). */
  readonly chunkSize?: number;
  /** Longest window of one request, seconds (default 86,400). */
  readonly maxWindowSeconds?: number;
  /** Without `query.start`: how far back from the end to read (default 7 days). */
  readonly lookbackMs?: number;
  /** Without `query.end`: stop this long before now (default 60 s: the sink may still hold points). */
  readonly settleMs?: number;
  /** Keep, at each time, the director that held the VIP (follow.ts); default true. */
  readonly follow?: boolean | FollowOptions;
  readonly now?: () => number;
}

interface InfluxSeries {
  readonly name?: string;
  readonly tags?: Record<string, string>;
  readonly columns?: string[];
  readonly values?: unknown[][];
}

interface InfluxLine {
  readonly results?: { readonly series?: InfluxSeries[]; readonly error?: string }[];
  readonly error?: string;
}

/** InfluxDB errors a shorter window avoids. */
const LIMIT_ERROR = /max-select-point|max-select-buckets|timeout|timed out/i;

function shorten(text: string, max = 600): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

/**
 * The services the sink wrote (ipvs_service_info) in the range, to resolve `--pool mysql` by port
 * when no pool file names it.
 */
export async function influxServices(
  range: { readonly start?: number; readonly end?: number },
  options: InfluxReaderOptions,
): Promise<ServiceKey[]> {
  const base = baseUrl(options.url, '--influx');
  const end = range.end ?? (options.now ?? Date.now)() - (options.settleMs ?? 60_000);
  const start = range.start ?? end - (options.lookbackMs ?? 7 * 86_400_000);
  const q = `SELECT last("value") FROM ${influxIdent('ipvs_service_info')} WHERE time > ${start}ms AND time <= ${end}ms GROUP BY *`;
  const http: HttpClientOptions = {
    ...options,
    ...(options.username || options.password
      ? { basicAuth: { username: options.username ?? '', password: options.password ?? '' } }
      : {}),
  };
  const context = `InfluxDB ${displayUrl(base)} database ${options.database}: query ${q}`;
  let answer;
  try {
    answer = await request(
      {
        method: 'POST',
        url: endpoint(base, '/query', new URLSearchParams({ db: options.database })),
        form: new URLSearchParams({ q }),
      },
      http,
    );
  } catch (error) {
    throw new HistoryReadError(`cannot read ${context}: ${(error as Error).message}`);
  }
  let body: InfluxLine | undefined;
  try {
    body = JSON.parse(answer.body) as InfluxLine;
  } catch {
    body = undefined;
  }
  const error = body?.error ?? body?.results?.find((r) => r.error)?.error;
  if (answer.status !== 200 || !body || error) {
    throw new HistoryReadError(
      `${context}: HTTP ${answer.status}: ${error ?? shorten(answer.body.trim(), 300)}`,
    );
  }
  return distinctServices(
    (body.results ?? []).flatMap((r) =>
      (r.series ?? []).map((series) => serviceKeyOfLabels(series.tags ?? {})),
    ),
  );
}

/**
 * Reads the pool's history from InfluxDB 1.x. Throws HistoryReadError (URL, database and query
 * named, no credentials) when it cannot, FollowError when several directors had the pool and no
 * VRRP data says which one held the VIP.
 */
export async function readInfluxHistory(query: HistoryQuery, options: InfluxReaderOptions): Promise<History> {
  if (query.services.length === 0) throw new Error('the history query names no service');
  if (!options.database) throw new Error('--influx.database: no database given');
  const base = baseUrl(options.url, '--influx');
  const name = `InfluxDB ${displayUrl(base)} database ${options.database}`;
  const now = (options.now ?? Date.now)();
  const end = query.end ?? now - (options.settleMs ?? 60_000);
  const start = query.start ?? end - (options.lookbackMs ?? 7 * 86_400_000);
  if (!(start < end))
    throw new Error(`the history range is empty: start ${iso(start)} is not before end ${iso(end)}`);
  const directorTag = options.directorTag ?? 'host';
  const builder = new HistoryBuilder(query, (labels) => labels[directorTag] ?? '');
  const source = `influxdb ${displayUrl(base)} ${options.database}`;
  if (query.start === undefined || query.end === undefined)
    builder.note({
      kind: 'source',
      message: `range not given in full: reading ${iso(start)} to ${iso(end)}`,
    });
  const http: HttpClientOptions = {
    ...options,
    ...(options.username || options.password
      ? { basicAuth: { username: options.username ?? '', password: options.password ?? '' } }
      : {}),
  };
  const services = influxServiceCondition(query.services);
  const directors = query.directors?.length ? influxAnyOf(directorTag, query.directors) : undefined;
  const from = (measurement: string): string =>
    options.retentionPolicy
      ? `${influxIdent(options.retentionPolicy)}.${influxIdent(measurement)}`
      : influxIdent(measurement);

  const statement = (m: InfluxMeasurement, s: number, e: number): string =>
    `SELECT ${[...m.fields.keys()].map(influxIdent).join(', ')} FROM ${from(m.name)} WHERE time > ${s}ms AND time <= ${e}ms` +
    `${m.pool ? ` AND ${services}` : ''}${directors ? ` AND ${directors}` : ''} GROUP BY *`;

  const readWindow = async (m: InfluxMeasurement, s: number, e: number): Promise<number> => {
    const q = statement(m, s, e);
    const params = new URLSearchParams({
      db: options.database,
      epoch: 'ms',
      chunked: 'true',
      chunk_size: String(options.chunkSize ?? 10_000),
    });
    const context = `${name}: query ${shorten(q)}`;
    let rows = 0;
    const onLine = (text: string): void => {
      let line: InfluxLine;
      try {
        line = JSON.parse(text) as InfluxLine;
      } catch {
        throw new HistoryReadError(`${context}: an answer line is not JSON: ${shorten(text, 200)}`);
      }
      const error = line.error ?? line.results?.find((r) => r.error)?.error;
      if (error) {
        if (LIMIT_ERROR.test(error)) throw new WindowTooLargeError(`${context}: ${error}`);
        if (/max-select-series/.test(error))
          throw new HistoryReadError(
            `${context}: ${error} (the pool has more series than [coordinator] max-select-series allows)`,
          );
        throw new HistoryReadError(`${context}: ${error}`);
      }
      for (const result of line.results ?? [])
        for (const series of result.series ?? []) {
          const columns = series.columns ?? [];
          const tags = series.tags ?? {};
          const targets = columns.map((column, i) => (i === 0 ? undefined : m.fields.get(column)));
          for (const row of series.values ?? []) {
            rows++;
            const t = row[0];
            if (typeof t !== 'number' || t <= s || t > e) continue;
            for (let i = 1; i < row.length; i++) {
              const target = targets[i];
              const value = row[i];
              if (target && typeof value === 'number') builder.add(target, tags, t, value);
            }
          }
        }
    };
    let answer;
    try {
      answer = await requestLines(
        { method: 'POST', url: endpoint(base, '/query', params), form: new URLSearchParams({ q }) },
        onLine,
        http,
      );
    } catch (error) {
      if (error instanceof HttpError && error.tooMuch)
        throw new WindowTooLargeError(`${context}: ${error.message}`);
      if (error instanceof HttpError) throw new HistoryReadError(`cannot read ${context}: ${error.message}`);
      throw error;
    }
    if (answer.status < 200 || answer.status > 299) {
      let error = answer.errorBody?.trim() ?? '';
      try {
        error = (JSON.parse(error) as { error?: string }).error ?? error;
      } catch {
        // plain text
      }
      const hint = answer.status === 401 || answer.status === 403 ? ' (check the user and password)' : '';
      throw new HistoryReadError(`${context}: HTTP ${answer.status}: ${shorten(error, 300)}${hint}`);
    }
    return rows;
  };

  const stats: WindowStats = { requests: 0, items: 0, halvings: 0 };
  for (const m of INFLUX_MEASUREMENTS) {
    const one = await forEachWindow(
      start,
      end,
      {
        targetPerRequest: options.maxRowsPerRequest ?? 500_000,
        maxWindowSeconds: options.maxWindowSeconds ?? 86_400,
        initialWindowSeconds: 600,
      },
      (s, e) => readWindow(m, s, e),
    );
    stats.requests += one.requests;
    stats.items += one.items;
    stats.halvings += one.halvings;
  }
  if (builder.hasFwmServices && builder.counts.pool > 0)
    builder.note({
      kind: 'missing',
      message:
        'connection-table states of firewall-mark services are not read: the kernel files their ' +
        "connections under the packets' own address, not the mark (templates are read)",
    });
  builder.note({
    kind: 'source',
    message:
      `${source}: ${stats.requests} requests, ${stats.items} rows between ${iso(start)} and ${iso(end)}` +
      (stats.halvings > 0 ? `, ${stats.halvings} windows halved after a server limit` : ''),
  });
  const history = builder.build(source, { start, end });
  if (options.follow === false) return history;
  return followHistory(history, typeof options.follow === 'object' ? options.follow : {});
}
