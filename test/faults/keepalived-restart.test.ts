/**
 * The fault matrix's real-keepalived row: keepalived 2.2.7 in network namespace flt-ka (one VRRP
 * instance on a veth link), lvs-exporter signalling it through its pid file, reading its notify
 * FIFO and checking its VIP in that namespace. keepalived is stopped and started again while
 * scrapes continue: only the dump source goes down (the FIFO stays open: it is opened O_RDWR;
 * VIP presence is still read and reports the VIP gone), every scrape answers within
 * --collector.timeout, and the dump and the FIFO transitions come back with the new keepalived.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, installed, tempDir, waitFor } from '../support/process.js';
import { parseExposition, startExporter } from '../exporter/helpers.js';

const NS = 'flt-ka';
const VIP = '10.252.0.201';
const TIMEOUT_S = 1;
const ANSWER_MS = TIMEOUT_S * 1000 + 700;
// IPVS is off: the pid lookup reads --path.procfs, so it must be the real /proc (no ip_vs here).
const SOURCES = ['keepalived_json:keepalived', 'keepalived_fifo:keepalived', 'keepalived_vips:keepalived'];
const missing =
  process.getuid?.() !== 0
    ? 'needs root (network namespace)'
    : !installed('keepalived')
      ? 'no keepalived'
      : '';

let dir = '';
let keepalived: ChildProcess | undefined;
let exporter: (Running & { url: string }) | undefined;

const ip = (...args: string[]) => execFileSync('ip', args, { timeout: 10_000, stdio: 'pipe' });

function startKeepalived(): ChildProcess {
  rmSync(join(dir, 'keepalived.pid'), { force: true });
  rmSync(join(dir, 'vrrp.pid'), { force: true });
  // prettier-ignore
  return spawn('ip', [
    'netns', 'exec', NS, 'keepalived', '--vrrp', '-n', '-l', '-D', '-G',
    '-f', join(dir, 'keepalived.conf'), '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid'),
  ], { env: { ...process.env, TMPDIR: join(dir, 'tmp') }, stdio: 'ignore' });
}

async function stopKeepalived(): Promise<void> {
  const child = keepalived;
  keepalived = undefined;
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

async function scrape(): Promise<{ up: Map<string, number>; text: string }> {
  const started = performance.now();
  const response = await fetch(`${exporter!.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const ms = performance.now() - started;
  expect(response.status).toBe(200);
  expect(ms, `scrape took ${ms.toFixed(0)} ms`).toBeLessThan(ANSWER_MS);
  const up = new Map<string, number>();
  for (const s of parseExposition(text).samples)
    if (s.name === 'lvscope_source_up') up.set(s.labels.source!, s.value);
  return { up, text };
}

/** The last scrape seen, named in a timeout's message. */
let last = '';
async function until<T>(
  what: string,
  timeoutMs: number,
  check: (s: { up: Map<string, number>; text: string }) => T | undefined,
): Promise<T> {
  try {
    return await waitFor(
      what,
      timeoutMs,
      async () => {
        const s = await scrape();
        last =
          [...s.up].map(([k, v]) => `${k}=${v}`).join(' ') +
          ' ' +
          s.text
            .split('\n')
            .filter((l) => /vip_present|fifo_transitions|dump_up/.test(l) && !l.startsWith('#'))
            .join(' | ') +
          ` [down=${down(s.up).join(',')} vip=${vipPresent(s.text)} master=${masterTransitions(s.text)}]`;
        return check(s);
      },
      250,
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; last scrape: ${last}; exporter: ${exporter!.stderr().slice(-1500)}`,
      { cause: error },
    );
  }
}

const down = (up: Map<string, number>) => SOURCES.filter((s) => up.get(s) !== 1);
const vipPresent = (text: string) =>
  new RegExp(
    `^lvscope_keepalived_vip_present\\{[^}]*ip_address="${VIP.replace(/\./g, '\\.')}"[^}]*\\} 1$`,
    'm',
  ).test(text);
const masterTransitions = (text: string) =>
  Number(
    /^lvscope_keepalived_fifo_transitions_total\{[^}]*iname="VI_1"[^}]*to_state="MASTER"[^}]*\} (\d+)$/m.exec(
      text,
    )?.[1] ?? 0,
  );

describe.skipIf(missing !== '')(`fault matrix: keepalived restarted ${missing}`, () => {
  beforeAll(async () => {
    if (
      ip('netns', 'list')
        .toString()
        .split('\n')
        .some((l) => l.split(' ')[0] === NS)
    )
      throw new Error(`netns ${NS} already exists: refusing to touch it`);
    dir = tempDir('flt-ka');
    mkdirSync(join(dir, 'tmp'));
    ip('netns', 'add', NS);
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    // A veth pair with both ends inside (no dummy module on every kernel): eth0 carries the VIP.
    ip('-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    ip('-n', NS, 'link', 'set', 'eth1', 'up');
    ip('-n', NS, 'link', 'set', 'eth0', 'up');
    ip('-n', NS, 'addr', 'add', '10.252.0.1/24', 'dev', 'eth0');
    writeFileSync(
      join(dir, 'keepalived.conf'),
      `global_defs {
  router_id flt
  vrrp_notify_fifo ${join(dir, 'vrrp.fifo')}
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 71
  priority 150
  advert_int 1
  virtual_ipaddress {
    ${VIP}/24 dev eth0
  }
}
`,
    );
    keepalived = startKeepalived();
    await waitFor('keepalived pid file', 10_000, () => existsSync(join(dir, 'keepalived.pid')));
    exporter = await startExporter([
      `--collector.timeout=${TIMEOUT_S}`,
      '--no-collector.ipvs',
      `--keepalived.pid-file=${join(dir, 'keepalived.pid')}`,
      `--keepalived.notify-fifo=${join(dir, 'vrrp.fifo')}`,
      `--keepalived.vips=${VIP}@eth0`,
      `--keepalived.netns=${NS}`,
      '--keepalived.signal-timeout=0.5',
    ]);
  });

  afterAll(async () => {
    await exporter?.stop();
    await stopKeepalived();
    if (dir) {
      try {
        ip('netns', 'del', NS);
      } catch {
        // Not created (beforeAll failed before it).
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    'marks only the dump down while keepalived is stopped, and recovers when it is back',
    { timeout: 60_000 },
    async () => {
      const ready = await until('keepalived MASTER with its VIP', 20_000, (s) =>
        down(s.up).length === 0 && vipPresent(s.text) && masterTransitions(s.text) >= 1 ? s : undefined,
      );
      const before = masterTransitions(ready.text);

      await stopKeepalived();
      const stopped = await until('the dump source down', 10_000, (s) =>
        s.up.get('keepalived_json:keepalived') === 0 ? s : undefined,
      );
      expect(down(stopped.up)).toEqual(['keepalived_json:keepalived']);
      expect(vipPresent(stopped.text)).toBe(false);

      keepalived = startKeepalived();
      const back = await until('keepalived back: dump up, MASTER again, VIP back', 20_000, (s) => {
        expect(down(s.up).filter((source) => source !== 'keepalived_json:keepalived')).toEqual([]);
        return down(s.up).length === 0 && vipPresent(s.text) && masterTransitions(s.text) > before
          ? s
          : undefined;
      });
      expect(readFileSync(join(dir, 'keepalived.pid'), 'utf8').trim()).not.toBe('');
      expect(masterTransitions(back.text)).toBe(before + 1);
    },
  );
});
