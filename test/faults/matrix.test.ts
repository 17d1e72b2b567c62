/**
 * The fault matrix (issue 12 §6): one lvs-exporter with every source on (ip_vs, ip_vs_stats,
 * ip_vs_stats_percpu, ip_vs_conn, the four ipvsadm listings, a keepalived JSON dump, the notify
 * FIFO, `ip -j addr`), and each source in turn hung, slow, failing, returning garbage or
 * disappearing mid-read while scrapes continue. Every scrape must answer within
 * --collector.timeout (plus rendering slack), show only the faulted source down and every other
 * source up, and the source must be up again once it is restored.
 *
 * Files are faulted on disk (a FIFO nobody writes: open() blocks; a FIFO fed a few bytes: read()
 * blocks; a directory; binary; truncated; removed; atomically replaced in a loop). ipvsadm and ip
 * are test/faults/stand-in.sh, switched by a mode file.
 */
import {
  closeSync,
  constants,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, run, sleep, tempDir } from '../support/process.js';
import { IPVSADM_FIXTURES, REPLAY, ROOT, T1, parseExposition, startExporter } from '../exporter/helpers.js';

const TIMEOUT_S = 1;
/** HTTP, rendering and a loaded 2-core box on top of the collection deadline. */
const ANSWER_MS = TIMEOUT_S * 1000 + 700;
const PORT = 19850;
const DAEMON = 'keepalived';
const IPVSADM_SOURCES = ['ipvsadm_stats', 'ipvsadm_rate', 'ipvsadm_thresholds', 'ipvsadm_persistent_conn'];
const ALL_SOURCES = [
  'ip_vs',
  'ip_vs_stats',
  'ip_vs_stats_percpu',
  'ip_vs_conn',
  ...IPVSADM_SOURCES,
  `keepalived_json:${DAEMON}`,
  `keepalived_fifo:${DAEMON}`,
  `keepalived_vips:${DAEMON}`,
];

let dir = '';
let exporter: (Running & { url: string }) | undefined;
const held: number[] = [];
const paths = () => ({
  proc: (name: string) => join(dir, 'proc/net', name),
  good: (name: string) => join(dir, 'good', name),
  json: join(dir, 'keepalived.json'),
  fifo: join(dir, 'notify.fifo'),
  mode: (program: string) => join(dir, 'mode', program),
});

interface Scrape {
  readonly ms: number;
  readonly up: Map<string, number>;
  readonly text: string;
}

