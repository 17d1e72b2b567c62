/**
 * A real InfluxDB 1.x (Debian `influxd`) for tests: its own temp dir, loopback-only HTTP and RPC
 * ports picked at runtime, started and stopped by PID. `kill()` is SIGKILL (a crash), `freeze()`
 * SIGSTOP (a hung backend that accepts connections but never answers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, installed, sleep, tempDir } from '../support/process.js';

export const influxdInstalled = installed('influxd');

export interface InfluxQueryResult {
  /** Present with GROUP BY: the series' tag values ("" for a tag the point does not have). */
  readonly tags?: Record<string, string>;
  readonly columns: string[];
  readonly values: unknown[][];
}

export class Influxd {
  private child: ChildProcess | undefined;
  private stderr = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<Influxd> {
    const dir = tempDir('influxd');
    const [http, rpc] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, 'influxdb.conf'),
      [
        'reporting-enabled = false',
        `bind-address = "127.0.0.1:${rpc}"`,
        '[meta]',
        `  dir = "${dir}/meta"`,
        '[data]',
        `  dir = "${dir}/data"`,
        `  wal-dir = "${dir}/wal"`,
        '  query-log-enabled = false',
        '[monitor]',
        '  store-enabled = false',
        '[http]',
        `  bind-address = "127.0.0.1:${http}"`,
        '  log-enabled = false',
        '[logging]',
        '  level = "warn"',
        '  suppress-logo = true',
        '[continuous_queries]',
        '  enabled = false',
        '',
      ].join('\n'),
    );
    const influxd = new Influxd(dir, http);
    await influxd.start();
    return influxd;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts (or restarts) on the same ports and data dir; resolves when /ping answers. */
  async start(): Promise<void> {
    if (this.running) return;
    this.stderr = '';
    const child = spawn('influxd', ['-config', join(this.dir, 'influxdb.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.child = child;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`influxd exited ${child.exitCode}: ${this.stderr}`);
      try {
        const response = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1_000) });
        if (response.status === 204) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`influxd not ready within 15 s: ${this.stderr}`);
  }

  private async signal(signal: NodeJS.Signals, waitExit: boolean): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    if (!waitExit) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** SIGKILL: the backend crashes mid-run. */
  kill(): Promise<void> {
    return this.signal('SIGKILL', true);
  }

  /** SIGSTOP: the backend hangs; connections are accepted by the kernel but never answered. */
  freeze(): Promise<void> {
    return this.signal('SIGSTOP', false);
  }

  thaw(): Promise<void> {
    return this.signal('SIGCONT', false);
  }

  async query(q: string, db?: string): Promise<InfluxQueryResult[]> {
    const params = new URLSearchParams({ q, epoch: 'ms', ...(db ? { db } : {}) });
    const response = await fetch(`${this.url}/query`, {
      method: 'POST',
      body: params,
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as {
      results?: { series?: InfluxQueryResult[]; error?: string }[];
      error?: string;
    };
    const error = body.error ?? body.results?.[0]?.error;
    if (!response.ok || error) throw new Error(`query "${q}" failed: ${error ?? response.status}`);
    return body.results?.[0]?.series ?? [];
  }

  /** Stops the server for good and removes its data dir. */
  async destroy(): Promise<void> {
    await this.thaw();
    await this.signal('SIGTERM', true);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
