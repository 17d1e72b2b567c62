/**
 * bench/scrape: lvs-exporter against node_exporter on the same big synthetic director, in one run.
 *
 *   npm run bench:scrape -- [--services 10000] [--destinations 4] [--conn-lines 1000000] [--rounds 7]
 *
 * 1. Writes a tree: /proc/net/ip_vs with services × destinations (10,000 × 4 = 50,000 lines),
 *    ip_vs_stats(_percpu), a ip_vs_conn of --conn-lines, and the four ipvsadm listings.
 * 2. Starts Debian's prometheus-node-exporter (ipvs collector only) and three lvs-exporters on
 *    127.0.0.1: node_ipvs_* families only; all /proc families; all families with the ipvsadm
 *    listings replayed. Scrapes them in interleaved rounds (no gzip) and prints medians and the
 *    ratio of each to node_exporter, with what each side emits.
 * 3. Summarises ip_vs_conn in fresh child processes: time and peak RSS.
 * 4. Renders the same families three ways through prom-client, to show the chosen path.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { MetricFamily } from '../../common/metrics/family.js';
import { ipvsFamilies } from '../../exporter/ipvs/families.js';
import {
  NODE_BACKEND_LABELS,
  nodeBackendFamilies,
  nodeTotalsFamilies,
} from '../../exporter/ipvs/node-compat.js';
import { parseIpVs } from '../../common/ipvs/parse-ip-vs.js';
import { parseIpVsStats } from '../../common/ipvs/parse-ip-vs-stats.js';
import { renderExposition } from '../../exporter/outputs/prometheus/render.js';
import { writeDirector } from './generate.js';
import { renderWithPromClientMetrics, renderWithUnsharedLabels } from './render-variants.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const EXPORTER = join(ROOT, 'dist/exporter/main.js');
const CONN_WORKER = join(ROOT, 'dist/bench/scrape/conn-worker.js');
const REPLAY = join(ROOT, 'test/exporter/ipvsadm-replay.sh');
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
/** USER_HZ, the unit of /proc/PID/stat times; 100 on every Linux architecture in use. */
const CLOCK_TICKS = 100;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} wants a positive number`);
  return value;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** GET the whole body (no compression); resolves with milliseconds and the body. */
function scrape(url: string): Promise<{ ms: number; body: string }> {
  return new Promise((resolveScrape, reject) => {
    const started = performance.now();
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        res.statusCode === 200
          ? resolveScrape({ ms: performance.now() - started, body })
          : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
      );
    })
      .on('error', reject)
      .end();
  });
}

interface Target {
  readonly name: string;
  readonly emits: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly times: number[];
  /** CPU time (user + system) the process spent over the measured rounds, ms. */
  cpuMs: number;
  samples: number;
  bytes: number;
}

/** CPU time a process has used so far (utime + stime from /proc/PID/stat), in ms. */
function cpuMsOf(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

async function waitUntilUp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    const ok = await scrape(url.replace(/\/metrics$/, '/')).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** Every process the bench started, stopped by PID on exit or on Ctrl-C, and its tree. */
const children = new Set<ChildProcess>();
let benchDir: string | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGTERM');
    if (benchDir) rmSync(benchDir, { recursive: true, force: true });
    process.exit(130);
  });
}

async function startTarget(
  name: string,
  emits: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Target> {
  const port = await freePort();
  const child = spawn(command, [...args, `--web.listen-address=127.0.0.1:${port}`], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitUntilUp(url, child);
  return { name, emits, url, child, times: [], cpuMs: 0, samples: 0, bytes: 0 };
}

/** Peak resident memory of a running process (VmHWM), in MB. */
function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

const fmt = (value: number, digits = 0) => value.toFixed(digits);

async function compareScrapes(dir: string, rounds: number): Promise<void> {
  if (!existsSync(NODE_EXPORTER)) {
    console.log(`\nscrape comparison skipped: ${NODE_EXPORTER} is not installed`);
    return;
  }
  const ours = (extra: string[]) => [
    '--path.procfs',
    dir,
    '--log.level=error',
    '--collector.timeout=120',
    ...extra,
  ];
  const targets = [
    await startTarget('node_exporter 1.5', 'node_ipvs_* (+ its own go_/process_ metrics)', NODE_EXPORTER, [
      `--path.procfs=${dir}`,
      '--collector.disable-defaults',
      '--collector.ipvs',
    ]),
    await startTarget(
      'lvs-exporter, node-compatible',
      'node_ipvs_* + lvscope_* self-metrics',
      process.execPath,
      [EXPORTER, ...ours(['--no-collector.ipvs.native', '--no-collector.ipvs.ipvsadm'])],
    ),
    await startTarget(
      'lvs-exporter, all /proc families',
      'node_ipvs_* + ipvs_* from /proc + self',
      process.execPath,
      [EXPORTER, ...ours(['--no-collector.ipvs.ipvsadm'])],
    ),
    await startTarget(
      'lvs-exporter, all incl. ipvsadm',
      '... + per-service/destination stats, rates, thresholds (4 replayed ipvsadm listings)',
      process.execPath,
      [EXPORTER, ...ours([`--ipvsadm.path=${REPLAY}`, '--ipvsadm.timeout=60'])],
      { IPVSADM_REPLAY_DIR: join(dir, 'ipvsadm') },
    ),
  ];
  try {
    for (const target of targets) {
      const { body } = await scrape(target.url); // warm-up (JIT, page cache)
      target.samples = body.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
      target.bytes = body.length;
    }
    const cpuBefore = targets.map((target) => cpuMsOf(target.child.pid));
    for (let round = 0; round < rounds; round++) {
      for (const target of targets) target.times.push((await scrape(target.url)).ms);
    }
    targets.forEach((target, i) => (target.cpuMs = cpuMsOf(target.child.pid) - cpuBefore[i]!));
    const reference = median(targets[0]!.times);
    const referenceCpu = targets[0]!.cpuMs / rounds;
    console.log(
      `\nscrape, ${rounds} interleaved rounds after one warm-up; wall = median ms to the last byte,`,
    );
    console.log('cpu = CPU ms the exporter process used per scrape; ratios = ours / node_exporter');
    console.log(
      'target                              wall    min    max  ratio    cpu  ratio  samples    MB  peak RSS MB  emits',
    );
    for (const target of targets) {
      const m = median(target.times);
      const cpu = target.cpuMs / rounds;
      console.log(
        [
          target.name.padEnd(34),
          fmt(m).padStart(5),
          fmt(Math.min(...target.times)).padStart(6),
          fmt(Math.max(...target.times)).padStart(6),
          fmt(m / reference, 2).padStart(6),
          fmt(cpu).padStart(6),
          fmt(cpu / referenceCpu, 2).padStart(6),
          String(target.samples).padStart(8),
          fmt(target.bytes / 1e6, 1).padStart(5),
          fmt(peakRssMb(target.child.pid), 0).padStart(12),
          ` ${target.emits}`,
        ].join(' '),
      );
    }
  } finally {
    for (const target of targets) target.child.kill('SIGTERM');
  }
}

async function connSummary(dir: string, runs: number): Promise<void> {
  const exec = promisify(execFile);
  const baseline = await exec(process.execPath, ['-e', 'console.log(process.resourceUsage().maxRSS)'], {
    timeout: 30_000,
  });
  console.log(
    `\nip_vs_conn summary in a fresh process per run (bare node process peak RSS: ${fmt(Number(baseline.stdout) / 1024)} MB)`,
  );
  console.log('top clients  median ms    min ms  median cpu ms  peak RSS MB  entries  series');
  for (const topClients of [0, 10]) {
    const results: { ms: number; cpuMs: number; maxRssKb: number; entries: number; series: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const { stdout } = await exec(process.execPath, [CONN_WORKER, dir, String(topClients)], {
        maxBuffer: 1 << 20,
        timeout: 120_000,
      });
      results.push(JSON.parse(stdout) as (typeof results)[number]);
    }
    console.log(
      [
        String(topClients).padStart(11),
        fmt(median(results.map((r) => r.ms))).padStart(10),
        fmt(Math.min(...results.map((r) => r.ms))).padStart(9),
        fmt(median(results.map((r) => r.cpuMs))).padStart(14),
        fmt(Math.max(...results.map((r) => r.maxRssKb)) / 1024).padStart(12),
        String(results[0]!.entries).padStart(8),
        String(results[0]!.series).padStart(7),
      ].join(' '),
    );
  }
}

/** CPU ms of each renderer over `runs` rounds, alternating the order so none always goes first. */
async function renderCpu(
  families: readonly MetricFamily[],
  variants: readonly (readonly [string, (f: readonly MetricFamily[]) => Promise<string>])[],
  runs: number,
): Promise<{ times: number[][]; identical: boolean }> {
  const times = variants.map(() => [] as number[]);
  const outputs = new Set<string>();
  for (let run = 0; run < runs; run++) {
    const order = variants.map((_, i) => i);
    if (run % 2) order.reverse();
    for (const index of order) {
      const started = process.cpuUsage();
      const text = await variants[index]![1](families);
      const used = process.cpuUsage(started);
      times[index]!.push((used.user + used.system) / 1000);
      if (run === 0) outputs.add(text.split('\n').sort().join('\n'));
    }
  }
  return { times, identical: outputs.size === 1 };
}

async function compareRendering(dir: string, runs: number): Promise<void> {
  const table = parseIpVs(readFileSync(join(dir, 'net/ip_vs'), 'latin1'), { hz: 250 }).value;
  const stats = parseIpVsStats(readFileSync(join(dir, 'net/ip_vs_stats'), 'latin1')).value!;
  const node = [...nodeTotalsFamilies(stats), ...nodeBackendFamilies(table, NODE_BACKEND_LABELS)];
  const all = [...node, ...ipvsFamilies({ table, stats })];
  const variants = [
    ['lightweight objects, shared label objects (used)', renderExposition],
    ['lightweight objects, label object per sample', renderWithUnsharedLabels],
    ['prom-client Gauge/Counter, labels().set()', renderWithPromClientMetrics],
  ] as const;
  const count = (families: readonly MetricFamily[]) => families.reduce((sum, f) => sum + f.samples.length, 0);
  console.log(
    `\nrendering through prom-client, ${runs} runs each in alternating order (median CPU ms, ratio to the used path)`,
  );
  console.log(
    `${'path'.padEnd(50)} ${`node_ipvs_* (${count(node)})`.padStart(20)} ${`all /proc (${count(all)})`.padStart(20)}`,
  );
  const results = [await renderCpu(node, variants, runs), await renderCpu(all, variants, runs)];
  for (const [index, [name]] of variants.entries()) {
    const cells = results.map(({ times }) => {
      const m = median(times[index]!);
      return `${fmt(m)} x${fmt(m / median(times[0]!), 2)}`.padStart(20);
    });
    console.log(`${name.padEnd(50)} ${cells.join(' ')}`);
  }
  console.log(`same exposition lines from all three: ${results.every((r) => r.identical) ? 'yes' : 'NO'}`);
}

async function main(): Promise<void> {
  const services = flag('services', 10_000);
  const destinations = flag('destinations', 4);
  const connLines = flag('conn-lines', 1_000_000);
  const rounds = flag('rounds', 7);
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-bench-'));
  benchDir = dir;
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`machine: ${cpus().length} CPUs, load average ${load()} (1, 5, 15 min) at start`);
  try {
    const started = performance.now();
    await writeDirector(dir, { services, destinationsPerService: destinations }, connLines);
    console.log(
      `tree: ${services} services × ${destinations} real servers = ${services * (destinations + 1)} lines of ip_vs, ` +
        `${connLines} lines of ip_vs_conn (written in ${fmt((performance.now() - started) / 1000, 1)} s) in ${dir}`,
    );
    await compareScrapes(dir, rounds);
    await connSummary(dir, 3);
    await compareRendering(dir, 7);
    console.log(`\nload average at the end: ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
