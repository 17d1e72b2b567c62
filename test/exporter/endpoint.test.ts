/**
 * The HTTP endpoint of a running lvs-exporter: routes, gzip, one shared collection and one
 * streamed rendering for concurrent scrapes, a malformed line counted and skipped, a missing
 * ip_vs, and a clean SIGTERM.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDirector } from '../../bench/scrape/generate.js';
import { tempDir } from '../support/process.js';
import { IPVSADM_FIXTURES, REPLAY, T1, byName, find, parseExposition, startExporter } from './helpers.js';

const dirs: string[] = [];
const stoppers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.all(stoppers.map((stop) => stop()));
  dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

async function exporter(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const running = await startExporter(args, env);
  stoppers.push(() => running.stop());
  return running;
}

describe('HTTP endpoint', () => {
  it('serves the landing page, health, metrics on a custom path, and 404/405 elsewhere', async () => {
    const { url } = await exporter([
      `--path.procfs=${T1}`,
      '--no-collector.ipvs.ipvsadm',
      '--web.telemetry-path=/ipvs',
    ]);
    const landing = await fetch(`${url}/`);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await landing.text()).toContain('<a href="/ipvs">/ipvs</a>');
    const healthy = await fetch(`${url}/-/healthy`);
    expect([healthy.status, await healthy.text()]).toEqual([200, 'Healthy\n']);
    const metrics = await fetch(`${url}/ipvs`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(byName(parseExposition(await metrics.text()).samples, 'node_ipvs_backend_weight')).toHaveLength(
      94,
    );
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    expect((await fetch(`${url}/ipvs`, { method: 'POST' })).status).toBe(405);
  });

  it('compresses for clients that accept gzip', async () => {
    const { url } = await exporter([`--path.procfs=${T1}`, '--no-collector.ipvs.ipvsadm']);
    const body = await new Promise<{ encoding: string | undefined; data: Buffer }>((resolve, reject) => {
      request(`${url}/metrics`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ encoding: res.headers['content-encoding'], data: Buffer.concat(chunks) }),
        );
      })
        .on('error', reject)
        .end();
    });
    expect(body.encoding).toBe('gzip');
    expect(gunzipSync(body.data).toString()).toContain('node_ipvs_backend_weight{');
  });

  it('concurrent scrapes share one collection and one rendering; later scrapes collect afresh', async () => {
    const dir = tempDir('singleflight');
    dirs.push(dir);
    const log = join(dir, 'ipvsadm.log');
    writeFileSync(log, '');
    const { url } = await exporter([`--path.procfs=${T1}`, `--ipvsadm.path=${REPLAY}`], {
      IPVSADM_REPLAY_DIR: join(IPVSADM_FIXTURES, 'kernel-6.1-t1'),
      IPVSADM_REPLAY_LOG: log,
      IPVSADM_REPLAY_DELAY: '1',
    });
    const started = Date.now();
    const scrape = () => fetch(`${url}/metrics`).then((r) => r.text());
    const pending = Array.from({ length: 6 }, scrape);
    // The endpoint stays responsive while the collection waits on ipvsadm.
    const health = await fetch(`${url}/-/healthy`);
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(900);
    const bodies = await Promise.all(pending);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(new Set(bodies).size).toBe(1);
    expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual([
      '-Ln --persistent-conn --nosort',
      '-Ln --rate --exact --nosort',
      '-Ln --stats --exact --nosort',
      '-Ln --thresholds --nosort',
    ]);
    await scrape();
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(8);
  });

  it('streams a big exposition to concurrent scrapes; one hanging up mid-stream does not disturb the other', async () => {
    const dir = tempDir('big');
    dirs.push(dir);
    await writeDirector(dir, { services: 3000, destinationsPerService: 4 }, 10);
    const { url } = await exporter([`--path.procfs=${dir}`, '--no-collector.ipvs.ipvsadm']);
    const quitter = new Promise<number>((resolve, reject) => {
      const req = request(`${url}/metrics`, (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          req.destroy();
          resolve(received);
        });
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.end();
    });
    const full = fetch(`${url}/metrics`).then((r) => r.text());
    const [partial, body] = await Promise.all([quitter, full]);
    expect(partial).toBeLessThan(body.length);
    const { samples } = parseExposition(body);
    expect(byName(samples, 'node_ipvs_backend_weight')).toHaveLength(12_000);
    expect(byName(samples, 'ipvs_destination_info')).toHaveLength(12_000);
    // The exporter is still fine afterwards.
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });

  it('counts a malformed line, skips it, keeps every other series, and accumulates the count', async () => {
    const dir = tempDir('malformed');
    dirs.push(dir);
    mkdirSync(join(dir, 'net'));
    const lines = readFileSync(join(T1, 'net/ip_vs'), 'latin1').split('\n');
    lines[5] = '  -> C6120302:0050      Masq    x      0          3         ';
    writeFileSync(join(dir, 'net/ip_vs'), lines.join('\n'));
    copyFileSync(join(T1, 'net/ip_vs_stats'), join(dir, 'net/ip_vs_stats'));
    const running = await exporter([`--path.procfs=${dir}`, '--no-collector.ipvs.ipvsadm']);
    const scrape = async () => parseExposition(await (await fetch(`${running.url}/metrics`)).text()).samples;
    const first = await scrape();
    expect(find(first, 'lvscope_source_up', { source: 'ip_vs' })?.value).toBe(1);
    expect(find(first, 'lvscope_source_parse_errors_total', { source: 'ip_vs' })?.value).toBe(1);
    expect(byName(first, 'node_ipvs_backend_weight')).toHaveLength(93);
    expect(byName(first, 'ipvs_destination_weight')).toHaveLength(93);
    const second = await scrape();
    expect(find(second, 'lvscope_source_parse_errors_total', { source: 'ip_vs' })?.value).toBe(2);
    expect(running.stderr()).toMatch(
      /level=warn msg="skipped unparsable input" source=ip_vs count=1 first=".*ip_vs:6: Weight: expected an integer, got \\"x\\""/,
    );
  });

  it('keeps serving when ip_vs is not loaded (sources down, exporter up)', async () => {
    const dir = tempDir('empty');
    dirs.push(dir);
    mkdirSync(join(dir, 'net'));
    const { url } = await exporter([`--path.procfs=${dir}`, '--no-collector.ipvs.ipvsadm']);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    const { samples } = parseExposition(await response.text());
    expect(find(samples, 'lvscope_source_up', { source: 'ip_vs' })?.value).toBe(0);
    expect(find(samples, 'lvscope_build_info', {})?.value).toBe(1);
  });

  it('stops cleanly on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const running = await startExporter([`--path.procfs=${T1}`, '--no-collector.ipvs.ipvsadm']);
      running.child.kill(signal);
      expect(await running.exited).toBe(0);
      expect(running.stderr()).toContain(`msg=stopping signal=${signal}`);
    }
  });
});
