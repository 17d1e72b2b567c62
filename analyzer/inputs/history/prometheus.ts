/**
 * A pool's history from the Prometheus HTTP API: Prometheus itself or VictoriaMetrics (its
 * Prometheus-compatible API, e.g. fed by remote_write), one code path and the same answers.
 *
 * Only raw samples are read (`/api/v1/query` of `selector[Ns]` at `time=`), never query_range or
 * rate(): the servers differ there (VictoriaMetrics does not extrapolate, answers query_range as of
 * 30 s ago by default), while their raw samples are the same once normalised
 * (/tmp/history-backends.md, checked by test/history/backends.test.ts):
 *   - series are keyed by their labels as a set (VictoriaMetrics does not sort them);
 *   - each window is (start, end]: Prometheus 2.x also returns a sample at exactly end - range;
 *   - windows are whole seconds, `time` has 3 decimals (both read those exactly);
 *   - values are parsed as numbers (`1e+21` vs `1000000000000000000000`), -0 is 0, and NaN is
 *     dropped: VictoriaMetrics returns Prometheus's staleness markers as NaN samples (Prometheus
 *     hides them), and Prometheus keeps a real NaN that VictoriaMetrics never stored.
 *
 * Selection: lvscope's families with the pool's service labels (`proto`, `local_address`,
 * `local_port`, `local_mark`), the director-wide connection-table families, and the keepalived
 * families that say who holds a VIP; the director of a series is its `instance` label. When the
 * store has none of lvscope's IPVS families for the pool, node_exporter's `node_ipvs_backend_*`
 * are read instead, with a 'fallback' note saying what they lack.
 */
import { type ServiceKey, serviceText } from '../../../common/ipvs/vocabulary.js';
import { iso, HistoryBuilder } from './assemble.js';
import { type FollowOptions, followHistory } from './follow.js';
import {
  HistoryReadError,
  type HttpClientOptions,
  HttpError,
  baseUrl,
  displayUrl,
  endpoint,
  request,
} from './http.js';
import {
  type Labels,
  distinctServices,
  promMatcher,
  promServiceMatchers,
  serviceKeyOfLabels,
} from './labels.js';
import type { History, HistoryQuery } from './model.js';
import {
  DIRECTOR_FAMILIES,
  NODE_FALLBACK_MISSING,
  NODE_FAMILIES,
  POOL_FAMILIES,
  type Target,
  VRRP_FAMILIES,
} from './schema.js';
export { HistoryReadError } from './http.js';
import { type WindowStats, WindowTooLargeError, forEachWindow } from './windows.js';

export interface PrometheusReaderOptions extends HttpClientOptions {
  /** Base URL of the API (`--prometheus URL`), e.g. `http://127.0.0.1:9090`, or a VictoriaMetrics. */
  readonly url: string;
  /** The label naming the director (default `instance`). */
  readonly directorLabel?: string;
  /** Samples one answer should hold at most, about (default 500,000). */
  readonly maxSamplesPerRequest?: number;
  /** Longest window of one request, seconds (default 86,400). */
  readonly maxWindowSeconds?: number;
  /** Without `query.start`: how far back from the end to read (default 7 days). */
  readonly lookbackMs?: number;
  /**
   * Without `query.end`: stop this long before now (default 60 s), since remote_write delivers
   * late (5 s batches by default) and the newest samples may not be in every store yet.
   */
  readonly settleMs?: number;
  /** Keep, at each time, the director that held the VIP (follow.ts); default true. */
  readonly follow?: boolean | FollowOptions;
  /** The clock (tests). */
  readonly now?: () => number;
}

interface ApiBody<T> {
  readonly status?: string;
  readonly data?: T;
  readonly errorType?: string;
  readonly error?: string;
}

interface MatrixSeries {
  readonly metric: Record<string, string>;
  readonly values: readonly [number, string][];
}

/**
 * Errors about a request's samples or time, which a shorter window avoids (Prometheus 422
 * `too many samples`, 503 `query timed out`; VictoriaMetrics 422 `cannot select more than
 * -search.maxSamplesPerQuery`, `too many points`, `timeout exceeded`). A series-count limit
 * (VictoriaMetrics `-search.maxSeries`) is not one of them: it fails at once, naming the flag.
 */
const LIMIT_ERROR = /too many (samples|points)|cannot select more than|timed out|timeout exceeded/i;

/** A sample value as either server prints it; NaN for staleness markers and real NaNs. */
export function sampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const value = Number(text);
  return value === 0 ? 0 : value;
}

const seconds3 = (ms: number): string => (ms / 1000).toFixed(3);

function shorten(text: string, max = 600): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

