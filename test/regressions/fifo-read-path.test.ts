/**
 * Issue 12 §4: a FIFO (whose open() blocks until a writer appears) at a path the exporter reads.
 * Before the fix each scrape left one of libuv's four threadpool threads stuck in open(): from
 * the 4th scrape every file source was down, SIGTERM no longer stopped the process and `--once`
 * never exited. The real exporter, real FIFOs (mkfifo), loopback port 19401.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, unlinkSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPORTER, T1, find, parseExposition } from '../exporter/helpers.js';
import { run, start, tempDir, waitFor } from '../support/process.js';

const PORT = 19401;
const dir = tempDir('fz-fifo');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the 6.1 capture whose net/ip_vs is a FIFO nobody writes to. */
function procfsWithFifo(): string {
  const root = join(dir, 'procfs');
  cpSync(T1, root, { recursive: true });
  unlinkSync(join(root, 'net/ip_vs'));
  execFileSync('mkfifo', [join(root, 'net/ip_vs')], { timeout: 5000 });
  return root;
}

const procfs = procfsWithFifo();
const jsonFifo = join(dir, 'keepalived.json');
execFileSync('mkfifo', [jsonFifo], { timeout: 5000 });

const args = [
  `--path.procfs=${procfs}`,
  '--no-collector.ipvs.ipvsadm',
  `--keepalived.json-file=${jsonFifo}`,
  '--keepalived.signal-timeout=0.3',
  '--collector.timeout=1',
];

/** GET /metrics on a connection of its own (no keep-alive: SIGTERM is tested without clients). */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet({ host: '127.0.0.1', port: PORT, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    request.on('error', reject);
  });
}

async function scrape(): Promise<Map<string, number>> {
  const response = await get('/metrics');
  expect(response.status).toBe(200);
  const { samples } = parseExposition(response.body);
  const up = new Map<string, number>();
  for (const s of samples) if (s.name === 'lvscope_source_up') up.set(s.labels.source ?? '', s.value);
  expect(find(samples, 'lvscope_source_up', { source: 'ip_vs_stats' })).toBeDefined();
  return up;
}

describe('a FIFO at a read path', () => {
  it('fails only its own source on every scrape; the others stay up; SIGTERM stops the exporter', async () => {
    const exporter = start(process.execPath, [EXPORTER, `--web.listen-address=127.0.0.1:${PORT}`, ...args]);
    try {
      await waitFor('lvs-exporter to listen', 15_000, () => {
        if (exporter.child.exitCode !== null) throw new Error(`exited: ${exporter.stderr()}`);
        return exporter.stderr().includes('msg=listening');
      });
      for (let i = 1; i <= 8; i++) {
        const up = await scrape();
        expect(up.get('ip_vs'), `scrape ${i}`).toBe(0);
        expect(up.get('keepalived_json:keepalived'), `scrape ${i}`).toBe(0);
        expect(up.get('ip_vs_stats'), `scrape ${i}`).toBe(1);
        expect(up.get('ip_vs_stats_percpu'), `scrape ${i}`).toBe(1);
      }
      // The reason names the path and what it is.
      expect(exporter.stderr()).toContain(`${join(procfs, 'net/ip_vs')}: is a FIFO, not a regular file`);
      expect(exporter.stderr()).toContain(`${jsonFifo}: is a FIFO, not a regular file`);
    } finally {
      const started = Date.now();
      const code = await exporter.stop();
      // stop() sends SIGKILL after 5 s: the exporter must have left on SIGTERM alone.
      expect(code).not.toBe('SIGKILL');
      expect(Date.now() - started).toBeLessThan(5000);
    }
  }, 60_000);

  it('--once exits with the FIFO source down and the rest collected', async () => {
    const { code, stdout } = await run(process.execPath, [EXPORTER, '--once', ...args], {
      timeoutMs: 15_000,
    });
    expect(code).not.toBe('SIGKILL');
    const { samples } = parseExposition(stdout);
    expect(find(samples, 'lvscope_source_up', { source: 'ip_vs' })?.value).toBe(0);
    expect(find(samples, 'lvscope_source_up', { source: 'ip_vs_stats' })?.value).toBe(1);
  }, 30_000);
});
