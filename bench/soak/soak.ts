/**
 * The soak itself, shared by bench/soak/main.ts (an hour on 1 M connections) and
 * test/soak/soak.test.ts (2 minutes on a small table): lvs-exporter with every collector on, over a
 * generated director (bench/scrape's generator), scraped once a second, its OTLP and InfluxDB sinks
 * pushing every second to receivers that hang, die and come back; RSS and scrape time sampled.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  copyFileSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeDirector } from '../scrape/generate.js';
import { influxReceiver, otlpReceiver, phaseAt } from './receivers.js';
import type { Sample } from './trend.js';

export interface SoakOptions {
  /** The checkout: dist/exporter/main.js, test/exporter/ipvsadm-replay.sh and fixtures/ live here. */
  readonly root: string;
  readonly minutes: number;
  readonly services: number;
  readonly destinations: number;
  readonly connLines: number;
  /** exporter, OTLP receiver, InfluxDB receiver (loopback). */
  readonly ports: readonly [number, number, number];
  /** One receiver cycle (up, hang, down, up), ms. */
  readonly cycleMs: number;
  readonly progress?: (line: string) => void;
}

export interface SoakResult {
  readonly rssMb: Sample[];
  /** V8's heap after each full (mark-compact) collection: what survives, so a leak's own trend. */
  readonly heapAfterGcMb: Sample[];
  /** Open file descriptors: a socket left behind per push to a hung receiver shows here. */
  readonly openFds: Sample[];
  readonly scrapeMs: Sample[];
  readonly scrapes: number;
  readonly failedScrapes: string[];
  readonly pushes: { otlp: number; influx: number; otlpHung: number; influxHung: number };
  /** The exporter's last stderr lines, for a failure message. */
  readonly stderrTail: string;
}

const SCRAPE_TIMEOUT_MS = 30_000;
/** `--trace-gc`'s line for a full collection: `Mark-Compact 61.9 (94.3) -> 55.5 (88.9) MB`. */
const FULL_GC = /: Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/;
const STDERR_KEPT = 16 << 10;

function get(url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: SCRAPE_TIMEOUT_MS }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in ${SCRAPE_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`/proc/${pid}/status has no VmRSS`);
  return Number(kb) / 1024;
}

async function waitUntilListening(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`lvs-exporter exited ${child.exitCode}: ${stderr()}`);
    if (
      await get(`${url}/`).then(
        () => true,
        () => false,
      )
    )
      return;
    await sleep(200);
  }
  throw new Error(`lvs-exporter did not listen on ${url} within 60 s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { root, ports, progress = () => undefined } = options;
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-flt-soak-'));
  const otlp = otlpReceiver(ports[1]);
  const influx = influxReceiver(ports[2]);
  let child: ChildProcess | undefined;
  let fifo: number | undefined;
  try {
    progress(
      `generating ${options.services}×${options.destinations} services, ${options.connLines} connections`,
    );
    await writeDirector(
      dir,
      { services: options.services, destinationsPerService: options.destinations },
      options.connLines,
    );
    const json = join(dir, 'keepalived.json');
    copyFileSync(join(root, 'fixtures/keepalived/2.2.7-vrrp/steady-a-master.json'), json);
    const fifoPath = join(dir, 'notify.fifo');
    await otlp.set('up');
    await influx.set('up');
    const url = `http://127.0.0.1:${ports[0]}`;
    // prettier-ignore
    const args = [
      join(root, 'dist/exporter/main.js'),
      `--web.listen-address=127.0.0.1:${ports[0]}`, '--log.level=warn',
      `--path.procfs=${dir}`, '--collector.ipvs.conn', '--collector.timeout=30',
      `--ipvsadm.path=${join(root, 'test/exporter/ipvsadm-replay.sh')}`, '--ipvsadm.timeout=20',
      `--keepalived.json-file=${json}`, `--keepalived.notify-fifo=${fifoPath}`,
      '--keepalived.vips=127.0.0.1@lo',
      `--otlp.endpoint=http://127.0.0.1:${ports[1]}`, '--otlp.interval=1000', '--otlp.timeout=1000',
      `--influx.url=http://127.0.0.1:${ports[2]}`, '--influx.interval=1000', '--influx.timeout=1000',
      '--influx.max-backoff=2000',
    ];
    // --trace-gc: V8 prints each collection on stdout (the exporter writes nothing else there).
    const spawned = spawn(process.execPath, ['--trace-gc', ...args], {
      env: { ...process.env, IPVSADM_REPLAY_DIR: join(dir, 'ipvsadm') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = spawned;
    const fullGcs: { at: number; mb: number }[] = [];
    createInterface({ input: spawned.stdout }).on('line', (line) => {
      const mb = FULL_GC.exec(line)?.[1];
      if (mb !== undefined) fullGcs.push({ at: performance.now(), mb: Number(mb) });
    });
    let stderr = '';
    spawned.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
    });
    await waitUntilListening(url, spawned, () => stderr);
    const pid = spawned.pid!;
    // The first collection creates the FIFO; a writer of our own feeds it transitions like keepalived.
    await get(`${url}/metrics`);
    fifo = openSync(fifoPath, constants.O_RDWR | constants.O_NONBLOCK);

    const rss: Sample[] = [];
    const fds: Sample[] = [];
    const scrapeMs: Sample[] = [];
    const failed: string[] = [];
    const started = performance.now();
    const endAt = started + options.minutes * 60_000;
    let scrapes = 0;
    for (let tick = 0; performance.now() < endAt; tick++) {
      const elapsed = performance.now() - started;
      await influx.set(phaseAt(elapsed, options.cycleMs));
      await otlp.set(phaseAt(elapsed, options.cycleMs, 0.5));
      writeSync(fifo, `INSTANCE "VI_1" ${tick % 2 ? 'MASTER' : 'BACKUP'} 150\n`);
      const before = performance.now();
      try {
        const answer = await get(`${url}/metrics`);
        if (answer.status !== 200)
          failed.push(`minute ${(elapsed / 60_000).toFixed(2)}: HTTP ${answer.status}`);
        scrapeMs.push({ minute: elapsed / 60_000, value: performance.now() - before });
      } catch (error) {
        failed.push(`minute ${(elapsed / 60_000).toFixed(2)}: ${(error as Error).message}`);
      }
      scrapes++;
      if (spawned.exitCode !== null) throw new Error(`lvs-exporter exited ${spawned.exitCode}: ${stderr}`);
      const now = performance.now();
      rss.push({ minute: (now - started) / 60_000, value: rssMb(pid) });
      fds.push({ minute: (now - started) / 60_000, value: openFds(pid) });
      if (tick % 60 === 0)
        progress(`minute ${((now - started) / 60_000).toFixed(1)}: RSS ${rss.at(-1)!.value.toFixed(0)} MB`);
      // Once a second, or right away when the scrape itself took longer.
      await sleep(Math.max(0, started + (tick + 1) * 1000 - performance.now()));
    }
    return {
      rssMb: rss,
      heapAfterGcMb: fullGcs
        .filter((gc) => gc.at >= started)
        .map((gc) => ({ minute: (gc.at - started) / 60_000, value: gc.mb })),
      openFds: fds,
      scrapeMs,
      scrapes,
      failedScrapes: failed,
      pushes: {
        otlp: otlp.counts.answered,
        influx: influx.counts.answered,
        otlpHung: otlp.counts.hung,
        influxHung: influx.counts.hung,
      },
      stderrTail: stderr,
    };
  } finally {
    if (fifo !== undefined) closeSync(fifo);
    if (child) await stopChild(child);
    await otlp.stop();
    await influx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