class PromClient {
  readonly base: URL;
  readonly name: string;

  constructor(private readonly options: PrometheusReaderOptions) {
    this.base = baseUrl(options.url, '--prometheus');
    this.name = `Prometheus API ${displayUrl(this.base)}`;
  }

  /** One API call; the answer's `data`, or an error naming the URL and the query. */
  async call<T>(path: string, params: URLSearchParams, what: string): Promise<T> {
    const url = endpoint(this.base, path, params);
    // Long selectors (many services) go in a form body: both servers take POST on these paths.
    const long = url.toString().length > 4000;
    const req = long
      ? { method: 'POST' as const, url: endpoint(this.base, path), form: params }
      : { method: 'GET' as const, url };
    const context = `${this.name}${path}: ${what}`;
    let answer;
    try {
      answer = await request(req, this.options);
    } catch (error) {
      if (error instanceof HttpError && error.tooMuch)
        throw new WindowTooLargeError(`${context}: ${error.message}`);
      throw new HistoryReadError(`cannot read ${context}: ${(error as Error).message}`);
    }
    let body: ApiBody<T> | undefined;
    try {
      body = JSON.parse(answer.body) as ApiBody<T>;
    } catch {
      body = undefined;
    }
    if (answer.status === 200 && body?.status === 'success' && body.data !== undefined) return body.data;
    const error = body?.error ?? shorten(answer.body.trim(), 300);
    const text = `${context}: HTTP ${answer.status}${body?.errorType ? ` ${body.errorType}` : ''}: ${error}`;
    if ((answer.status === 422 || answer.status === 503) && LIMIT_ERROR.test(error))
      throw new WindowTooLargeError(text);
    if (answer.status === 401 || answer.status === 403)
      throw new HistoryReadError(`${text} (check the bearer token or basic auth credentials)`);
    if (answer.status === 200 && !body)
      throw new HistoryReadError(
        `${context}: the answer is not JSON (is ${displayUrl(this.base)} a Prometheus API?)`,
      );
    throw new HistoryReadError(text);
  }

  /** Metric names the store may have in the range (a superset: both servers answer coarsely). */
  async names(startMs: number, endMs: number): Promise<Set<string>> {
    const params = new URLSearchParams({ start: seconds3(startMs), end: seconds3(endMs) });
    const families = [
      ...POOL_FAMILIES.keys(),
      ...DIRECTOR_FAMILIES.keys(),
      ...VRRP_FAMILIES.keys(),
      ...NODE_FAMILIES.keys(),
    ];
    params.append('match[]', `{${promMatcher('__name__', families)}}`);
    const names = await this.call<string[]>('/api/v1/label/__name__/values', params, 'metric names');
    return new Set(Array.isArray(names) ? names : []);
  }

  /**
   * Raw samples of `selector` in (startMs, endMs], each given to `onSample`; returns the samples
   * the answer held (before the (start, end] filter), for sizing the next window.
   */
  async raw(
    selector: string,
    startMs: number,
    endMs: number,
    seconds: number,
    onSample: (name: string, labels: Labels, t: number, value: number) => void,
  ): Promise<number> {
    const expr = `${selector}[${seconds}s]`;
    const params = new URLSearchParams({ query: expr, time: seconds3(endMs) });
    const timeoutMs = this.options.timeoutMs;
    if (timeoutMs) params.set('timeout', `${Math.max(1, Math.floor(timeoutMs / 1000))}s`);
    const data = await this.call<{ resultType?: string; result?: MatrixSeries[] }>(
      '/api/v1/query',
      params,
      `query ${shorten(expr)} at time=${seconds3(endMs)}`,
    );
    if (data.resultType !== 'matrix' || !Array.isArray(data.result))
      throw new HistoryReadError(
        `${this.name}/api/v1/query: expected a matrix for ${shorten(expr)}, got ${String(data.resultType)}`,
      );
    let total = 0;
    for (const series of data.result) {
      const name = series.metric.__name__ ?? '';
      for (const [ts, text] of series.values) {
        total++;
        const t = Math.round(ts * 1000);
        if (t <= startMs || t > endMs) continue;
        const value = sampleValue(text);
        if (Number.isNaN(value)) continue;
        onSample(name, series.metric, t, value);
      }
    }
    return total;
  }
}

/**
 * The services a store holds (lvscope's ipvs_service_info, else node_exporter's backend series)
 * in the range, to resolve `--pool mysql` by port when no pool file names it.
 */
