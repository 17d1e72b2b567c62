/**
 * Real programs for the tests: free loopback ports, processes started without a shell and stopped
 * by PID, programs run to completion under a timeout, temporary folders, and bounded polling.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Whether `name` is an executable on PATH (looked up here, no shell). */
export function installed(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A TCP port free on 127.0.0.1 right now (bound to 0, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A new folder under the system's temp dir; the test removes it in afterAll. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `lvscope-${prefix}-`));
}

/** Polls `check` until it returns a value other than undefined or false; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Running {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly stdout: () => string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code. */
  stop(): Promise<number | string>;
}

/** Starts a program (no shell), keeping all its output (tests look for secrets in it). */
export function start(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
    child.once('error', () => resolve(-1));
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

export interface RunResult {
  /** Exit code, or the signal name (SIGKILL after the timeout). */
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion (no shell), killed after `timeoutMs`. */
export async function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A program that exits without reading its input must not fail the test with EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const code = await new Promise<number | string>((resolve) => {
    child.once('close', (c, signal) => resolve(c ?? signal ?? -1));
    child.once('error', () => resolve(-1));
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Where a program's standard output goes in runWithOutput(). */
export type OutputReader =
  /** A pipe whose reader closes its end before anything arrives (`| head -0`). */
  | 'closes at once'
  /** A pipe whose reader takes the first chunk, then closes (`| head -1`). */
  | 'closes after the first chunk'
  /** An open file descriptor (`> /dev/full`). */
  | { readonly fd: number };

/** Runs a program with its output going to `reader` (no shell), killed after `timeoutMs`. */
export async function runWithOutput(
  command: string,
  args: readonly string[],
  reader: OutputReader,
  timeoutMs = 20_000,
): Promise<{ code: number | string; stderr: string }> {
  const child = spawn(command, args, {
    stdio: ['ignore', typeof reader === 'object' ? reader.fd : 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (reader === 'closes at once') child.stdout?.destroy();
  if (reader === 'closes after the first chunk') child.stdout?.once('data', () => child.stdout?.destroy());
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | string>((resolve) => {
    child.once('exit', (c, signal) => resolve(c ?? signal ?? -1));
    child.once('error', () => resolve(-1));
  });
  clearTimeout(timer);
  return { code, stderr };
}
