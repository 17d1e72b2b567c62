/** Shared test helpers: exposition parsing, fixture discovery, and real processes on loopback. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const EXPORTER = join(ROOT, 'dist/exporter/main.js');
export const PROCFS = join(ROOT, 'fixtures/procfs');
export const IPVSADM_FIXTURES = join(ROOT, 'fixtures/ipvsadm');
export const REPLAY = join(ROOT, 'test/exporter/ipvsadm-replay.sh');
export const T1 = join(PROCFS, 'kernel-6.1-t1');

/** Every procfs tree in fixtures/procfs (a folder with net/ip_vs). */
export function procfsTrees(): { name: string; dir: string }[] {
  return readdirSync(PROCFS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(PROCFS, entry.name, 'net/ip_vs')))
    .map((entry) => ({ name: entry.name, dir: join(PROCFS, entry.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `lvscope-${prefix}-`));
}

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function unescapeLabel(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses the Prometheus text format (samples only; HELP/TYPE in `meta`). Throws on bad lines. */
export function parseExposition(text: string): {
  samples: ParsedSample[];
  meta: Map<string, { help?: string; type?: string }>;
} {
  const samples: ParsedSample[] = [];
  const meta = new Map<string, { help?: string; type?: string }>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const entry = meta.get(comment[2]!) ?? {};
      if (comment[1] === 'HELP') entry.help = comment[3]!;
      else entry.type = comment[3]!;
      meta.set(comment[2]!, entry);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    const body = match[2] ?? '';
    let consumed = 0;
    for (let m = labelPattern.exec(body); m; m = labelPattern.exec(body)) {
      labels[m[1]!] = unescapeLabel(m[2]!);
      consumed = labelPattern.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`unparsable labels: ${line}`);
    const raw = match[3]!;
    const value =
      raw === 'Nan' || raw === 'NaN'
        ? NaN
        : raw === '+Inf'
          ? Infinity
          : raw === '-Inf'
            ? -Infinity
            : Number(raw);
    samples.push({ name: match[1]!, labels, value });
  }
  return { samples, meta };
}

/** `name{a="1",b="2"}` with labels sorted, to compare series regardless of label order. */
export function seriesKey(sample: ParsedSample): string {
  const labels = Object.entries(sample.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `${sample.name}{${labels}}`;
}

export function byName(samples: readonly ParsedSample[], name: string): ParsedSample[] {
  return samples.filter((sample) => sample.name === name);
}

export function find(
  samples: readonly ParsedSample[],
  name: string,
  labels: Record<string, string>,
): ParsedSample | undefined {
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** A TCP port free on 127.0.0.1 right now (bound to 0, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface Running {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly stdout: () => string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  stop(): Promise<number | string>;
}

/** Spawns a program (no shell) and collects its output; stop() sends SIGTERM, then SIGKILL. */
export function start(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? signal ?? -1));
    child.once('error', () => resolveExit(-1));
  });
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

/** Polls `check` every 50 ms until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts lvs-exporter on 127.0.0.1 (a free port) and waits until it listens. */
export async function startExporter(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Running & { url: string }> {
  const running = start(process.execPath, [EXPORTER, '--web.listen-address=127.0.0.1:0', ...args], env);
  const address = await waitFor('lvs-exporter to listen', 15_000, () => {
    if (running.child.exitCode !== null) throw new Error(`lvs-exporter exited: ${running.stderr()}`);
    return /msg=listening address=(\S+)/.exec(running.stderr())?.[1];
  });
  return { ...running, url: `http://${address}` };
}

/** Runs a program to completion (no shell) with a timeout. */
export async function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const code = await new Promise<number | string>((resolveExit) => {
    child.once('close', (c, signal) => resolveExit(c ?? signal ?? -1));
    child.once('error', () => resolveExit(-1));
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}