export async function prometheusServices(
  range: { readonly start?: number; readonly end?: number },
  options: PrometheusReaderOptions,
): Promise<ServiceKey[]> {
  const client = new PromClient(options);
  const end = range.end ?? (options.now ?? Date.now)() - (options.settleMs ?? 60_000);
  const start = range.start ?? end - (options.lookbackMs ?? 7 * 86_400_000);
  const params = new URLSearchParams({ start: (start / 1000).toFixed(3), end: (end / 1000).toFixed(3) });
  params.append('match[]', 'ipvs_service_info');
  params.append('match[]', 'node_ipvs_backend_weight');
  const series = await client.call<Record<string, string>[]>('/api/v1/series', params, 'the services stored');
  return distinctServices(series.map(serviceKeyOfLabels));
}

/**
 * Reads the pool's history (query.services, query.start/end, query.directors) from a Prometheus
 * or VictoriaMetrics API. Throws HistoryReadError (URL and query named, no credentials) when the
 * store cannot be read, and FollowError when several directors had the pool and no VRRP data says
 * which one held the VIP.
 */
export async function readPrometheusHistory(
  query: HistoryQuery,
  options: PrometheusReaderOptions,
): Promise<History> {
  if (query.services.length === 0) throw new Error('the history query names no service');
  const client = new PromClient(options);
  const now = (options.now ?? Date.now)();
  const end = query.end ?? now - (options.settleMs ?? 60_000);
  const start = query.start ?? end - (options.lookbackMs ?? 7 * 86_400_000);
  if (!(start < end))
    throw new Error(`the history range is empty: start ${iso(start)} is not before end ${iso(end)}`);
  const directorLabel = options.directorLabel ?? 'instance';
  const builder = new HistoryBuilder(query, (labels) => labels[directorLabel] ?? '');
  const source = `prometheus ${displayUrl(client.base)}`;
  if (query.start === undefined || query.end === undefined)
    builder.note({
      kind: 'source',
      message: `range not given in full: reading ${iso(start)} to ${iso(end)}`,
    });

  const names = await client.names(start, end);
  const present = (families: ReadonlyMap<string, Target>): string[] =>
    [...families.keys()].filter((name) => names.has(name));
  const directorMatchers = query.directors?.length ? [promMatcher(directorLabel, query.directors)] : [];
  const windowOptions = {
    targetPerRequest: options.maxSamplesPerRequest ?? 500_000,
    maxWindowSeconds: options.maxWindowSeconds ?? 86_400,
    initialWindowSeconds: 600,
  };
  const stats: WindowStats = { requests: 0, items: 0, halvings: 0 };
  const read = async (families: ReadonlyMap<string, Target>, matchers: readonly string[]): Promise<void> => {
    const list = present(families);
    if (list.length === 0) return;
    const selector = `{${[promMatcher('__name__', list), ...matchers, ...directorMatchers].join(',')}}`;
    const one = await forEachWindow(start, end, windowOptions, (s, e, seconds) =>
      client.raw(selector, s, e, seconds, (name, labels, t, value) => {
        const target = families.get(name);
        if (target) builder.add(target, labels, t, value);
      }),
    );
    stats.requests += one.requests;
    stats.items += one.items;
    stats.halvings += one.halvings;
  };

  const serviceMatchers = promServiceMatchers(query.services);
  await read(POOL_FAMILIES, serviceMatchers);
  let fallback = false;
  if (builder.counts.pool === 0 && present(NODE_FAMILIES).length > 0) {
    await read(NODE_FAMILIES, serviceMatchers);
    if (builder.counts.pool > 0) {
      fallback = true;
      builder.note({
        kind: 'fallback',
        message:
          `the store has none of lvscope's ipvs_* families for ${query.services.map(serviceText).join(', ')} ` +
          `between ${iso(start)} and ${iso(end)}: read node_exporter's node_ipvs_backend_* instead ` +
          `(weight, active and inactive connections per real server); missing: ${NODE_FALLBACK_MISSING}`,
      });
    }
  }
  if (!fallback) await read(DIRECTOR_FAMILIES, []);
  await read(VRRP_FAMILIES, []);
  if (builder.hasFwmServices && !fallback && builder.counts.pool > 0)
    builder.note({
      kind: 'missing',
      message:
        'connection-table states of firewall-mark services are not read: the kernel files their ' +
        "connections under the packets' own address, not the mark (templates are read)",
    });
  builder.note({
    kind: 'source',
    message:
      `${source}: ${stats.requests} requests, ${stats.items} raw samples between ${iso(start)} and ${iso(end)}` +
      (stats.halvings > 0 ? `, ${stats.halvings} windows halved after a server limit` : ''),
  });
  const history = builder.build(source, { start, end });
  if (options.follow === false) return history;
  return followHistory(history, typeof options.follow === 'object' ? options.follow : {});
}
