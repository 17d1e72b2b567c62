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
