/** A real Prometheus on 127.0.0.1 with its own config and data folder, queried over its HTTP API. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Running, start, waitFor } from './process.js';

export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface Alert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
}

export interface Prometheus {
  readonly url: string;
  readonly process: Running;
  /** An instant PromQL query; throws with Prometheus's error when it fails. */
  query(expr: string): Promise<VectorSample[]>;
  alerts(): Promise<Alert[]>;
  stop(): Promise<number | string>;
}

/** Writes `config` (prometheus.yml text) into `dir`, starts Prometheus there and waits until ready. */
export async function startPrometheus(dir: string, config: string): Promise<Prometheus> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const running = start('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  try {
    await waitFor('prometheus ready', 20_000, async () => {
      if (running.child.exitCode !== null) throw new Error(`prometheus exited: ${running.stderr()}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
    });
  } catch (error) {
    await running.stop();
    throw error;
  }
  return {
    url,
    process: running,
    query: async (expr) =>
      (await api<{ result: VectorSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts: async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts,
    stop: () => running.stop(),
  };
}

/** An answer of the Prometheus HTTP API (`/api/v1/...`) as Prometheus or VictoriaMetrics sends it. */
export interface ApiAnswer<T> {
  readonly httpStatus: number;
  readonly status: 'success' | 'error';
  readonly data?: T;
  readonly errorType?: string;
  readonly error?: string;
}

/**
 * GETs `path` with `params` (an array repeats the key, as `match[]` needs) from a Prometheus-compatible
 * API at `url` and returns the answer whatever its status, so tests can look at the limits' errors too.
 */
export async function promApi<T>(
  url: string,
  path: string,
  params: Record<string, string | number | readonly string[]> = {},
  timeoutMs = 10_000,
): Promise<ApiAnswer<T>> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : [value]) query.append(key, String(one));
  }
  const response = await fetch(`${url}${path}?${query.toString()}`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  try {
    return { ...(JSON.parse(text) as Omit<ApiAnswer<T>, 'httpStatus'>), httpStatus: response.status };
  } catch {
    // VictoriaMetrics answers some errors (a bad flag value, a missing route) as plain text.
    return { httpStatus: response.status, status: 'error', error: text.trim() };
  }
}

/** A raw sample as the API returns it: [unix seconds with ms precision, value text]. */
export type RawSample = [number, string];

export interface MatrixSeries {
  readonly metric: Record<string, string>;
  readonly values: RawSample[];
}

/**
 * The `remote_write:` section of prometheus.yml sending every sample to `writeUrl` (e.g.
 * VictoriaMetrics's `/api/v1/write`), append it to a config that has `global:` and `scrape_configs:`.
 * Batches leave after `batchSendDeadline` (Prometheus's default is 5s) so tests need not wait long.
 */
export function remoteWriteConfig(writeUrl: string, options: { batchSendDeadline?: string } = {}): string {
  return [
    'remote_write:',
    `  - url: '${writeUrl}'`,
    '    remote_timeout: 5s',
    '    queue_config:',
    `      batch_send_deadline: ${options.batchSendDeadline ?? '200ms'}`,
    '      min_backoff: 50ms',
    '      max_backoff: 1s',
    '    metadata_config:',
    '      send: false',
    '',
  ].join('\n');
}