async function scrape(): Promise<Scrape> {
  const started = performance.now();
  const response = await fetch(`${exporter!.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const ms = performance.now() - started;
  expect(response.status, text.slice(0, 500)).toBe(200);
  const up = new Map<string, number>();
  for (const sample of parseExposition(text).samples)
    if (sample.name === 'lvscope_source_up') up.set(sample.labels.source!, sample.value);
  return { ms, up, text };
}

/** The sources down in this scrape (every configured source must be listed). */
function downIn(result: Scrape): string[] {
  expect([...result.up.keys()].sort()).toEqual([...ALL_SOURCES].sort());
  return ALL_SOURCES.filter((source) => result.up.get(source) !== 1);
}

// --- faults on files -------------------------------------------------------------------------

/** Puts `path`'s good copy back atomically (rename over whatever the fault left there). */
function restoreFile(path: string, good: string): void {
  const next = `${path}.restore`;
  copyFileSync(good, next);
  renameSync(next, path);
}

/** Releases anything blocked opening or reading a FIFO we left at a path: a writer that leaves. */
function releaseFifo(path: string): void {
  try {
    closeSync(openSync(path, constants.O_RDWR | constants.O_NONBLOCK));
  } catch {
    // Already replaced: nothing can be blocked on it any more.
  }
}

function replaceWith(path: string, make: (tmp: string) => void): void {
  const tmp = `${path}.fault`;
  rmSync(tmp, { recursive: true, force: true });
  make(tmp);
  rmSync(path, { recursive: true, force: true });
  renameSync(tmp, path);
}

async function mkfifo(path: string): Promise<void> {
  const result = await run('mkfifo', ['-m', '0600', path], { timeoutMs: 5000 });
  if (result.code !== 0) throw new Error(`mkfifo ${path}: ${result.stderr}`);
}

interface Fault {
  readonly kind: string;
  readonly apply: () => void | Promise<void>;
  readonly restore: () => void | Promise<void>;
  /** Background activity while the fault lasts (a file replaced in a loop). */
  readonly during?: () => () => void;
  /** Sources expected down while the fault lasts ([] = the source must ride it out). */
  readonly down: readonly string[];
}

/** The faults every file source gets. */
function fileFaults(source: string, path: () => string, good: () => string): Fault[] {
  const restore = () => {
    releaseFifo(path());
    restoreFile(path(), good());
    while (held.length > 0) closeSync(held.pop()!);
  };
  return [
    {
      kind: 'hung (FIFO, no writer: open() blocks)',
      apply: async () => {
        rmSync(path(), { force: true });
        await mkfifo(path());
      },
      restore,
      down: [source],
    },
    {
      kind: 'slow (FIFO fed 40 bytes, then nothing)',
      apply: async () => {
        rmSync(path(), { force: true });
        await mkfifo(path());
        const fd = openSync(path(), constants.O_RDWR | constants.O_NONBLOCK);
        writeSync(fd, readFileSync(good()).subarray(0, 40));
        held.push(fd);
      },
      restore,
      down: [source],
    },
    {
      kind: 'failing (a directory: EISDIR)',
      apply: () => replaceWith(path(), (tmp) => mkdirSync(tmp)),
      restore: () => {
        rmSync(path(), { recursive: true, force: true });
        restore();
      },
      down: [source],
    },
    {
      kind: 'garbage (binary)',
      apply: () =>
        replaceWith(path(), (tmp) =>
          writeFileSync(tmp, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151 + 7) & 255))),
        ),
      restore,
      down: [source],
    },
    {
      kind: 'gone (removed)',
      apply: () => rmSync(path(), { force: true }),
      restore,
      down: [source],
    },
  ];
}

/** Replaced atomically every 10 ms while scrapes read it: must never be seen torn or missing. */
function replacedInALoop(path: () => string, good: () => string): Fault {
  return {
    kind: 'replaced mid-read (rename over it every 10 ms)',
    apply: () => undefined,
    restore: () => restoreFile(path(), good()),
    during: () => {
      const timer = setInterval(() => restoreFile(path(), good()), 10);
      return () => clearInterval(timer);
    },
    down: [],
  };
}

// --- faults on programs (stand-in.sh modes) --------------------------------------------------

function programFaults(program: 'ipvsadm' | 'ip', sources: readonly string[]): Fault[] {
  const mode = (value: string) => () => writeFileSync(paths().mode(program), `${value}\n`);
  const kinds: [string, string][] = [
    ['hang', 'hung (forked sleep 30)'],
    ['slow', 'slow (40 bytes, then sleep 30)'],
    ['fail', 'failing (exit 1)'],
    ['garbage', 'garbage (binary)'],
    ['die', 'killed mid-output (SIGKILL after 40 bytes)'],
    ...(program === 'ip' ? ([['null', 'garbage (`[null]`)']] as [string, string][]) : []),
  ];
  return kinds.map(([value, kind]) => ({
    kind,
    apply: mode(value),
    restore: mode('ok'),
    down: sources,
  }));
}

// --- faults on the notify FIFO ---------------------------------------------------------------

function fifoFaults(): Fault[] {
  const source = `keepalived_fifo:${DAEMON}`;
  const fifo = () => paths().fifo;
  const recreate = async () => {
    rmSync(fifo(), { force: true });
    await mkfifo(fifo());
  };
  return [
    {
      kind: 'replaced by a regular file',
      apply: () => replaceWith(fifo(), (tmp) => writeFileSync(tmp, 'not a fifo\n')),
      restore: recreate,
      down: [source],
    },
    {
      kind: 'removed (the reader recreates it)',
      apply: () => rmSync(fifo(), { force: true }),
      restore: () => undefined,
      down: [],
    },
    {
      kind: 'writer closes (keepalived restarted)',
      apply: () => {
        const fd = openSync(fifo(), constants.O_RDWR | constants.O_NONBLOCK);
        writeSync(fd, 'INSTANCE "VI_1" MASTER 150\n');
        closeSync(fd);
      },
      restore: () => undefined,
      down: [],
    },
    {
      kind: 'garbage lines (binary, 10 kB line)',
      apply: () => {
        const fd = openSync(fifo(), constants.O_RDWR | constants.O_NONBLOCK);
        writeSync(fd, Buffer.from('\u0001\u00ff\u001b[2J garbage\n' + 'x'.repeat(10_000) + '\n', 'latin1'));
        closeSync(fd);
      },
      restore: () => undefined,
      down: [],
    },
  ];
}

interface Row {
  readonly source: string;
  readonly fault: Fault;
}

const p = paths;
const jsonSource = `keepalived_json:${DAEMON}`;
const rows: Row[] = [
  ...(['ip_vs', 'ip_vs_stats', 'ip_vs_conn'] as const).flatMap((name) =>
    fileFaults(
      name,
      () => p().proc(name),
      () => p().good(name),
    ).map((fault) => ({ source: name, fault })),
  ),
  {
    source: 'ip_vs',
    fault: replacedInALoop(
      () => p().proc('ip_vs'),
      () => p().good('ip_vs'),
    ),
  },
  {
    source: 'ip_vs_conn',
    fault: replacedInALoop(
      () => p().proc('ip_vs_conn'),
      () => p().good('ip_vs_conn'),
    ),
  },
  ...programFaults('ipvsadm', IPVSADM_SOURCES).map((fault) => ({ source: 'ipvsadm', fault })),
  ...fileFaults(
    jsonSource,
    () => p().json,
    () => p().good('keepalived.json'),
  ).map((fault) => ({
    source: 'keepalived JSON dump',
    fault,
  })),
  {
    source: 'keepalived JSON dump',
    fault: {
      kind: 'torn (half the JSON)',
      apply: () => {
        const good = readFileSync(p().good('keepalived.json'));
        replaceWith(p().json, (tmp) => writeFileSync(tmp, good.subarray(0, good.length >> 1)));
      },
      restore: () => restoreFile(p().json, p().good('keepalived.json')),
      down: [jsonSource],
    },
  },
  ...fifoFaults().map((fault) => ({ source: 'keepalived notify FIFO', fault })),
  ...programFaults('ip', [`keepalived_vips:${DAEMON}`]).map((fault) => ({ source: 'ip -j addr', fault })),
];

/** Scrapes until `done` holds (bounded), checking every scrape's time and the other sources. */
async function scrapeUntil(
  what: string,
  expectedDown: readonly string[],
  done: (down: string[]) => boolean,
): Promise<void> {
  const seen: string[] = [];
  for (let attempt = 0; attempt < 4; attempt++) {
    const result = await scrape();
    expect(result.ms, `${what}: scrape took ${result.ms.toFixed(0)} ms`).toBeLessThan(ANSWER_MS);
    const down = downIn(result);
    // Never another source down than the faulted one.
    expect(
      down.filter((source) => !expectedDown.includes(source)),
      `${what}: other sources down`,
    ).toEqual([]);
    if (done(down)) return;
    seen.push(down.join(',') || 'none down');
  }
  throw new Error(`${what}: not reached in 4 scrapes (down: ${seen.join(' | ')})`);
}

describe('fault matrix: each source faulted while scrapes continue', () => {
  beforeAll(async () => {
    dir = tempDir('flt-matrix');
    mkdirSync(join(dir, 'proc/net'), { recursive: true });
    mkdirSync(join(dir, 'good'));
    mkdirSync(join(dir, 'mode'));
    mkdirSync(join(dir, 'bin'));
    for (const name of ['ip_vs', 'ip_vs_stats', 'ip_vs_stats_percpu', 'ip_vs_conn']) {
      copyFileSync(join(T1, 'net', name), p().proc(name));
      copyFileSync(join(T1, 'net', name), p().good(name));
    }
    const fixtureJson = join(ROOT, 'fixtures/keepalived/2.2.7-vrrp/steady-a-master.json');
    copyFileSync(fixtureJson, p().json);
    copyFileSync(fixtureJson, p().good('keepalived.json'));
    writeFileSync(
      join(dir, 'mode/ip.json'),
      JSON.stringify([
        { ifindex: 2, ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.1.0.1', prefixlen: 24 }] },
      ]) + '\n',
    );
    writeFileSync(p().mode('ipvsadm'), 'ok\n');
    writeFileSync(p().mode('ip'), 'ok\n');
    for (const program of ['ipvsadm', 'ip'])
      symlinkSync(join(ROOT, 'test/faults/stand-in.sh'), join(dir, 'bin', program));
    exporter = await startExporter(
      [
        `--web.listen-address=127.0.0.1:${PORT}`,
        `--collector.timeout=${TIMEOUT_S}`,
        `--path.procfs=${join(dir, 'proc')}`,
        '--collector.ipvs.conn',
        `--ipvsadm.path=${join(dir, 'bin/ipvsadm')}`,
        '--ipvsadm.timeout=5',
        `--keepalived.json-file=${p().json}`,
        `--keepalived.notify-fifo=${p().fifo}`,
        '--keepalived.vips=10.1.0.1@eth0',
        `--keepalived.ip-binary=${join(dir, 'bin/ip')}`,
        '--keepalived.signal-timeout=5',
      ],
      {
        FLT_MODE_DIR: join(dir, 'mode'),
        FLT_REPLAY: REPLAY,
        IPVSADM_REPLAY_DIR: join(IPVSADM_FIXTURES, 'kernel-6.1-t1'),
      },
    );
    await scrapeUntil('start-up', [], (down) => down.length === 0);
  });

  afterAll(async () => {
    while (held.length > 0) closeSync(held.pop()!);
    for (const name of ['ip_vs', 'ip_vs_stats', 'ip_vs_conn']) releaseFifo(p().proc(name));
    releaseFifo(p().json);
    await exporter?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(rows.map((row) => [row.source, row.fault.kind, row] as const))(
    '%s %s',
    { timeout: 15_000 },
    async (source, kind, row) => {
      const { fault } = row;
      const what = `${source} ${kind}`;
      await fault.apply();
      const stopDuring = fault.during?.();
      try {
        if (fault.down.length > 0) {
          await scrapeUntil(what, fault.down, (down) => fault.down.every((s) => down.includes(s)));
        } else {
          // Rides it out: two scrapes, every source up in both.
          for (let i = 0; i < 2; i++) await scrapeUntil(what, [], (down) => down.length === 0);
        }
      } finally {
        stopDuring?.();
        await fault.restore();
      }
      await scrapeUntil(`${what}, restored`, fault.down, (down) => down.length === 0);
    },
  );

  it('kept reading the FIFO through its faults', async () => {
    const fd = openSync(p().fifo, constants.O_RDWR | constants.O_NONBLOCK);
    writeSync(fd, 'INSTANCE "VI_1" FAULT 150\n');
    closeSync(fd);
    await sleep(200);
    const { text } = await scrape();
    expect(text).toMatch(/lvscope_keepalived_fifo_transitions_total\{[^}]*to_state="FAULT"[^}]*\} 1/);
  });
});
