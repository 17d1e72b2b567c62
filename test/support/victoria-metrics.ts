/**
 * A real single-node VictoriaMetrics (Debian's 1.79, /usr/bin/victoria-metrics) on 127.0.0.1 with its
 * own data folder, fed by Prometheus `remote_write` and queried over its Prometheus-compatible API.
 *
 * With its defaults VictoriaMetrics answers as of 30 s ago (`-search.latencyOffset`): an instant
 * query returns the value of 30 s before, and query_range repeats that value over its points of the
 * last 30 s; it also caches query_range results. FRESH_QUERY_FLAGS turn both off, so a sample is
 * queryable about as soon as remote_write delivers it (measured: ~0.2 s after the scrape with a
 * 200 ms batch deadline); `flush()` makes everything ingested so far searchable at once.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, installed, type Running, start, waitFor } from './process.js';
import { promApi } from './prometheus.js';

export const victoriaMetricsInstalled = installed('victoria-metrics');

/** The flags that make freshly written samples visible at once and every answer computed afresh. */
export const FRESH_QUERY_FLAGS: readonly string[] = [
  // Answer as of now, not as of 30 s ago (instant queries, and query_range's last points).
  '-search.latencyOffset=0s',
  // No rollup result cache: a query over a range still being written never returns a stale answer.
  '-search.disableCache',
];

export interface VictoriaMetrics {
  readonly url: string;
  /** The endpoint Prometheus `remote_write` sends to. */
  readonly writeUrl: string;
  readonly process: Running;
  /** `/api/v1/query`; throws with VictoriaMetrics's error when it fails. */
  query<T = unknown>(expr: string, time?: number): Promise<T>;
  /** Makes every row ingested so far searchable now (`/internal/force_flush`). */
  flush(): Promise<void>;
  stop(): Promise<number | string>;
}

/**
 * Starts VictoriaMetrics with its data in `dir`/data and waits until `/health` answers OK.
 * `flags` are added after the defaults (a later flag wins), e.g. `-search.maxPointsPerTimeseries=100`.
 */
export async function startVictoriaMetrics(
  dir: string,
  flags: readonly string[] = [],
): Promise<VictoriaMetrics> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const running = start('victoria-metrics', [
    `-httpListenAddr=127.0.0.1:${port}`,
    `-storageDataPath=${join(dir, 'data')}`,
    // The smallest retention VictoriaMetrics accepts ("cannot be smaller than a day").
    '-retentionPeriod=1d',
    '-memory.allowedBytes=256MiB',
    '-http.maxGracefulShutdownDuration=1s',
    '-loggerLevel=WARN',
    ...FRESH_QUERY_FLAGS,
    ...flags,
  ]);
  try {
    await waitFor('victoria-metrics ready', 20_000, async () => {
      if (running.child.exitCode !== null) throw new Error(`victoria-metrics exited: ${running.stderr()}`);
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).catch(
        () => undefined,
      );
      return response?.ok;
    });
  } catch (error) {
    await running.stop();
    throw error;
  }
  return {
    url,
    writeUrl: `${url}/api/v1/write`,
    process: running,
    async query<T>(expr: string, time?: number): Promise<T> {
      const answer = await promApi<T>(url, '/api/v1/query', { query: expr, ...(time ? { time } : {}) });
      if (answer.status !== 'success') throw new Error(`${expr}: ${answer.httpStatus} ${answer.error}`);
      return answer.data as T;
    },
    async flush() {
      const response = await fetch(`${url}/internal/force_flush`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`force_flush: ${response.status} ${await response.text()}`);
    },
    stop: () => running.stop(),
  };
}
